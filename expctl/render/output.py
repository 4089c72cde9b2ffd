"""The one output sink: data to stdout in the chosen mode, nothing else.

Modes: ``table`` (aligned columns for people; the default on a terminal), ``plain``
(tab-separated, no header, no colour, RFC 3339 times; the default when piped), ``json``
(the API objects unchanged; a list is one array), ``yaml`` (the same as YAML), ``ids``
(one id per line) and ``jsonl`` (one compact object per line, written as pages arrive).

Lists are written as they are produced, so a large ``--all`` listing never has to sit
in memory and ``| head`` sees the first lines at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from expctl.errors import LocalWriteError, UsageError
from expctl.render.safe import for_display, visible_but_colours
from expctl.render.style import STATUS_STYLES

if TYPE_CHECKING:
    from expctl.render.columns import Column

MODES = ("table", "plain", "json", "yaml", "ids", "jsonl", "markdown")
DRAWN = ("table", "plain", "markdown")  # for people (or tab-separated): server strings shown safe


def resolve_mode(flag: str | None, configured: str | None, default: str, allowed: Sequence[str] = MODES) -> str:
    """``-o`` when given (refused when this command lacks it), else the configured mode
    where this command has it, else the command's default."""
    if flag is not None:
        if flag not in allowed:
            raise UsageError(f"output {flag!r} is not available here", hint=f"choose one of: {', '.join(allowed)}")
        return flag
    if configured is not None and configured in allowed:
        return configured
    return default


class Output:
    def __init__(self, mode: str, stream: TextIO, *, color: bool, width: int | None, pretty: bool = True) -> None:
        self.mode = mode
        self.stream = stream
        self.color = color
        self.width = width
        # JSON is indented for a person at a terminal; for a program it is compact, which
        # the C encoder writes several times faster. The objects are the same either way.
        self.indent = 2 if pretty else None

    # -- lists -------------------------------------------------------------------------

    def rows(self, items: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> int:
        """Write a list of objects; returns how many were written. What is drawn for
        people (and tab-separated lines) shows control characters (``render.safe``);
        json, jsonl and ids keep PostHog's strings as they came."""
        if self.mode in DRAWN:
            items = (for_display(item) for item in items)
        if self.mode == "json":
            return self._json_array(items)
        if self.mode == "jsonl":
            count = 0
            for item in items:
                self._write(_json(item, separators=(",", ":")) + "\n")
                count += 1
                if count % 100 == 0:
                    self.stream.flush()  # a reader (| head, | jq) sees lines as pages arrive
            return count
        if self.mode == "yaml":
            collected = list(items)
            self._yaml(collected)
            return len(collected)
        if self.mode == "ids":
            count = 0
            for item in items:
                self._write(f"{item.get('id')}\n")
                count += 1
            return count
        if self.mode == "plain":
            count = 0
            for item in items:
                self._write(_plain_line(item, columns))
                count += 1
            return count
        collected = list(items)
        self._table(collected, columns)
        return len(collected)

    # -- single objects ----------------------------------------------------------------

    def item(
        self,
        obj: Mapping[str, Any],
        columns: Sequence[Column],
        detail: Callable[[Mapping[str, Any], bool], str] | None = None,
    ) -> None:
        if self.mode in DRAWN:
            obj = for_display(obj)
        if self.mode == "json":
            self._write(_json(obj, indent=self.indent) + "\n")
        elif self.mode == "jsonl":
            self._write(_json(obj, separators=(",", ":")) + "\n")
        elif self.mode == "yaml":
            self._yaml(obj)
        elif self.mode == "ids":
            self._write(f"{obj.get('id')}\n")
        elif self.mode == "plain" or detail is None:
            if self.mode == "table" and detail is None:
                self._table([obj], columns)
            else:
                self._write(_plain_line(obj, columns))
        else:
            self._write(detail(obj, self.color))

    def data(self, payload: Any, text: Callable[[Any], str] | None = None) -> None:
        """Arbitrary JSON (API passthrough, settings...): json/yaml as is, else ``text``."""
        if self.mode == "yaml":
            self._yaml(payload)
        elif self.mode in ("json", "jsonl") or text is None:
            indent = None if self.mode == "jsonl" else self.indent
            self._write(_json(payload, indent=indent) + "\n")
        else:
            self._write(visible_but_colours(text(for_display(payload))))

    def text(self, value: str, *, flush: bool = False) -> None:
        """Text drawn for people (a plan, results, a report of checks; in json mode a
        document already serialised); ``flush`` for lines a reader should see at once.
        Its control characters are shown, all but expctl's own colours."""
        self._write(value if self.mode in ("json", "jsonl", "yaml") else visible_but_colours(value))
        if flush:
            try:
                self.stream.flush()
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise LocalWriteError(f"could not write to standard output: {exc.strerror or exc}") from None

    # -- helpers -----------------------------------------------------------------------

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
        except BrokenPipeError:
            raise  # the reader went away (`| head`): ended quietly by the entry point
        except OSError as exc:  # a full disk behind `> file`, a closed terminal
            raise LocalWriteError(f"could not write to standard output: {exc.strerror or exc}") from None

    def _json_array(self, items: Iterable[Mapping[str, Any]]) -> int:
        count = 0
        for item in items:
            if self.indent is None:
                self._write(("[" if count == 0 else ",") + _json(item, separators=(",", ":")))
            else:
                body = _json(item, indent=2).replace("\n", "\n  ")
                self._write(("[\n  " if count == 0 else ",\n  ") + body)
            count += 1
        if self.indent is None:
            self._write("]\n" if count else "[]\n")
        else:
            self._write("\n]\n" if count else "[]\n")
        return count

    def _yaml(self, payload: Any) -> None:
        import yaml

        self._write(yaml.safe_dump(payload, sort_keys=False, allow_unicode=True, default_flow_style=False))

    def _table(self, items: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> None:
        """Aligned columns that fit the terminal: narrow terminals lose the least useful
        default columns first, then NAME and FLAG are cut with an ellipsis; ID, STATUS and
        times are never cut. The widths are ours (``render.columns.fit_columns``); rich
        only draws them, because its own fitting can squeeze the first column away."""
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from expctl.render.columns import fit_columns, table_cell

        cells = [[table_cell(column, item) for column in columns] for item in items]
        keep, widths = fit_columns(columns, cells, self.width)
        import io

        drawn = io.StringIO()
        console = Console(
            file=drawn,
            width=max(self.width or 0, sum(widths) + 2 * len(widths)),
            color_system="standard" if self.color else None,
            force_terminal=self.color,
            highlight=False,
            soft_wrap=False,
        )
        table = Table(box=None, show_edge=False, pad_edge=False, header_style="bold" if self.color else "")
        for index, column_width in zip(keep, widths, strict=True):
            column = columns[index]
            table.add_column(
                column.header,
                width=column_width,
                overflow="ellipsis",
                no_wrap=True,
                justify="right" if column.kind == "number" else "left",
            )
        for row in cells:
            line = []
            for index in keep:
                value = row[index]
                styled = columns[index].kind == "status" and self.color
                line.append(Text(value, style=" ".join(STATUS_STYLES.get(value, ())) if styled else ""))
            table.add_row(*line)
        console.print(table)
        # rich pads the last column; trailing blanks only get in the way of copy and paste
        self._write("".join(line.rstrip(" ") + "\n" for line in drawn.getvalue().splitlines()))


def _json(value: Any, **options: Any) -> str:
    """JSON as it came, except that NaN and Infinity (which JSON lacks) become null."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, **options)
    except ValueError:
        from expctl.model.numbers import finite

        return json.dumps(finite(value), ensure_ascii=False, **options)


def _plain_line(obj: Mapping[str, Any], columns: Sequence[Column]) -> str:
    # Imported here: json, the mode scripts use most, never formats a cell.
    from expctl.render.columns import plain_cell

    return "\t".join(plain_cell(c, obj) for c in columns) + "\n"
