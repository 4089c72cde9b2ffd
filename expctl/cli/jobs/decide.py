"""The decide job: PostHog's results for one experiment judged against its policy, and,
when asked, the decision carried out with PostHog's ship action.

What the engine (``core/decision``) needs besides the results is gathered here: days
running and exposures a day on PostHog's clock (the stored run's ``Date``), sequential
testing from the settings the results were computed with, the changes made during the
run from the activity log, and the planned sample: the policy's, else sized from its
target MDE, else from the experiment's own MDE (``plan``'s precedence) on the answers
the results already gave, so deciding spends no query of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expctl.api.daily_results import HistoryApi
    from expctl.api.lifecycle import Lifecycle
    from expctl.api.results import ResultsApi
    from expctl.core.decision import Decision, DecisionContext, Policy
    from expctl.core.results.verdicts import ExperimentResults

# What `decide --apply` writes for each outcome it carries out: the conclusion PostHog
# stores (products/experiments models: won, lost, inconclusive, stopped_early, invalid).
CONCLUSIONS = {"ship": "won", "roll-back": "lost"}


@dataclass
class DecideApis:
    results: ResultsApi
    history: HistoryApi


@dataclass
class DecisionRun:
    """The decision, the results it was made from, and what the sizing said."""

    experiment: Mapping[str, Any]
    decision: Decision
    results: ExperimentResults
    planned_sample: int | None = None
    plan_source: str | None = None  # where the planned sample came from
    notes: list[str] = field(default_factory=list)


def decide_experiment(
    apis: DecideApis, experiment: Mapping[str, Any], policy: Policy, problems: list[str]
) -> DecisionRun:
    """Read PostHog's results and decide. ``problems``: what is wrong with the policy or
    the specs for this experiment (the decision is then invalid, with them as reasons)."""
    from expctl.cli.jobs.results import ResultsOptions, experiment_results
    from expctl.core.decision import check_policy_against, decide

    results = experiment_results(apis.results, experiment, ResultsOptions())
    fit = [str(p) for p in check_policy_against(policy, experiment) if p.severity == "error"]
    planned, source, notes = _planned_sample(apis, experiment, policy, results)
    if apis.results.client.capabilities.get("activity_log") is False:
        notes.append(
            "changes made during the run were not checked: the activity log could not be read "
            "(the key needs activity_log:read)"
        )
    context = decision_context(experiment, results, [*problems, *fit], planned)
    decision = decide(results, policy, context)
    return DecisionRun(experiment, decision, results, planned, source, notes)


def decision_context(
    experiment: Mapping[str, Any], results: ExperimentResults, problems: list[str], planned: int | None
) -> DecisionContext:
    from expctl.core.decision import DecisionContext

    days = days_running(experiment, results)
    exposures = results.exposures or _exposures_of(results)
    total = sum(n for key, n in (exposures or {}).items() if not str(key).startswith("$"))
    per_day = total / days if days and total else None
    sequential = bool(results.settings and results.settings.sequential)
    return DecisionContext(
        days_running=days,
        exposures=exposures,
        exposures_per_day=per_day,
        sequential=sequential,
        changed_mid_run=tuple(results.changes),
        validation_problems=tuple(problems),
        planned_sample=planned,
        ended=bool(experiment.get("end_date")),
    )


def days_running(experiment: Mapping[str, Any], results: ExperimentResults) -> float | None:
    """From the start to the end (or to now on PostHog's clock, where a stored run says it)."""
    from expctl.model.times import parse_time

    start = parse_time(experiment.get("start_date"))
    if start is None:
        return None
    end = parse_time(experiment.get("end_date"))
    if end is None and results.source is not None:
        end = parse_time(results.source.server_now)
    end = end or datetime.now(timezone.utc)
    return max(0.0, (end - start).total_seconds() / 86400)


def _exposures_of(results: ExperimentResults) -> dict[str, int] | None:
    """Exposures per variant from the first primary metric's samples, where no exposure
    query was asked (the stored run holds the metrics' answers only)."""
    for metric in results.metrics:
        counts = {row.key: row.exposures for row in metric.rows if row.exposures is not None}
        if metric.role == "primary" and counts:
            return {key: int(n) for key, n in counts.items() if n is not None}
    return None


def _planned_sample(
    apis: DecideApis, experiment: Mapping[str, Any], policy: Policy, results: ExperimentResults
) -> tuple[int | None, str | None, list[str]]:
    from expctl.cli.jobs.sizing import SizingOptions, measure
    from expctl.core.sizing.sample_size import SizingError
    from expctl.errors import ExpctlError

    if policy.planned_sample is not None:
        return policy.planned_sample, "the policy's planned_sample", []
    from expctl.cli.jobs.sizing import known_from

    # The stored run asks no exposure query: the primary metric's daily results count them.
    known = known_from(results, _daily_series(apis, experiment, results) if results.exposures_raw is None else None)
    try:
        sized = measure(apis.history, experiment, SizingOptions(mde=policy.target_mde), known)
    except (SizingError, ExpctlError) as exc:
        return None, None, [f"no planned sample: {getattr(exc, 'message', None) or exc}"]
    source = "the policy's target_mde" if policy.target_mde is not None else f"the MDE ({sized.mde_source})"
    return int(sized.estimate.size.sample_size_per_variant), f"sized from {source}", []


def _daily_series(apis: DecideApis, experiment: Mapping[str, Any], results: ExperimentResults) -> Any:
    from expctl.cli.jobs.sizing import daily_exposures, primary_metric
    from expctl.core.sizing.sample_size import SizingError

    try:
        spec = primary_metric(experiment)
    except SizingError:
        return None  # measure says why
    query_to = results.source.query_to if results.source else None
    answer = next((m.raw for m in results.metrics if m.key == spec.key), None)
    return daily_exposures(apis.history, experiment, spec, query_to, answer)


@dataclass
class Carried:
    """What `decide --apply` did: ``done`` (written now), ``already`` (PostHog already
    shows it), ``nothing`` (the outcome writes nothing), or ``waiting`` (an approval
    first: ``change_request``)."""

    status: str
    experiment: Mapping[str, Any] | None = None
    change_request: str | None = None


def write_for(run: DecisionRun) -> tuple[str, str, str] | None:
    """(variant, conclusion, comment) the decision writes, or None when it writes nothing."""
    from expctl.model.experiment import variants_of

    decision = run.decision
    if decision.outcome == "ship" and decision.variant is not None:
        variant = decision.variant
    elif decision.outcome == "roll-back":
        keys = [str(v.get("key")) for v in variants_of(run.experiment)]
        variant = "control" if "control" in keys or not keys else keys[0]
    else:
        return None
    sentences = [reason[:1].upper() + reason[1:] for reason in decision.reasons[:6]]
    comment = "Decided by expctl. " + " ".join(s if s.endswith(".") else s + "." for s in sentences)
    return variant, CONCLUSIONS[decision.outcome], comment[:4000]  # ShipVariantSerializer's max_length


def carry_out(lifecycle: Lifecycle, run: DecisionRun) -> Carried:
    """Ship the decided variant (roll-back: the control) with the conclusion and the
    rationale; never twice: an experiment that already ended serving it is left alone."""
    from expctl.errors import ApprovalRequiredError
    from expctl.model.experiment import serves_only

    wanted = write_for(run)
    if wanted is None:
        return Carried("nothing")
    variant, conclusion, comment = wanted
    exp = run.experiment
    if exp.get("end_date") and serves_only(exp, variant) and exp.get("conclusion") == conclusion:
        return Carried("already", exp)
    ref = str(exp.get("feature_flag_key") or exp.get("id"))
    try:
        after = lifecycle.ship(
            exp, ref, variant=variant, release_to_everyone=False, conclusion=conclusion, comment=comment
        )
    except ApprovalRequiredError as exc:
        return Carried("waiting", None, exc.change_request_id)
    return Carried("done", after)
