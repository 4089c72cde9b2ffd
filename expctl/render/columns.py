"""Experiment columns, defined once for table and plain output and for ``--columns``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from expctl.errors import UsageError
from expctl.model.experiment import display_status, variants_of
from expctl.render import timefmt


class Column(NamedTuple):
    name: str
    header: str
    value: Callable[[Mapping[str, Any]], Any]
    kind: str = "text"  # text | time | status | number
    flexible: bool = False  # may be shortened (with an ellipsis) to fit the terminal
    drop_rank: int | None = None  # a default column dropped on narrow terminals, lowest rank first
    # ... once the flexible columns would otherwise be cut below this many cells
    drop_when_names_below: int = 24


def _creator(exp: Mapping[str, Any]) -> str:
    creator = exp.get("created_by")
    if isinstance(creator, Mapping):
        return str(creator.get("email") or creator.get("first_name") or "")
    return ""


def _variants(exp: Mapping[str, Any]) -> str:
    parts = []
    for variant in variants_of(exp):
        share = variant.get("split_percent", variant.get("rollout_percentage"))
        parts.append(f"{variant.get('key')}:{share:g}" if isinstance(share, (int, float)) else str(variant.get("key")))
    return ",".join(parts)


def _flag_active(exp: Mapping[str, Any]) -> str:
    flag = exp.get("feature_flag")
    if isinstance(flag, Mapping) and isinstance(flag.get("active"), bool):
        return "true" if flag["active"] else "false"
    return ""


EXPERIMENT_COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("id", "ID", lambda e: e.get("id"), "number"),
        Column("name", "NAME", lambda e: e.get("name") or "", flexible=True),
        Column(
            "flag",
            "FLAG",
            lambda e: e.get("feature_flag_key") or "",
            # The key people type and copy: never cut (`checkout-redesign…` beside
            # `checkout-redesign` invites copying the wrong one); dropped last, whole.
            drop_rank=3,
            drop_when_names_below=12,
        ),
        Column("status", "STATUS", display_status, "status"),
        Column("type", "TYPE", lambda e: e.get("type") or ""),
        Column("variants", "VARIANTS", _variants),
        Column("started", "STARTED", lambda e: e.get("start_date"), "time"),
        Column("ended", "ENDED", lambda e: e.get("end_date"), "time", drop_rank=2),
        Column("created", "CREATED", lambda e: e.get("created_at"), "time", drop_rank=1),
        Column("updated", "UPDATED", lambda e: e.get("updated_at"), "time"),
        Column("archived", "ARCHIVED", lambda e: "true" if e.get("archived") else "false"),
        Column("flag_active", "FLAG ACTIVE", _flag_active),
        Column("conclusion", "CONCLUSION", lambda e: e.get("conclusion") or ""),
        Column("creator", "CREATED BY", _creator, flexible=True),
        Column("description", "DESCRIPTION", lambda e: e.get("description") or "", flexible=True),
    )
}
DEFAULT_COLUMNS = ("id", "name", "flag", "status", "started", "ended", "created")


def choose_columns(
    spec: str | None, available: Mapping[str, Column] = EXPERIMENT_COLUMNS, default: Sequence[str] = DEFAULT_COLUMNS
) -> list[Column]:
    """Parse ``--columns id,name,...``; unknown names are a usage error with the valid list.
    Columns asked for by name are never dropped to fit a narrow terminal."""
    if not spec:
        return [available[name] for name in default if name in available]
    chosen = []
    for raw in spec.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        if name not in available:
            raise UsageError(f"unknown column {name!r}", hint=f"choose from: {', '.join(available)}")
        chosen.append(available[name]._replace(drop_rank=None))
    if not chosen:
        raise UsageError("--columns needs at least one column name", hint=f"choose from: {', '.join(available)}")
    return chosen


def plain_cell(column: Column, row: Mapping[str, Any]) -> str:
    """Tab-separated value: ISO times as the API sent them, no colour, tabs/newlines flattened."""
    value = column.value(row)
    if value is None:
        return ""
    text = str(value)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def table_cell(column: Column, row: Mapping[str, Any]) -> str:
    value = column.value(row)
    if column.kind == "time":
        return timefmt.compact(value)
    if value is None:
        return ""
    return str(value).replace("\n", " ")


def fit_columns(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int | None, gap: int = 2
) -> tuple[list[int], list[int]]:
    """Which columns to show (indexes into ``columns``) and how wide each is, so the table
    fits ``width`` cells. Droppable default columns go first, lowest ``drop_rank`` first,
    each while the table would not fit with the flexible columns cut to its
    ``drop_when_names_below`` (CREATED, ENDED: 24; FLAG: 12); then the widest flexible
    column is cut (down to ``_FLEX_MIN``) until the table fits. ID, FLAG, STATUS and
    times keep their natural width: they are never cut."""
    natural = [max([cell_width(c.header), *(cell_width(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    keep = list(range(len(columns)))

    def needed(indexes: list[int], cap: int) -> int:
        cells = sum(min(natural[i], cap) if columns[i].flexible else natural[i] for i in indexes)
        return cells + gap * (len(indexes) - 1)

    for _, index in sorted((c.drop_rank, i) for i, c in enumerate(columns) if c.drop_rank is not None):
        if width is None or needed(keep, columns[index].drop_when_names_below) <= width:
            break
        keep.remove(index)
    widths = [natural[i] for i in keep]
    if width is None:
        return keep, widths
    excess = sum(widths) + gap * (len(keep) - 1) - width
    while excess > 0:
        cuttable = [n for n, i in enumerate(keep) if columns[i].flexible and widths[n] > _FLEX_MIN]
        if not cuttable:
            break  # nothing left to cut: the terminal wraps, which beats losing ID or STATUS
        widest = max(cuttable, key=lambda n: widths[n])
        widths[widest] -= 1
        excess -= 1
    return keep, widths


_FLEX_MIN = 4


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: East Asian wide and full-width characters take two."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
