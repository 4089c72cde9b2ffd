"""A decision as people read it: the outcome first, the reasons, then each metric with
PostHog's numbers beside the bar the policy's correction set. Markdown for a pull request
or `$GITHUB_STEP_SUMMARY`; ``-o json`` is the decision's own dict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from expctl.core.decision import Decision, MetricEntry
from expctl.render.style import Styler

HEADLINES = {
    "ship": "Ship {variant}",
    "keep-running": "Keep running",
    "review": "Needs a person's review",
    "roll-back": "Roll back",
    "invalid": "Invalid: do not trust these results",
    "waiting-for-approval": "Waiting for approval",
}
COLOURS = {"ship": "green", "roll-back": "red", "invalid": "red", "review": "yellow"}


def headline(decision: Decision) -> str:
    text = HEADLINES.get(decision.outcome, decision.outcome).format(variant=decision.variant or "")
    if decision.outcome == "keep-running" and decision.days_left is not None:
        text += f" (about {decision.days_left:.0f} days left at the current exposure rate)"
    return text


def _number(entry: MetricEntry) -> tuple[str, str, str]:
    """(change, interval, evidence) in PostHog's numbers, and the corrected bar."""
    unit = "%" if entry.relative else ""
    scale = 100 if entry.relative else 1
    change = f"{entry.delta * scale:+.1f}{unit}" if entry.delta is not None else "—"
    interval = (
        f"[{entry.interval[0] * scale:+.1f}{unit}, {entry.interval[1] * scale:+.1f}{unit}]"
        if entry.interval is not None
        else "—"
    )
    if entry.p_value is not None:
        corrected = f" → {entry.corrected_p_value:.3g}" if entry.corrected_p_value is not None else ""
        evidence = f"p {entry.p_value:.3g}{corrected}" + (f" (α {entry.alpha:g})" if entry.alpha is not None else "")
    elif entry.chance_to_win is not None:
        bar = f" (needs {entry.threshold:.1%})" if entry.threshold is not None else ""
        evidence = f"{entry.chance_to_win:.1%} to win{bar}"
    else:
        evidence = "—"
    if entry.margin is not None:
        evidence += f"; margin {entry.margin:.0%}"
    return change, interval, evidence


def _rows(metrics: Sequence[MetricEntry]) -> list[list[str]]:
    return [[e.role, e.metric, e.variant, *_number(e), e.status] for e in metrics]


HEADER = ["ROLE", "METRIC", "VARIANT", "CHANGE", "INTERVAL", "EVIDENCE", "STATUS"]


def aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as lines of columns two spaces apart, each column as wide as its widest cell
    (the last one left as it is): `decide`'s metrics and `review`'s findings."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]).rstrip() for row in rows]


def markdown_cell(text: object) -> str:
    """A server string in a Markdown table cell or list item: a pipe cannot end the cell and
    a line break cannot end the row."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_decision(experiment: Mapping[str, Any], decision: Decision, *, color: bool) -> str:
    style = Styler(color)
    lines = [
        f"{experiment.get('name')} (id {experiment.get('id')}) · decision",
        style(headline(decision), COLOURS.get(decision.outcome, "bold")),
        "",
    ]
    lines += [f"  • {reason}" for reason in decision.reasons]
    rows = _rows(decision.metrics)
    if rows:
        lines += ["", *aligned([HEADER, *rows])]
    return "\n".join(lines) + "\n"


def decision_markdown(experiment: Mapping[str, Any], decision: Decision, notes: Sequence[str]) -> str:
    name, answer = markdown_cell(experiment.get("name")), markdown_cell(headline(decision))
    lines = [f"### {name} (id {experiment.get('id')}): **{answer}**", ""]
    lines += [f"- {markdown_cell(reason)}" for reason in decision.reasons]
    rows = _rows(decision.metrics)
    if rows:
        lines += ["", "| " + " | ".join(h.lower() for h in HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    lines += [f"\n_{markdown_cell(note)}_" for note in notes]
    return "\n".join(lines) + "\n"


def decision_json(
    experiment: Mapping[str, Any], decision: Decision, planned: int | None, notes: Sequence[str]
) -> dict[str, Any]:
    return {
        "experiment": {k: experiment.get(k) for k in ("id", "name", "feature_flag_key")},
        **decision.as_json(),
        "exit_code": decision.exit_code,
        "planned_sample_per_variant": planned,
        "notes": list(notes),
    }
