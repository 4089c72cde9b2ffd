"""``decide``: one outcome, with reasons, from PostHog's results and a decision policy.

Precedence, strongest first (``outcomes.PRECEDENCE``), so the answer never hides a
worse finding behind a better one:

1. ``invalid``: the numbers cannot be trusted at all: PostHog's sample ratio test
   failed, PostHog warns of bias, the command found validation problems, or the
   experiment changed mid-run. Nothing else is weighed.
2. ``roll-back``: some variant harms: a primary metric loses after correction (and
   none wins for it), or a guardrail's worse interval bound is beyond its margin.
   One harmful variant rolls back the experiment even when another would ship: the
   reasons say which would, so a person can ship it after the rollback.
3. ``review``: a person has to judge: one primary wins and another loses, PostHog's
   verdicts would ship but the correction overturns them, a guardrail is an absolute
   difference (no percentage margin applies), the policy names a metric the results
   lack, there is no primary metric, or the planned sample is reached with nothing
   decided. Review beats ship: an ambiguous variant blocks shipping any.
4. ``ship``: a variant wins its primary metrics (all, or any, per ``ship_when``) with
   every guardrail shown to hold. When several do, the one with the largest change on
   the first primary metric (in its good direction) ships, and the reasons say the
   variants were not tested against each other.
5. ``keep-running``: nothing is decided yet; ``days_left`` estimates the time left.

Before the minimum runtime and the planned sample, roll-back, review and ship stand
only on a test valid under repeated looks (see ``timing``); otherwise the experiment
keeps running and the reasons say what it would have been. Problems of the setup itself
(a missing metric, an absolute guardrail, no primary metric) are reviewed at any time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from expctl.core.decision.judge import Roles, assign_roles, judge_guardrails, judge_primaries, report_others
from expctl.core.decision.outcomes import (
    BREACHED,
    INVALID,
    KEEP_RUNNING,
    LOST,
    NO_DATA,
    NOT_COMPARABLE,
    PRECEDENCE,
    REVIEW,
    ROLL_BACK,
    SHIP,
    WON,
    Decision,
    DecisionContext,
    MetricEntry,
)
from expctl.core.decision.policy import ALL_PRIMARY_WIN, Policy
from expctl.core.decision.timing import Timing, timing
from expctl.core.decision.words import (
    change,
    family_sentence,
    guardrail_sentence,
    on_its_own,
    primary_sentence,
    threshold_sentence,
)
from expctl.core.results.health import srm_words
from expctl.core.results.verdicts import WINNING, ExperimentResults


@dataclass(frozen=True)
class Finding:
    """What one variant alone calls for, and why."""

    variant: str
    outcome: str
    reasons: list[str] = field(default_factory=list)
    score: float = float("-inf")  # the first primary's change in its good direction (ship only)
    score_relative: bool = True


def decide(results: ExperimentResults, policy: Policy, context: DecisionContext) -> Decision:
    """The decision for one experiment; pure: everything it reads is passed in."""
    roles = assign_roles(results, policy)
    primary = judge_primaries(roles.primary, policy)
    guardrails = judge_guardrails(roles.guardrails)
    entries = [*primary, *guardrails, *report_others(roles.other)]
    invalid = invalid_reasons(results, context)
    if invalid:
        return Decision(INVALID, None, invalid, entries)
    plan = timing(results, policy, context)
    findings = [judge_variant(v, roles, primary, guardrails, policy) for v in _variants(roles)]
    outcome, variant, reasons = combine(findings)
    outcome, reasons = _gate(outcome, reasons, plan)
    setup = setup_problems(roles)
    if setup and _stronger(REVIEW, outcome):
        outcome, reasons = REVIEW, [*setup, *reasons]
    else:
        reasons = [*reasons, *setup]
    if outcome == KEEP_RUNNING and context.ended:
        outcome = REVIEW
        reasons.insert(0, "the experiment ended with nothing decided: a person concludes it")
    elif outcome == KEEP_RUNNING and plan.reached and plan.planned_sample is not None:
        outcome = REVIEW
        reasons.insert(0, "the planned sample is reached with nothing decided: a person decides whether to stop")
    reasons.extend(_basis(roles, primary, policy, plan))
    if outcome != SHIP:
        variant = None
    days = plan.days_left if outcome == KEEP_RUNNING and not plan.reached else None
    if days is not None:
        reasons.append(f"about {days:.1f} days left to {plan.target()} at the current exposure rate")
    return Decision(outcome, variant, reasons, entries, days)


def invalid_reasons(results: ExperimentResults, context: DecisionContext) -> list[str]:
    """Why the numbers cannot be trusted, if they cannot."""
    reasons: list[str] = []
    if results.srm is not None and results.srm.mismatch:
        reasons.append(f"exposures do not match the configured split: sample ratio mismatch ({srm_words(results.srm)})")
    if results.bias is not None:
        reasons.append(results.bias.words())
    reasons.extend(f"the experiment changed mid-run: {change_}" for change_ in context.changed_mid_run)
    reasons.extend(context.validation_problems)
    return reasons


def setup_problems(roles: Roles) -> list[str]:
    """Review reasons that no amount of waiting resolves."""
    problems = [f"the policy names '{name}', which the results do not have" for name in roles.missing]
    if not roles.primary:
        problems.append("there is no primary metric to decide on")
    for metric in roles.primary:
        if metric.error is not None:
            problems.append(f"primary metric '{metric.name}' has no result: {metric.error}")
    return problems


def _variants(roles: Roles) -> list[str]:
    keys: list[str] = []
    for metric in [*roles.primary, *(m for _, m in roles.guardrails)]:
        keys.extend(row.key for row in metric.rows if not row.is_baseline and row.key not in keys)
    return keys


def judge_variant(
    variant: str, roles: Roles, primary: Sequence[MetricEntry], guardrails: Sequence[MetricEntry], policy: Policy
) -> Finding:
    """One variant's outcome from its primary and guardrail entries (precedence inside)."""
    mine = [e for e in primary if e.variant == variant]
    won = [e for e in mine if e.status == WON]
    lost = [e for e in mine if e.status == LOST]
    guards = [e for e in guardrails if e.variant == variant]
    unjudged = [e for e in guards if e.status == NO_DATA]
    unjudged_names = [g.metric for g, m in roles.guardrails if not any(e.key == m.key for e in guards)]
    correction = policy.correction_method

    def said(entries: Sequence[MetricEntry]) -> list[str]:
        return [primary_sentence(e, correction) for e in entries]

    if breached := [e for e in guards if e.status == BREACHED]:
        return Finding(variant, ROLL_BACK, [guardrail_sentence(e) for e in breached])
    if won and lost:
        return Finding(
            variant, REVIEW, [f"{variant} is mixed: it wins one primary metric and loses another", *said(mine)]
        )
    if lost:
        return Finding(variant, ROLL_BACK, said(lost))
    if incomparable := [e for e in guards if e.status == NOT_COMPARABLE]:
        return Finding(variant, REVIEW, [guardrail_sentence(e) for e in incomparable])
    if _ships(won, roles, policy):
        if unjudged or unjudged_names:
            waiting = [guardrail_sentence(e) for e in unjudged] + [
                f"guardrail '{n}' has no result" for n in unjudged_names
            ]
            return Finding(variant, KEEP_RUNNING, [*said(won), *waiting])
        held = [guardrail_sentence(e) for e in guards]
        return Finding(variant, SHIP, [*said(won), *held], _score(roles, mine), roles.primary[0].relative)
    raw = [e for e in mine if e.posthog_verdict == WINNING]
    if _ships(raw, roles, policy):
        head = f"PostHog calls {variant} significant, but not after the correction for multiple comparisons"
        return Finding(variant, REVIEW, [head, *said([e for e in raw if e.status != WON])])
    if won:
        return Finding(variant, KEEP_RUNNING, [*said(won), f"{variant} must win every primary metric to ship"])
    return Finding(variant, KEEP_RUNNING, [f"no primary metric is decided yet for {variant}"])


def _ships(won: Sequence[MetricEntry], roles: Roles, policy: Policy) -> bool:
    """Whether these wins satisfy ``ship_when``: every primary metric, or any."""
    keys = {e.key for e in won}
    if policy.ship_when == ALL_PRIMARY_WIN:
        return bool(roles.primary) and all(m.key in keys for m in roles.primary)
    return bool(keys)


def _score(roles: Roles, mine: Sequence[MetricEntry]) -> float:
    first = roles.primary[0]
    entry = next((e for e in mine if e.key == first.key), None)
    if entry is None or entry.delta is None:
        return float("-inf")
    return -entry.delta if first.lower_is_better else entry.delta


def combine(findings: Sequence[Finding]) -> tuple[str, str | None, list[str]]:
    """The strongest outcome any variant calls for, its variant (ship), and the reasons."""
    if not findings:
        return KEEP_RUNNING, None, []
    outcome = min((f.outcome for f in findings), key=PRECEDENCE.index)
    chosen = [f for f in findings if f.outcome == outcome]
    reasons = [reason for f in chosen for reason in f.reasons]
    variant: str | None = None
    if outcome == SHIP:
        best = max(chosen, key=lambda f: f.score)  # max keeps the first of equals: results order
        variant = best.variant
        if len(chosen) > 1:
            runners_up = ", ".join(
                f"{f.variant} ({change(f.score, f.score_relative)})" for f in chosen if f is not best
            )
            reasons.insert(0, _several(best, runners_up))
    others = [f for f in findings if f.outcome != outcome]
    reasons.extend(on_its_own(f.variant, f.outcome, f.reasons) for f in others)
    return outcome, variant, reasons


def _several(best: Finding, others: str) -> str:
    return (
        f"several variants qualify: shipping {best.variant}, the largest change on the first primary metric "
        f"({change(best.score, best.score_relative)} in its good direction) over {others}; "
        "they were not tested against each other"
    )


def _gate(outcome: str, reasons: list[str], plan: Timing) -> tuple[str, list[str]]:
    """Keep running when a decision comes before the planned end on a test that is not
    valid under repeated looks; otherwise say why an early decision stands. The minimum
    runtime is a floor for shipping whatever the test: it is there for the weekly cycles
    and novelty effects no test statistic sees (a roll-back may still come early)."""
    if outcome == KEEP_RUNNING or plan.reached:
        return outcome, reasons
    pending = " and ".join(plan.pending)
    verb = "are" if len(plan.pending) > 1 else "is"
    if plan.early_basis is not None and outcome == SHIP and not plan.runtime_reached:
        runtime = next(p for p in plan.pending if p.startswith("the minimum runtime"))
        return KEEP_RUNNING, [f"PostHog's numbers point to ship, but {runtime} is not reached", *reasons]
    if plan.early_basis is not None:
        return outcome, [*reasons, f"taken before {pending}: {plan.early_basis}"]
    head = (
        f"PostHog's numbers point to {outcome}, but {pending} {verb} not reached, and without sequential testing "
        "a frequentist p-value is valid only once, at the planned end"
    )
    return KEEP_RUNNING, [head, *reasons]


def _stronger(first: str, second: str) -> bool:
    return PRECEDENCE.index(first) < PRECEDENCE.index(second)


def _basis(roles: Roles, primary: Sequence[MetricEntry], policy: Policy, plan: Timing) -> list[str]:
    """How the bar was set: the correction over the family, and how the plan was read."""
    family = len(primary)
    lines: list[str] = []
    methods = {m.method for m in roles.primary}
    if "frequentist" in methods:
        lines.append(family_sentence(policy.correction_method, family))
    if methods & {"bayesian", "legacy"}:
        threshold = next((e.threshold for e in primary if e.threshold is not None), policy.chance_threshold)
        lines.append(threshold_sentence(threshold, policy.chance_threshold, family, policy.correction_method))
    return [*lines, *plan.notes]
