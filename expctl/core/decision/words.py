"""The sentences a decision gives as reasons: each names the metric, variant and numbers.

Numbers are PostHog's, printed as PostHog shows them (a relative change as a signed
percentage, an absolute one in the metric's unit), beside the bar the policy set.
"""

from __future__ import annotations

from expctl.core.decision.corrections import BENJAMINI_HOCHBERG, HOLM, NONE
from expctl.core.decision.outcomes import BREACHED, LOST, NO_DATA, NOT_COMPARABLE, WON, MetricEntry

CORRECTION_NAMES = {HOLM: "Holm", BENJAMINI_HOCHBERG: "Benjamini-Hochberg", NONE: "uncorrected"}
_STATUS_WORDS = {WON: "wins", LOST: "loses", NO_DATA: "has no result yet"}


def pct(fraction: float) -> str:
    """0.05 as "5%", 0.975 as "97.5%"."""
    return f"{fraction * 100:.4g}%"


def change(delta: float | None, relative: bool) -> str:
    if delta is None:
        return "no change measured"
    return f"{delta * 100:+.1f}%" if relative else f"{delta:+.4g} (absolute)"


def p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def interval_text(entry: MetricEntry) -> str:
    if entry.interval is None:
        return "no interval"
    low, high = entry.interval
    if entry.relative:
        return f"interval {low * 100:+.1f}% to {high * 100:+.1f}%"
    return f"interval {low:+.4g} to {high:+.4g}"


def subject(entry: MetricEntry) -> str:
    return f"{entry.variant} on '{entry.metric}'"


def primary_sentence(entry: MetricEntry, correction: str) -> str:
    """e.g. "test on 'Checkout' wins: +13.0%, p = 0.010, Holm-adjusted 0.030 < α 0.05"."""
    verb = _STATUS_WORDS.get(entry.status, "is inconclusive")
    head = f"{subject(entry)} {verb}: {change(entry.delta, entry.relative)}"
    if entry.status == NO_DATA:
        return f"{subject(entry)} {verb}"
    if entry.corrected_p_value is not None and entry.p_value is not None:
        bar = f" (α {entry.alpha:g})" if entry.alpha is not None else ""
        if correction == NONE:
            return f"{head}, {p_text(entry.p_value)}{bar}"
        name = CORRECTION_NAMES.get(correction, correction)
        return f"{head}, {p_text(entry.p_value)}, {name}-adjusted {p_text(entry.corrected_p_value)}{bar}"
    if entry.chance_to_win is not None and entry.threshold is not None:
        return f"{head}, chance to win {pct(entry.chance_to_win)} against the threshold {pct(entry.threshold)}"
    return head


def guardrail_sentence(entry: MetricEntry) -> str:
    margin = pct(entry.margin) if entry.margin is not None else "?"
    if entry.status == NOT_COMPARABLE:
        return (
            f"guardrail {subject(entry)} is an absolute difference, which cannot be compared to the "
            f"{margin} margin: a person has to judge it"
        )
    if entry.status == NO_DATA:
        return f"guardrail {subject(entry)} has no interval yet, so it cannot be shown to hold"
    worse = "upper" if entry.goal == "decrease" else "lower"
    limit = f"+{margin}" if entry.goal == "decrease" else f"-{margin}"
    state = "beyond" if entry.status == BREACHED else "within"
    verb = "is breached" if entry.status == BREACHED else "holds"
    return f"guardrail {subject(entry)} {verb}: the {worse} bound of the {interval_text(entry)} is {state} {limit}"


def threshold_sentence(threshold: float, chance: float, family: int, correction: str) -> str:
    """How the Bayesian bar was set, stated once per decision."""
    if correction == NONE:
        return f"a win needs a chance to win of at least {pct(threshold)} (correction: none)"
    if family <= 1:
        return f"a win needs a chance to win of at least {pct(threshold)} (one primary comparison: nothing to correct)"
    return (
        f"a win needs a chance to win of at least {pct(threshold)}: the policy's {pct(chance)} made stricter for "
        f"{family} primary comparisons, Bonferroni-style 1 - (1 - {chance:g}) / {family}"
    )


def family_sentence(correction: str, family: int) -> str:
    """How the p-values were adjusted, stated once per decision."""
    if correction == NONE:
        return f"PostHog's p-values are used as they are (correction: none) over {_comparisons(family)}"
    if family <= 1:
        return "PostHog's p-value is used as it is: one primary comparison, nothing to correct"
    name = CORRECTION_NAMES.get(correction, correction)
    return f"PostHog's p-values are {name}-adjusted over {family} primary comparisons (variants × primary metrics)"


def _comparisons(count: int) -> str:
    return "one primary comparison" if count == 1 else f"{count} primary comparisons"


OUTCOME_WORDS = {"ship": "ship", "keep-running": "keep running", "review": "need a review", "roll-back": "roll back"}


def on_its_own(variant: str, outcome: str, reasons: list[str]) -> str:
    """What another variant alone would call for, beside the outcome chosen."""
    return f"on its own, {variant} would {OUTCOME_WORDS.get(outcome, outcome)}: {'; '.join(reasons)}"
