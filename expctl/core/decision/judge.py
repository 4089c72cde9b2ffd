"""Each metric for each variant judged by the policy: won, lost, breached, held.

PostHog's numbers are used exactly as given (``delta``, ``interval``, ``p_value``,
``chance_to_win``); only the bar they must clear moves with the correction:

* frequentist: a win is a corrected p-value below α (1 - the interval's level) with the
  delta in the metric's good direction, a loss the same in the bad direction. The family
  is every primary comparison (variants × primary metrics); one with no p-value yet
  counts as p = 1, so the family stays the size the policy implies and early gaps never
  make the correction milder.
* Bayesian: a win is a chance to win at or above the corrected threshold, a loss at or
  below 1 minus it (``chance_to_win`` is already oriented by the metric's goal).
* legacy: the same as Bayesian on PostHog's probability of being best, and only where
  PostHog's own ``significant`` flag does not say otherwise.

Guardrails are non-inferiority checks: the interval's worse bound (the lower for
``goal: increase``, the upper for ``goal: decrease``) against the margin. They are not
corrected: more guardrails can only block more ships, never make one easier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from expctl.core.decision.corrections import NONE, adjust, bayesian_threshold
from expctl.core.decision.outcomes import (
    BREACHED,
    GUARDRAIL,
    HOLDS,
    INCONCLUSIVE,
    LOST,
    NO_DATA,
    NOT_COMPARABLE,
    OTHER,
    PRIMARY,
    REPORTED,
    WON,
    MetricEntry,
)
from expctl.core.decision.policy import Guardrail, Policy
from expctl.core.results.verdicts import INSUFFICIENT, ExperimentResults, MetricResult, VariantRow


@dataclass(frozen=True)
class Roles:
    """Which metric plays which part; names the policy gives that the results lack."""

    primary: list[MetricResult]
    guardrails: list[tuple[Guardrail, MetricResult]]
    other: list[MetricResult]
    missing: list[str]


def find_metric(results: ExperimentResults, name: str) -> MetricResult | None:
    """The metric shown under ``name``, ignoring case (the first, should two share it)."""
    wanted = name.casefold()
    return next((m for m in results.metrics if m.name.casefold() == wanted), None)


def assign_roles(results: ExperimentResults, policy: Policy) -> Roles:
    missing: list[str] = []
    if policy.primary is None:
        primary = [m for m in results.metrics if m.role == "primary"]
    else:
        primary = []
        for name in policy.primary:
            found = find_metric(results, name)
            if found is None:
                missing.append(name)
            elif found not in primary:
                primary.append(found)
    guardrails: list[tuple[Guardrail, MetricResult]] = []
    for guardrail in policy.guardrails:
        found = find_metric(results, guardrail.metric)
        if found is None:
            missing.append(guardrail.metric)
        elif found not in primary:
            guardrails.append((guardrail, found))
    taken = {id(m) for m in primary} | {id(m) for _, m in guardrails}
    return Roles(primary, guardrails, [m for m in results.metrics if id(m) not in taken], missing)


def comparisons(metrics: Sequence[MetricResult]) -> list[tuple[MetricResult, VariantRow]]:
    """Every variant against the baseline, on every metric given, in the results' order."""
    return [(metric, row) for metric in metrics for row in metric.rows if not row.is_baseline]


def threshold_for(policy: Policy, family: int) -> float:
    """The per-comparison chance-to-win threshold: Bonferroni-style unless ``none``."""
    if policy.correction_method == NONE:
        return policy.chance_threshold
    return bayesian_threshold(policy.chance_threshold, family)


def judge_primaries(metrics: Sequence[MetricResult], policy: Policy) -> list[MetricEntry]:
    pairs = comparisons(metrics)
    raw = [row.p_value if row.p_value is not None and metric.method == "frequentist" else 1.0 for metric, row in pairs]
    corrected = adjust(policy.correction_method, raw) if pairs else []
    threshold = threshold_for(policy, len(pairs))
    entries = []
    for (metric, row), p_adjusted in zip(pairs, corrected, strict=True):
        if metric.method == "frequentist":
            corrected_p = p_adjusted if row.p_value is not None else None
            status = _frequentist(metric, row, corrected_p)
            entries.append(_entry(metric, row, PRIMARY, status, corrected_p=corrected_p, alpha=alpha_of(metric)))
        else:
            entries.append(_entry(metric, row, PRIMARY, _bayesian(metric, row, threshold), threshold=threshold))
    return entries


def alpha_of(metric: MetricResult) -> float:
    """The significance level PostHog tested at: 1 - the interval's level."""
    return round(1 - metric.level, 10)


def _has_data(row: VariantRow) -> bool:
    return not row.failures and row.verdict != INSUFFICIENT


def _frequentist(metric: MetricResult, row: VariantRow, corrected_p: float | None) -> str:
    if not _has_data(row) or corrected_p is None:
        return NO_DATA
    if corrected_p >= alpha_of(metric) or row.delta is None or row.delta == 0:
        return INCONCLUSIVE
    better = row.delta < 0 if metric.lower_is_better else row.delta > 0
    return WON if better else LOST


def _bayesian(metric: MetricResult, row: VariantRow, threshold: float) -> str:
    if not _has_data(row) or row.chance_to_win is None:
        return NO_DATA
    if metric.method == "legacy" and row.significant is False:
        return INCONCLUSIVE
    if row.chance_to_win >= threshold:
        return WON
    if row.chance_to_win <= 1 - threshold:
        return LOST
    return INCONCLUSIVE


def judge_guardrails(guardrails: Sequence[tuple[Guardrail, MetricResult]]) -> list[MetricEntry]:
    entries = []
    for guardrail, metric in guardrails:
        for row in metric.rows:
            if not row.is_baseline:
                status = _guardrail_status(metric, row, guardrail.max_regression)
                entries.append(_entry(metric, row, GUARDRAIL, status, margin=guardrail.max_regression))
    return entries


def _guardrail_status(metric: MetricResult, row: VariantRow, margin: float) -> str:
    if not metric.relative:
        return NOT_COMPARABLE
    if not _has_data(row) or row.interval is None:
        return NO_DATA
    low, high = row.interval
    breached = high > margin if metric.lower_is_better else low < -margin
    return BREACHED if breached else HOLDS


def report_others(metrics: Sequence[MetricResult]) -> list[MetricEntry]:
    return [_entry(metric, row, OTHER, REPORTED) for metric, row in comparisons(metrics)]


def _entry(
    metric: MetricResult,
    row: VariantRow,
    role: str,
    status: str,
    *,
    corrected_p: float | None = None,
    alpha: float | None = None,
    threshold: float | None = None,
    margin: float | None = None,
) -> MetricEntry:
    return MetricEntry(
        metric=metric.name,
        key=metric.key,
        role=role,
        variant=row.key,
        status=status,
        delta=row.delta,
        interval=row.interval,
        relative=metric.relative,
        goal=metric.goal,
        method=metric.method,
        p_value=row.p_value,
        chance_to_win=row.chance_to_win,
        corrected_p_value=corrected_p,
        alpha=alpha,
        threshold=threshold,
        margin=margin,
        posthog_verdict=row.verdict,
    )
