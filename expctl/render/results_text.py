"""Results for pull requests (markdown) and for scripts (TSV), from the same cells as the table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from expctl.core.results.verdicts import ExperimentResults
from expctl.render.results import header_lines, table_cells

# -- markdown for pull requests ----------------------------------------------------------------


def render_markdown(report: ExperimentResults, now: datetime | None = None) -> str:
    lines = [f"### Experiment results: {report.experiment.get('name')}", ""]
    details = [text for text, _ in header_lines(report, now)[1:]]
    lines.extend(f"_{_md(text)}_  " for text in details)
    counters = {"primary": 0, "secondary": 0}
    for metric in report.metrics:
        counters[metric.role] += 1
        title = f"{metric.role.capitalize()} {counters[metric.role]}: {_md(metric.name)}"
        lines.extend(["", f"**{title}** ({metric.kind.replace('legacy-', '')})", ""])
        if metric.error is not None:
            lines.append(f"Could not compute this metric: {_md(metric.error)}")
            continue
        evidence = "p-value" if metric.method == "frequentist" else "Chance to win"
        value, level = metric.value_label.capitalize(), f"{metric.level * 100:g}%"
        samples = metric.samples_label.capitalize()
        lines.append(f"| Variant | {samples} | {value} | Delta | {level} interval | {evidence} | Verdict |")
        lines.append("|---|---:|---:|---:|---|---:|---|")
        for row in metric.rows:
            key, *cells = table_cells(metric, row)
            lines.append("| " + " | ".join([f"`{_md(key)}`", *cells]) + " |")
        lines.extend(f"> ⚠ {_md(w)}" for w in metric.warnings)
        lines.extend(f"> note: {_md(n)}" for n in metric.notes)
    if not report.metrics:
        lines.extend(["", "No metrics yet."])
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


# -- TSV for scripts ---------------------------------------------------------------------------

PLAIN_COLUMNS = (
    "metric",
    "name",
    "role",
    "variant",
    "exposures",
    "value",
    "delta",
    "interval_low",
    "interval_high",
    "chance_to_win",
    "p_value",
    "significant",
    "verdict",
)


def render_plain(report: ExperimentResults) -> str:
    """One row per metric and variant; numbers unformatted; no header (see PLAIN_COLUMNS).

    ``delta`` is relative (0.05 = +5%) or, for ``ABSOLUTE`` experiments, the difference of
    the values; ``chance_to_win`` is the chance the variant is better by the metric's
    goal; ``exposures`` of a retention metric counts the users who did its start event."""
    rows: list[str] = []
    for metric in report.metrics:
        if metric.error is not None:
            rows.append(
                "\t".join([metric.key, _tsv(metric.name), metric.role, "", "", "", "", "", "", "", "", "", "error"])
            )
            continue
        for row in metric.rows:
            values: Sequence[Any] = (
                metric.key,
                _tsv(metric.name),
                metric.role,
                row.key,
                row.exposures,
                row.value,
                row.delta,
                row.interval[0] if row.interval else None,
                row.interval[1] if row.interval else None,
                row.chance_to_win,
                row.p_value,
                None if row.significant is None else str(row.significant).lower(),
                row.verdict,
            )
            rows.append(
                "\t".join("" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v)) for v in values)
            )
    return "".join(f"{line}\n" for line in rows)


def _tsv(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")
