"""The sizing job behind `plan EXPERIMENT`: the sample a running experiment still needs
and the days left, from what PostHog has measured so far (its stored results first, so
no query is spent where the server keeps them), beside PostHog's own estimate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expctl.api.daily_results import HistoryApi
    from expctl.api.results import ResultsApi
    from expctl.core.results.verdicts import ExperimentResults
    from expctl.core.sizing.running import RunningSizing
    from expctl.errors import RejectedError


@dataclass(frozen=True)
class SizingOptions:
    mde: float | None = None  # a fraction; None: where PostHog keeps it (see minimum_detectable_effect)
    alpha: float = 0.05
    power: float = 0.8


def draft_refusal(experiment: Mapping[str, Any]) -> RejectedError:
    from expctl.errors import RejectedError

    return RejectedError(
        f"'{experiment.get('name')}' (id {experiment.get('id')}) is a draft: nothing has been measured yet",
        hint="plan a new one with `expctl plan --baseline-rate R --mde 5%` (or --baseline-mean/--baseline-stddev)",
    )


def running_sizing(
    history: HistoryApi,
    results: ResultsApi,
    experiment: Mapping[str, Any],
    options: SizingOptions,
    known: Mapping[str, Any] | None = None,
) -> RunningSizing:
    """The estimate from what PostHog measured (``known``: answers already given in this
    run; None: read the stored run), and PostHog's calculator's beside it."""
    from expctl.core.sizing.running import calculator_request

    if known is None:
        known = stored_known(history, results, experiment)
    made = measure(history, experiment, options, known)
    inputs = made.estimate.size.inputs
    body = calculator_request(made.spec.query or {}, made.control, inputs.mde, inputs.variants, made.estimate.per_day)
    made.posthog, made.missing = history.running_time(body)
    return made


def measure(
    history: HistoryApi, experiment: Mapping[str, Any], options: SizingOptions, known: Mapping[str, Any]
) -> RunningSizing:
    """The estimate from what has been measured so far; SizingError when there is nothing
    to plan with. ``known``: answers PostHog already gave in this run (``"exposures"``:
    the exposure query's; ``"exposure_series"``: exposures per day read elsewhere, e.g.
    off the daily results; each metric's by its key), used instead of asking again."""
    from expctl.core.results.daily import exposures_from
    from expctl.core.sizing.running import RunningSizing, minimum_detectable_effect, running_estimate
    from expctl.core.sizing.sample_size import SizingError

    spec = primary_metric(experiment)
    relative, source = minimum_detectable_effect(experiment, options.mde, history.project_default_mde)
    exposures = known.get("exposure_series") or exposures_from(
        known["exposures"] if "exposures" in known else history.exposures(experiment)
    )
    answered = known.get(spec.key)
    baseline = answered.get("baseline") if isinstance(answered, Mapping) else None
    control = baseline if isinstance(baseline, Mapping) else _control(history, experiment, spec)
    if exposures is None:
        raise SizingError("this PostHog gives no exposure series (ExperimentExposureQuery), so no rate to plan with")
    estimate = running_estimate(
        spec.query or {}, control, exposures, mde=relative, alpha=options.alpha, power=options.power
    )
    return RunningSizing(spec, estimate, source, control)


def stored_known(history: HistoryApi, results: ResultsApi, experiment: Mapping[str, Any]) -> dict[str, Any]:
    """What PostHog has stored for the plan, so it spends no query: the primary metric's
    answer from the latest stored run and the exposures per day off its daily results.
    Empty where the server stores neither (older releases ask the query endpoint)."""
    from expctl.core.sizing.sample_size import SizingError

    stored = results.stored
    run = stored.latest(experiment["id"]) if stored.available else None
    if run is None:
        return {}
    try:
        spec = primary_metric(experiment)
    except SizingError:
        return {}
    item = run.items().get(spec.key) or {}
    known: dict[str, Any] = {spec.key: item["result"]} if isinstance(item.get("result"), Mapping) else {}
    series = daily_exposures(history, experiment, spec, run.query_to, known.get(spec.key))
    if series is not None:
        known["exposure_series"] = series
    return known


def daily_exposures(
    history: HistoryApi, experiment: Mapping[str, Any], spec: Any, query_to: str | None, answer: Any
) -> Any:
    """Exposures per day counted off the metric's daily results (``timeseries_results/``),
    the newest day topped up from its stored answer: for a stored run, which asks no
    exposure query. None where the metric has no fingerprint or PostHog no daily results."""
    from expctl.core.results.daily import exposures_from_history, latest_samples, metric_history

    query = spec.query or {}
    if not (query.get("uuid") and query.get("fingerprint")):
        return None
    daily = history.daily_results(int(experiment["id"]), str(query["uuid"]), str(query["fingerprint"]))
    series = metric_history(spec, daily, experiment.get("stats_config")) if daily else None
    return exposures_from_history(series, latest_samples(query_to, answer)) if series is not None else None


def known_from(results: ExperimentResults, exposure_series: Any = None) -> dict[str, Any]:
    """What the results already answered, for ``measure``: the exposure query's answer,
    exposures per day read elsewhere, and each metric's answer by its key."""
    known: dict[str, Any] = {"exposures": results.exposures_raw, "exposure_series": exposure_series}
    known.update((metric.key, metric.raw) for metric in results.metrics if metric.raw is not None)
    return known


def primary_metric(experiment: Mapping[str, Any]) -> Any:
    """The first primary metric of PostHog's current kind: the one the plan measures."""
    from expctl.core.sizing.sample_size import SizingError
    from expctl.model.metrics import metric_specs

    for spec in metric_specs(experiment):
        if spec.role == "primary" and not spec.legacy and spec.query and spec.query.get("kind") == "ExperimentMetric":
            return spec
    raise SizingError("the experiment has no primary metric of PostHog's current kind to measure a baseline on")


def _control(history: HistoryApi, experiment: Mapping[str, Any], spec: Any) -> Mapping[str, Any]:
    """The baseline row of the primary metric's answer: the control's statistics so far."""
    from expctl.core.sizing.sample_size import SizingError
    from expctl.errors import AuthError
    from expctl.model.metrics import QUERY

    answer = history.results.metric(experiment, spec, False)
    if isinstance(answer.error, AuthError):
        raise answer.error  # a missing scope is the key's problem (exit 4), not the plan's
    if answer.kind != QUERY or not isinstance(answer.payload, Mapping):
        why = answer.error.message if answer.error is not None else "no result"
        raise SizingError(f"could not measure the primary metric '{spec.name}' so far: {why}")
    baseline = answer.payload.get("baseline")
    if not isinstance(baseline, Mapping):
        raise SizingError(f"PostHog returned no baseline for '{spec.name}' yet")
    return baseline
