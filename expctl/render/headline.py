"""One sentence per experiment that says what its primary metrics show, e.g.
"Mixed: Checkout conversion −15.9% (losing, significant); Revenue per user +14.1% (winning)".

The verdicts are PostHog's (``significant``) read by the metric's goal
(``expctl.core.results.verdicts``); the change is PostHog's delta (the interval's midpoint). Only
primary metrics decide the word in front; secondary ones are in the tables below it.
"""

from __future__ import annotations

from expctl.core.results.verdicts import INSUFFICIENT, LOSING, NOT_SIGNIFICANT, WINNING, ExperimentResults, MetricResult
from expctl.render.results import format_delta

OUTCOMES = {
    frozenset({WINNING}): "Winning",
    frozenset({LOSING}): "Losing",
    frozenset({WINNING, LOSING}): "Mixed",
}


def headline(report: ExperimentResults) -> str:
    primary = [m for m in report.metrics if m.role == "primary"]
    if not primary:
        return "No primary metric: nothing decides this experiment yet"
    verdicts = {r.verdict for m in primary if m.error is None for r in m.rows if not r.is_baseline}
    decided = verdicts & {WINNING, LOSING}
    if decided:
        word = OUTCOMES[frozenset(decided)]
    elif verdicts and verdicts <= {INSUFFICIENT}:
        word = "Too early"
    else:
        word = "Inconclusive"
    parts = [part for metric in primary for part in _metric_parts(metric)]
    return f"{word}: " + "; ".join(parts)


def _metric_parts(metric: MetricResult) -> list[str]:
    if metric.error is not None:
        return [f"{metric.name} (no result: {metric.error})"]
    tested = [r for r in metric.rows if not r.is_baseline]
    parts = []
    for row in tested:
        name = metric.name if len(tested) == 1 else f"{metric.name} · {row.key}"
        change = format_delta(metric, row.delta).replace("-", "−") if row.delta is not None else ""
        verdict = {
            WINNING: "winning, significant",
            LOSING: "losing, significant",
            NOT_SIGNIFICANT: "not significant",
            INSUFFICIENT: "too early",
        }.get(row.verdict, row.verdict)
        parts.append(f"{name} {change} ({verdict})".replace("  ", " "))
    return parts
