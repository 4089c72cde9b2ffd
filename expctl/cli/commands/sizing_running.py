"""`plan EXPERIMENT`: the sample still needed and the days remaining for a running experiment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from expctl.cli.framework.runtime import Runtime

if TYPE_CHECKING:
    from expctl.api.daily_results import HistoryApi
    from expctl.core.sizing.running import RunningEstimate


def estimate_running(rt: Runtime, mode: str, ref: str, *, mde: float | None, alpha: float, power: float) -> None:
    from expctl.api.experiments import ExperimentRef
    from expctl.core.sizing.running import as_json, calculator_request
    from expctl.errors import RejectedError
    from expctl.model.experiment import status_of

    experiment = rt.experiments.resolve(ExperimentRef.parse(ref))
    if status_of(experiment) == "draft":
        raise RejectedError(
            f"'{experiment.get('name')}' (id {experiment.get('id')}) is a draft: nothing has been measured yet",
            hint="plan a new one with `expctl plan --baseline-rate R --mde 5%` (or --baseline-mean/--baseline-stddev)",
        )
    with rt.progress("Measuring so far", output=mode):
        known = stored_known(rt, experiment)
        spec, plan, source, control = measure(rt, experiment, mde=mde, alpha=alpha, power=power, known=known)
    api = rt.history_api
    body = calculator_request(spec.query or {}, control, plan.size.inputs.mde, plan.size.inputs.variants, plan.per_day)
    posthog, missing = api.running_time(body)
    if mode in ("json", "yaml", "plain"):
        data = as_json(plan, posthog)
        data.update(experiment_id=experiment.get("id"), metric_uuid=spec.key, metric_name=spec.name, mde_source=source)
        if mode == "plain":
            keys = ("days_remaining", "sample_still_needed", "sample_size_per_variant", "total_sample_size")
            rt.output("plain").text("".join(f"{k}\t{data[k]}\n" for k in keys))
        else:
            rt.output(mode).data(data)
        return
    from expctl.render.sizing import running_lines

    lines = running_lines(experiment, spec.name, plan, source, posthog)
    rt.output("plain").text("".join(f"{line}\n" for line in lines))
    from expctl.api.project_settings import results_defaults
    from expctl.core.results.stats_settings import plan_caveats, resolve

    for caveat in plan_caveats(resolve(experiment.get("stats_config"), results_defaults(rt.client))):
        rt.messages.note(f"expctl's estimate: {caveat}.")
    if missing is not None:
        rt.messages.note(f"No estimate from PostHog: {missing}; expctl's estimate only.")


def measure(
    rt: Runtime,
    experiment: Mapping[str, Any],
    *,
    mde: float | None,
    alpha: float,
    power: float,
    known: Mapping[str, Any] | None = None,
) -> tuple[Any, RunningEstimate, str, Mapping[str, Any]]:
    """The primary metric, the plan from what has been measured so far, where its MDE came
    from, and the control's statistics; SizingError when there is nothing to plan with.

    ``known``: answers PostHog already gave in this run (``"exposures"``: the exposure
    query's; ``"exposure_series"``: exposures per day read elsewhere, e.g. off the daily
    results; each metric's by its key), used instead of asking again."""
    from expctl.core.results.daily import exposures_from
    from expctl.core.sizing.running import running_estimate
    from expctl.core.sizing.sample_size import SizingError

    spec = _primary(experiment)
    api = rt.history_api
    relative, source = _mde(api, experiment, mde)
    known = known or {}
    exposures = known.get("exposure_series") or exposures_from(
        known["exposures"] if "exposures" in known else api.exposures(experiment)
    )
    answered = known.get(spec.key)
    baseline = answered.get("baseline") if isinstance(answered, Mapping) else None
    control = baseline if isinstance(baseline, Mapping) else _control(api, experiment, spec)
    if exposures is None:
        raise SizingError("this PostHog gives no exposure series (ExperimentExposureQuery), so no rate to plan with")
    plan = running_estimate(spec.query or {}, control, exposures, mde=relative, alpha=alpha, power=power)
    return spec, plan, source, control


def stored_known(rt: Runtime, experiment: Mapping[str, Any]) -> dict[str, Any]:
    """What PostHog has stored for the plan, so it spends no query: the primary metric's
    answer from the latest stored run and the exposures per day off its daily results.
    Empty where the server stores neither (older releases ask the query endpoint)."""
    from expctl.core.results.daily import exposures_from_history, latest_samples, metric_history
    from expctl.core.sizing.sample_size import SizingError

    stored = rt.results_api.stored
    run = stored.latest(experiment["id"]) if stored.available else None
    if run is None:
        return {}
    try:
        spec = _primary(experiment)
    except SizingError:
        return {}
    item = run.items().get(spec.key) or {}
    known: dict[str, Any] = {spec.key: item["result"]} if isinstance(item.get("result"), Mapping) else {}
    query = spec.query or {}
    if query.get("uuid") and query.get("fingerprint"):
        daily = rt.history_api.daily_results(int(experiment["id"]), str(query["uuid"]), str(query["fingerprint"]))
        history = metric_history(spec, daily, experiment.get("stats_config")) if daily else None
        latest = latest_samples(run.query_to, known.get(spec.key))
        series = exposures_from_history(history, latest) if history is not None else None
        if series is not None:
            known["exposure_series"] = series
    return known


def _primary(experiment: Mapping[str, Any]) -> Any:
    from expctl.core.sizing.sample_size import SizingError
    from expctl.model.metrics import metric_specs

    for spec in metric_specs(experiment):
        if spec.role == "primary" and not spec.legacy and spec.query and spec.query.get("kind") == "ExperimentMetric":
            return spec
    raise SizingError("the experiment has no primary metric of PostHog's current kind to measure a baseline on")


# PostHog's fallback when neither the experiment nor the project sets an MDE: the web app's
# DEFAULT_MDE and running_time_calculator.py's DEFAULT_MINIMUM_DETECTABLE_EFFECT (a percentage).
POSTHOG_DEFAULT_MDE = 30


def _mde(api: HistoryApi, experiment: Mapping[str, Any], given: float | None) -> tuple[float, str]:
    """The minimum detectable effect, where PostHog keeps it, in this order: --mde; the
    experiment's ``running_time_calculation`` (the canonical home, as newest PostHog's
    serializer says); its ``parameters`` (the historical one); the project's default from
    its experiment settings; PostHog's own fallback (30%). Returns it and where it came from."""
    if given is not None:
        return given, "from --mde"
    for field, where in (
        ("running_time_calculation", "the experiment's setting"),
        ("parameters", "the experiment's setting"),
    ):
        stored = (experiment.get(field) or {}).get("minimum_detectable_effect")
        if isinstance(stored, (int, float)) and not isinstance(stored, bool) and stored > 0:
            return float(stored) / 100, where
    default, why_not = api.project_default_mde()
    if default is not None:
        return default / 100, "the project's default"
    return POSTHOG_DEFAULT_MDE / 100, "PostHog's default" + (f"; {why_not}" if why_not else "")


def _control(api: HistoryApi, experiment: Mapping[str, Any], spec: Any) -> Mapping[str, Any]:
    """The baseline row of the primary metric's answer: the control's statistics so far."""
    from expctl.core.sizing.sample_size import SizingError
    from expctl.errors import AuthError
    from expctl.model.metrics import QUERY

    answer = api.results.metric(experiment, spec, False)
    if isinstance(answer.error, AuthError):
        raise answer.error  # a missing scope is the key's problem (exit 4), not the plan's
    if answer.kind != QUERY or not isinstance(answer.payload, Mapping):
        why = answer.error.message if answer.error is not None else "no result"
        raise SizingError(f"could not measure the primary metric '{spec.name}' so far: {why}")
    baseline = answer.payload.get("baseline")
    if not isinstance(baseline, Mapping):
        raise SizingError(f"PostHog returned no baseline for '{spec.name}' yet")
    return baseline
