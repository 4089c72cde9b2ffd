"""Whether the experiment has run as long as planned, and how long is left if not.

A fixed-horizon frequentist p-value means what it says only when read once, at the
planned end: read every day, it crosses α by chance far more often than α. So before
the policy's ``min_runtime`` and planned sample, a decision stands only on a test that
stays valid under repeated looks (PostHog's sequential testing, or a Bayesian chance to
win read against a fixed threshold); otherwise the experiment keeps running.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from expctl.core.decision.outcomes import DecisionContext
from expctl.core.decision.policy import Policy
from expctl.core.decision.words import pct
from expctl.core.results.verdicts import ExperimentResults


@dataclass(frozen=True)
class Timing:
    runtime_reached: bool  # True when the policy sets no minimum runtime
    sample_reached: bool  # True when there is no planned sample
    planned_sample: int | None
    pending: list[str] = field(default_factory=list)  # what is not reached yet, in words
    notes: list[str] = field(default_factory=list)  # how the plan was read
    days_left: float | None = None
    early_basis: str | None = None  # why an early decision is valid; None: it is not

    @property
    def reached(self) -> bool:
        return self.runtime_reached and self.sample_reached

    def target(self) -> str:
        """What ``days_left`` counts down to, in words."""
        parts = []
        if self.planned_sample is not None:
            parts.append(f"the planned sample of {self.planned_sample:,} per variant")
        if not self.runtime_reached:
            parts.append("the minimum runtime")
        return " and ".join(parts) or "the planned end"


def variant_exposures(results: ExperimentResults, context: DecisionContext) -> dict[str, int]:
    """Exposures per variant so far, ``$multiple`` and other PostHog pseudo-variants left out."""
    source: Mapping[str, int] = context.exposures if context.exposures is not None else (results.exposures or {})
    return {key: int(count) for key, count in source.items() if not key.startswith("$")}


def planned_sample(policy: Policy, context: DecisionContext) -> int | None:
    return policy.planned_sample if policy.planned_sample is not None else context.planned_sample


def timing(results: ExperimentResults, policy: Policy, context: DecisionContext) -> Timing:
    planned = planned_sample(policy, context)
    exposures = variant_exposures(results, context)
    runtime: list[str] = []
    sample: list[str] = []
    notes: list[str] = []
    if policy.target_mde is not None and planned is None:
        notes.append(f"the target MDE of {pct(policy.target_mde)} was not sized into a planned sample")
    if context.ended:
        notes.append("the experiment has ended: no more data comes, so today's numbers are final")
    elif policy.min_runtime_days is not None:
        if context.days_running is None:
            runtime.append(f"the minimum runtime of {policy.min_runtime_days} days (days running unknown)")
        elif context.days_running < policy.min_runtime_days:
            ran = f"{context.days_running:.3g}"
            runtime.append(f"the minimum runtime of {policy.min_runtime_days} days ({ran} so far)")
    if planned is not None and not context.ended:
        least = min(exposures.values()) if exposures else None
        if least is None:
            sample.append(f"the planned sample of {planned:,} per variant (exposures unknown)")
        elif least < planned:
            sample.append(f"the planned sample of {planned:,} per variant ({least:,} in the smallest so far)")
    if policy.min_runtime_days is None and planned is None and not context.ended:
        notes.append("the policy sets no minimum runtime or planned sample, so today's numbers are taken as final")
    return Timing(
        runtime_reached=not runtime,
        sample_reached=not sample,
        planned_sample=planned,
        pending=[*runtime, *sample],
        notes=notes,
        days_left=days_left(policy, context, planned, exposures),
        early_basis=early_basis(results, context),
    )


def days_left(
    policy: Policy, context: DecisionContext, planned: int | None, exposures: Mapping[str, int]
) -> float | None:
    """Days until both the planned sample and the minimum runtime are reached.

    The sample part is (planned - the smallest variant's exposures) / (exposures per day
    / number of variants): the even split the planned sample assumes. None when a part
    that applies cannot be estimated (no exposures, no daily rate, no days running), and
    for an experiment that has ended (no day is left)."""
    if context.ended:
        return None
    parts: list[float] = []
    if planned is not None:
        rate = context.exposures_per_day
        if not exposures or rate is None or rate <= 0:
            return None
        per_variant = rate / len(exposures)
        parts.append(max(0.0, (planned - min(exposures.values())) / per_variant))
    if policy.min_runtime_days is not None:
        if context.days_running is None:
            return None
        parts.append(max(0.0, policy.min_runtime_days - context.days_running))
    return max(parts) if parts else None


def early_basis(results: ExperimentResults, context: DecisionContext) -> str | None:
    """Why a decision before the planned end is still valid, or None when it is not."""
    if results.method in ("bayesian", "legacy"):
        return "valid because a Bayesian chance to win is read against the policy's fixed threshold"
    sequential = context.sequential or (results.settings is not None and results.settings.sequential)
    if sequential:
        return "valid because PostHog's sequential testing is on"
    return None
