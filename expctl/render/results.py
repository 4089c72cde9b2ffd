"""Results for people: a screen per experiment (markdown and TSV: ``results_text``).

The table answers three questions per metric: which variant is winning, by how much, and
how sure PostHog is. Each delta has its interval drawn as a bar around a zero line, on a
scale shared by the metric's variants. Colour marks winners (green) and losers (red), and
is always paired with a symbol (▲ ▼ · ⚠) so the verdict reads without colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from expctl.core.results.verdicts import (
    BASELINE,
    INSUFFICIENT,
    LOSING,
    NOT_SIGNIFICANT,
    WINNING,
    ExperimentResults,
    MetricResult,
)
from expctl.model.experiment import status_of
from expctl.render import timefmt
from expctl.render.words import hanging

SYMBOLS = {WINNING: "▲", LOSING: "▼", NOT_SIGNIFICANT: "·", INSUFFICIENT: "⚠", BASELINE: " ", "no statistics": "·"}
STYLES = {WINNING: "green", LOSING: "red", NOT_SIGNIFICANT: "dim", INSUFFICIENT: "yellow", BASELINE: ""}
NICE_SCALES = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0)
BAR_MIN_WIDTH = 11  # narrower than this and the tables go without the bar column
BAR_MAX_WIDTH = 25


# -- numbers -------------------------------------------------------------------------------------


def format_value(metric: MetricResult, value: float | None) -> str:
    if value is None:
        return "-"
    if metric.value_is_rate:
        return f"{value * 100:.2f}%"
    magnitude = abs(value)
    if magnitude >= 1000 or (value.is_integer() and metric.kind == "count"):
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 1 or value == 0:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_delta(metric: MetricResult, delta: float | None) -> str:
    if delta is None:
        return "-"
    if metric.relative:
        return f"{delta * 100:+.1f}%"
    if metric.value_is_rate:
        return f"{delta * 100:+.2f}pp"
    return f"{delta:+.2f}"


def format_interval(metric: MetricResult, interval: tuple[float, float] | None) -> str:
    if interval is None:
        return ""
    return f"[{format_delta(metric, interval[0])}, {format_delta(metric, interval[1])}]"


def format_count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def format_evidence(metric: MetricResult, chance: float | None, p_value: float | None) -> str:
    if metric.method == "frequentist":
        if p_value is None:
            return ""
        return "<0.001" if p_value < 0.001 else f"{p_value:.3f}"
    return "" if chance is None else format_chance(chance)


def format_chance(chance: float) -> str:
    """A chance to win as PostHog shows it: one decimal, and never a rounded certainty
    (0.9996 is "> 99.9%", not "100.0%")."""
    if chance > 0.999:
        return "> 99.9%"
    if chance < 0.001:
        return "< 0.1%"
    return f"{chance * 100:.1f}%"


def evidence_header(metric: MetricResult) -> str:
    return "P-VALUE" if metric.method == "frequentist" else "WIN CHANCE"


def scale_for(metric: MetricResult) -> float:
    """A round half-width for the metric's bars, so every variant shares one scale."""
    extent = 0.0
    for row in metric.rows:
        points = [*(row.interval or ()), row.delta if row.delta is not None else 0.0]
        extent = max(extent, *(abs(p) for p in points))
    if extent == 0:
        return NICE_SCALES[2]
    for nice in NICE_SCALES:
        if extent <= nice:
            return nice
    # Absolute differences in a metric's own unit can be large: 1, 2, 2.5 or 5 times a power of ten.
    magnitude = 10.0 ** math.floor(math.log10(extent))
    return next(step * magnitude for step in (1.0, 2.0, 2.5, 5.0, 10.0) if extent <= step * magnitude)


def draw_bar(metric: MetricResult, row_delta: float | None, interval: tuple[float, float] | None, width: int) -> str:
    """The interval as a bar of ``width`` characters with the zero line in the middle."""
    half = width // 2
    cells = [" "] * width
    cells[half] = "│"
    if interval is None:
        return "".join(cells)
    scale = scale_for(metric)

    def position(value: float) -> int:
        return max(0, min(width - 1, half + round(value / scale * half)))

    low, high = position(interval[0]), position(interval[1])
    # An interval that excludes zero never touches the zero line, however close it comes.
    if interval[1] < 0:
        high = min(high, half - 1)
    if interval[0] > 0:
        low = max(low, half + 1)
    for index in range(low, high + 1):
        cells[index] = "┿" if index == half else "━"
    if row_delta is not None:
        cells[position(row_delta)] = "●"
    return "".join(cells)


def bar_header(metric: MetricResult, width: int) -> str:
    """The bar's scale, with the better side marked ✓ (right for "higher is better",
    left for "lower is better"); absolute differences in the metric's own unit."""
    scale = scale_for(metric)
    if metric.relative:
        label = f"{scale * 100:g}%"
    elif metric.value_is_rate:
        label = f"{scale * 100:g}pp"
    else:
        label = f"{scale:g}"
    left, right = f"-{label}", f"+{label}"
    if metric.lower_is_better:
        left = f"✓{left}"
    else:
        right = f"{right}✓"
    half = width // 2
    if len(left) + len(right) + 3 > width:
        return f"±{label}".center(width)
    text = [" "] * width
    text[half] = "0"
    for index, char in enumerate(left):
        if index < half - 1:
            text[index] = char
    for index, char in enumerate(reversed(right)):
        if width - 1 - index > half + 1:
            text[width - 1 - index] = char
    return "".join(text)


# -- the header ----------------------------------------------------------------------------------


def holdout_line(experiment: Mapping[str, Any]) -> str | None:
    """Said whenever an experiment runs with a holdout: those users see the default
    experience and are in no variant's numbers."""
    holdout = experiment.get("holdout")
    if not isinstance(holdout, Mapping):
        return None
    from expctl.core.specs.kinds import holdout_percentage

    share = holdout_percentage(holdout.get("filters"))
    held = f"{share:g}% of users" if isinstance(share, (int, float)) else "some users"
    return f"Holdout: {holdout.get('name')} ({held} held back from this experiment; not in these results)"


def header_lines(report: ExperimentResults, now: datetime | None = None) -> list[tuple[str, str]]:
    """(text, style) lines above the tables: what, since when, computed how, how fresh,
    exposures and PostHog's health checks, then what a reader must know first."""
    exp = report.experiment
    status = status_of(exp)
    lines: list[tuple[str, str]] = [(f"{exp.get('name')} (id {exp.get('id')})", "bold")]
    refreshed, _ = report.freshness
    as_of = timefmt.parse(report.source.query_to if report.source else refreshed)
    if exp.get("start_date"):
        since = timefmt.short_utc(exp.get("start_date"))[:10]
        # days of data: to the time the numbers are as of (PostHog's clock), else now
        span = timefmt.duration_days(exp.get("start_date"), exp.get("end_date"), now=as_of or now)
        when = f"{status} since {since} ({span})" if not exp.get("end_date") else f"{status}, ran {span} from {since}"
    else:
        when = status
    settings = report.settings.describe() if report.settings else _method_words(report)
    lines.append((f"{when} · {settings}", ""))
    holdout = holdout_line(exp)
    if holdout:
        lines.append((holdout, ""))
    lines.extend(freshness_lines(report, now))
    lines.extend(_exposure_lines(report))
    lines.extend((f"⚠ {note}", "yellow") for note in report.notes)
    return lines


def _method_words(report: ExperimentResults) -> str:
    """The method, where the settings are unknown (a report built without them)."""
    return {
        "bayesian": f"Bayesian, {report.level * 100:g}% credible intervals",
        "frequentist": f"frequentist, {report.level * 100:g}% confidence intervals",
        "legacy": "legacy results (Bayesian)",
    }.get(report.method, report.method)


def freshness_lines(report: ExperimentResults, now: datetime | None) -> list[tuple[str, str]]:
    """Where the numbers came from and how old they are, on PostHog's clock."""
    source = report.source
    if source is not None:
        from expctl.core.results.freshness import age

        old = age(source)
        kind = "PostHog's daily results (placeholder)" if source.placeholder else "PostHog's stored results"
        ago = "" if not old else ", just now" if old == "under a minute" else f", {old} old"
        return [(f"{kind}, data to {timefmt.short_utc(source.query_to)}{ago}", "dim")]
    refreshed, cached = report.freshness
    if not refreshed:
        return []
    when = timefmt.short_utc(refreshed)
    if cached:
        return [(f"Data as of {when}, {timefmt.relative(refreshed, now=now)} (cached; --refresh recomputes)", "dim")]
    return [(f"Data as of {when} (just computed)", "dim")]


def _exposure_lines(report: ExperimentResults) -> list[tuple[str, str]]:
    from expctl.core.results.health import srm_words

    lines: list[tuple[str, str]] = []
    srm = report.srm
    if report.exposures:
        counts = " · ".join(f"{k} {v:,}" for k, v in report.exposures.items())
        lines.append((f"Exposures: {counts}", ""))
        if srm is not None and not srm.mismatch:
            lines.append((f"Split as configured ({srm_words(srm)})", ""))
        elif srm is None and report.srm_note:
            lines.append((f"Split not tested: {report.srm_note}", "dim"))
    if srm is not None and srm.mismatch:
        expected = "/".join(f"{share * 100:g}" for share in srm.expected_share.values())
        split = f"the configured {expected} split" if expected else "the configured split"
        lines.append(
            (
                f"⚠ Sample ratio mismatch: exposures differ from {split} ({srm_words(srm, statistic=True)}). "
                "Check variant assignment before trusting these results.",
                "bold red",
            )
        )
    if report.bias is not None:
        lines.append((f"⚠ {report.bias.words()}", "bold yellow"))
    return lines


# -- table for people ------------------------------------------------------------------------


def render_table(
    report: ExperimentResults, *, width: int, color: bool, now: datetime | None = None, wrap: bool = True
) -> str:
    """The results as tables; ``wrap`` off (piped output) keeps each line of text whole
    however long, so a script never finds a line broken in the middle of its data."""
    from io import StringIO

    from rich.text import Text

    from expctl.render.style import capture_console

    buffer = StringIO()
    console = capture_console(buffer, width, color)
    for text, style in header_lines(report, now):
        console.print(Text(text, style=style if color else ""), soft_wrap=not wrap)
    if not report.metrics:
        console.print()
        console.print("No metrics yet: add one with `expctl update EXPERIMENT --set 'metrics=[...]'`.")
    gap = 2 if width >= 100 else 1
    bar_width = _bar_width(report, width, gap)
    counters = {"primary": 0, "secondary": 0}
    for metric in report.metrics:
        counters[metric.role] += 1
        console.print()
        title = f"{metric.role.capitalize()} {counters[metric.role]} · {metric.name}"
        kind = metric.kind.replace("legacy-", "")
        goal = "lower is better" if metric.goal == "decrease" else "higher is better"
        console.print(
            Text(title, style="bold" if color else ""), Text(f"  {kind}, {goal}", style="dim" if color else "")
        )
        if metric.error is not None:
            console.print(
                Text(f"  ✗ could not compute this metric: {metric.error}", style="red" if color else ""),
                soft_wrap=not wrap,
            )
            continue
        console.print(_metric_table(metric, gap, bar_width, color))
        steps = funnel_steps_line(metric)
        lines = [(f"  {steps}", "dim")] if steps else []
        lines += [(f"  ⚠ {warning}", "yellow") for warning in metric.warnings]
        lines += [(f"  note: {note}", "dim") for note in metric.notes]
        for line, style in lines:
            shown = hanging(line, width if wrap else None, 4)  # continued lines under the text, not at column 0
            console.print(Text(shown, style=style if color else ""), soft_wrap=True)
    return _strip_trailing(buffer.getvalue())


def funnel_steps_line(metric: MetricResult) -> str:
    """Exposed users and each step's count, for funnels of two or more steps.

    PostHog's ``step_counts`` has one count per step of ``series``, without the exposure
    step; a one-step funnel's single count is its conversions, already in the table."""
    steps = [(r.key, r.exposures, r.step_counts) for r in metric.rows if r.step_counts and len(r.step_counts) > 1]
    if not steps:
        return ""
    described = " · ".join(
        f"{key} " + " → ".join(f"{n:,}" for n in [*([exposed] if exposed is not None else []), *counts])
        for key, exposed, counts in steps
        if counts
    )
    return f"Funnel steps (exposed, then each of {len(steps[0][2] or [])} steps): {described}"


def _metric_table(metric: MetricResult, gap: int, bar_width: int, color: bool) -> Any:
    """One metric's rows as a rich table, with the interval bar column when it fits."""
    from rich.table import Table
    from rich.text import Text

    headers = _headers(metric)
    show_bar = bar_width > 0 and metric.kind != "count"
    table = Table(
        box=None, show_edge=False, pad_edge=False, padding=(0, gap, 0, 0), header_style="bold" if color else ""
    )
    for index, header in enumerate(headers):
        if show_bar and index == len(headers) - 2:
            table.add_column(bar_header(metric, bar_width), no_wrap=True, width=bar_width)
        right = index in (1, 2, 3, len(headers) - 2)
        table.add_column(header, justify="right" if right else "left", no_wrap=True, overflow="ellipsis")
    for row in metric.rows:
        cells = table_cells(metric, row)
        style = STYLES.get(row.verdict, "") if color else ""
        line: list[Text | str] = list(cells[:-1])
        line[-1:-1] = [Text(draw_bar(metric, row.delta, row.interval, bar_width), style=style)] if show_bar else []
        line.append(Text(cells[-1], style=style))
        table.add_row(*line)
    return table


def _headers(metric: MetricResult) -> list[str]:
    return [
        "VARIANT",
        metric.samples_label,
        metric.value_label,
        "DELTA",
        f"{metric.level * 100:g}% INTERVAL",
        evidence_header(metric),
        "VERDICT",
    ]


def _bar_width(report: ExperimentResults, width: int, gap: int) -> int:
    """One bar width for the whole report (odd, so zero sits in the middle), or 0 for none."""
    room = BAR_MAX_WIDTH
    for metric in report.metrics:
        if metric.error is not None or metric.kind == "count":
            continue
        rows = [table_cells(metric, row) for row in metric.rows]
        headers = _headers(metric)
        fixed = sum(max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)) + gap * len(headers)
        room = min(room, width - fixed - gap)
    room -= 1 - room % 2
    return room if room >= BAR_MIN_WIDTH else 0


def table_cells(metric: MetricResult, row: Any) -> list[str]:
    verdict = BASELINE if row.is_baseline else f"{SYMBOLS.get(row.verdict, '·')} {row.verdict}"
    return [
        row.key,
        format_count(row.exposures),
        format_value(metric, row.value),
        "baseline" if row.is_baseline else format_delta(metric, row.delta),
        format_interval(metric, row.interval),
        format_evidence(metric, row.chance_to_win, row.p_value),
        verdict,
    ]


def _strip_trailing(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
