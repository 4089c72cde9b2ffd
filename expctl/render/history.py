"""`results --history`: exposures per day as a bar chart, and each primary metric's daily
delta and interval, drawn with rich in at most the terminal's width (80 by default).

Colour-blind safe: the variants take colours of the Okabe–Ito palette, and each also has
a fill of its own (█ ▓ ▒ ░), so the chart reads the same in monochrome, on a printout
or with NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import StringIO
from typing import Any

from expctl.core.results.daily import Exposures, MetricHistory
from expctl.render.results import bar_header, draw_bar, format_count, format_delta, format_interval
from expctl.render.style import capture_console

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
FILLS = ("█", "▓", "▒", "░")
DATE = 10
COUNT = 8
MIN_BAR = 10


def render_history(
    title: str, exposures: Exposures | None, metrics: list[MetricHistory], *, width: int, color: bool, note: str = ""
) -> str:
    from rich.text import Text

    buffer = StringIO()
    console = capture_console(buffer, width, color)
    console.print(Text(title, style="bold" if color else ""))
    if exposures is not None and exposures.days:
        console.print()
        _exposure_chart(console, exposures, width, color)
    for index, history in enumerate(metrics, start=1):
        console.print()
        _metric_chart(console, index, history, width, color)
    if note:
        console.print()
        console.print(Text(note, style="dim" if color else ""))
    return buffer.getvalue()


def _exposure_chart(console: Any, exposures: Exposures, width: int, color: bool) -> None:
    from rich.text import Text

    keys = list(exposures.daily)
    key_width = max(len(k) for k in keys)
    bar_width = max(MIN_BAR, width - DATE - 2 - key_width - 1 - COUNT - 1)
    peak = max((max(v) for v in exposures.daily.values() if v), default=0) or 1
    legend = Text("Exposures per day  ", style="bold" if color else "")
    for index, key in enumerate(keys):
        legend.append(f"{FILLS[index % len(FILLS)]} {key}  ", style=PALETTE[index % len(PALETTE)] if color else "")
    console.print(legend)
    for day_index, day in enumerate(exposures.days):
        for index, key in enumerate(keys):
            count = exposures.daily[key][day_index]
            cells = round(count / peak * bar_width)
            line = Text(f"{day if index == 0 else '':<{DATE}}  {key:<{key_width}} ")
            line.append(FILLS[index % len(FILLS)] * cells, style=PALETTE[index % len(PALETTE)] if color else "")
            line.append(" " * (bar_width - cells) + f"{format_count(count):>{COUNT}}")
            console.print(line)
    totals = " · ".join(f"{k} {format_count(v)}" for k, v in exposures.total.items())
    console.print(Text(f"{'':<{DATE}}  total {totals}; {exposures.per_day:,.0f} a day", style="dim" if color else ""))


def _metric_chart(console: Any, index: int, history: MetricHistory, width: int, color: bool) -> None:
    from rich.text import Text

    shape = history.shape
    name = history.spec.name
    if shape is None or not history.days:
        why = f"PostHog has computed no day yet (status: {history.status or 'unknown'})"
        console.print(Text(f"Primary {index} · {name}", style="bold" if color else ""), Text(f"  {why}"))
        _failed_days(console, history, color)
        return
    goal = "lower is better" if shape.lower_is_better else "higher is better"
    console.print(Text(f"Primary {index} · {name}", style="bold" if color else ""), Text(f"  daily, {goal}"))
    keys = sorted({row.key for day in history.days for row in day.rows})
    key_width = max(len("VARIANT"), *(len(k) for k in keys))
    level = f"{shape.level * 100:g}% INTERVAL"
    intervals = [len(format_interval(shape, r.interval)) for d in history.days for r in d.rows]
    interval_width = max(len(level), *intervals)
    # DAY  VARIANT  DELTA  INTERVAL  ★ BAR, each column then two spaces (one after the mark).
    prefix = DATE + 2 + key_width + 2 + 7 + 2 + interval_width + 2 + 2
    bar_width = max(MIN_BAR, width - prefix - 1)
    bar_width -= (bar_width + 1) % 2  # odd: the zero line sits in the middle
    head = f"{'DAY':<{DATE}}  {'VARIANT':<{key_width}}  {'DELTA':>7}  {level:<{interval_width}}    "
    console.print(Text(head + bar_header(shape, bar_width), style="bold" if color else ""))
    since = history.first_significant()
    for day in history.days:
        for position, row in enumerate(day.rows):
            mark = "★" if since.get(row.key) == day.day else " "
            interval = format_interval(shape, row.interval)
            line = Text(
                f"{day.day if position == 0 else '':<{DATE}}  {row.key:<{key_width}}  "
                f"{format_delta(shape, row.delta):>7}  {interval:<{interval_width}}  {mark} ",
                style="bold" if color and row.significant else "",
            )
            line.append(draw_bar(shape, row.delta, row.interval, bar_width))
            console.print(line)
    for key, first in since.items():
        console.print(Text(f"★ {key}: significant since {first}", style="dim" if color else ""))
    _failed_days(console, history, color)
    pending = [day for day in history.missing if day not in history.errors]
    if pending:
        console.print(Text(f"not computed yet: {len(pending)} of the days", style="dim" if color else ""))


def _failed_days(console: Any, history: MetricHistory, color: bool) -> None:
    """One line for the days PostHog failed to compute: the first, how many more, why."""
    from rich.text import Text

    failed = sorted(history.errors)
    if failed:
        first = failed[0]
        more = f" (and {len(failed) - 1} more days)" if len(failed) > 1 else ""
        said = f"⚠ PostHog could not compute {first}{more}: {history.errors[first]}"
        console.print(Text(said, style="yellow" if color else ""), soft_wrap=True)


def history_data(
    experiment: Mapping[str, Any], exposures: Exposures | None, histories: Sequence[MetricHistory], note: str
) -> dict[str, Any]:
    """``results --history -o json``: the series as data."""
    return {
        "experiment_id": experiment.get("id"),
        "exposures": exposures.as_json() if exposures else None,
        "daily_results": note == "",
        "metrics": [h.as_json() for h in histories],
    }


def history_plain(exposures: Exposures | None, histories: Sequence[MetricHistory]) -> str:
    """Tab-separated rows for scripts: exposures, then daily deltas."""
    lines = []
    if exposures is not None:
        for index, date in enumerate(exposures.days):
            for key, counts in exposures.daily.items():
                lines.append(f"exposures\t{date}\t{key}\t{counts[index]}")
    for history in histories:
        for day in history.days:
            for row in day.rows:
                low, high = row.interval or (None, None)
                cells = ["result", history.spec.key, history.spec.name, day.day, row.key, row.delta, low, high]
                cells.append(row.significant)
                lines.append(
                    "\t".join("" if c is None else str(c).lower() if isinstance(c, bool) else str(c) for c in cells)
                )
    return "".join(f"{line}\n" for line in lines)
