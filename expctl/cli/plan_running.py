"""`plan EXPERIMENT`: the sample still needed and the days remaining for a running experiment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.cli.runtime import Runtime


def plan_running(rt: Runtime, mode: str, ref: str, *, mde: str | None, alpha: float, power: float) -> None:
    from expctl.api.experiments import ExperimentRef
    from expctl.api.history import HistoryApi
    from expctl.core.history import exposures_from
    from expctl.core.running_plan import as_json, calculator_request, running_plan
    from expctl.core.sample_size import PlanError
    from expctl.errors import RejectedError
    from expctl.model.experiment import status_of

    experiment = rt.experiments.resolve(ExperimentRef.parse(ref))
    if status_of(experiment) == "draft":
        raise RejectedError(
            f"'{experiment.get('name')}' (id {experiment.get('id')}) is a draft: nothing has been measured yet",
            hint="plan a new one with `expctl plan --baseline-rate R --mde 5%` (or --baseline-mean/--baseline-stddev)",
        )
    spec = _primary(experiment)
    relative, source = _mde(experiment, mde)
    api = HistoryApi(rt.client)
    with rt.progress("Measuring so far", output=mode):
        exposures = exposures_from(api.exposures(experiment))
        control = _control(api, experiment, spec)
    if exposures is None:
        raise PlanError("this PostHog gives no exposure series (ExperimentExposureQuery), so no rate to plan with")
    plan = running_plan(spec.query or {}, control, exposures, mde=relative, alpha=alpha, power=power)
    body = calculator_request(spec.query or {}, control, relative, plan.size.inputs.variants, plan.per_day)
    posthog = api.running_time(body)
    if mode in ("json", "yaml", "plain"):
        data = as_json(plan, posthog)
        data.update(experiment_id=experiment.get("id"), metric_uuid=spec.key, metric_name=spec.name, mde_source=source)
        if mode == "plain":
            keys = ("days_remaining", "sample_still_needed", "sample_size_per_variant", "total_sample_size")
            rt.output("plain").text("".join(f"{k}\t{data[k]}\n" for k in keys))
        else:
            rt.output(mode).data(data)
        return
    from expctl.render.planning import running_lines

    lines = running_lines(experiment, spec.name, plan, source, posthog)
    rt.output("plain").text("".join(f"{line}\n" for line in lines))
    if posthog is None:
        rt.messages.note("This PostHog has no calculate_running_time/ endpoint: expctl's estimate only.")


def _primary(experiment: Mapping[str, Any]) -> Any:
    from expctl.core.sample_size import PlanError
    from expctl.model.metrics import metric_specs

    for spec in metric_specs(experiment):
        if spec.role == "primary" and not spec.legacy and spec.query and spec.query.get("kind") == "ExperimentMetric":
            return spec
    raise PlanError("the experiment has no primary metric of PostHog's current kind to measure a baseline on")


def _mde(experiment: Mapping[str, Any], given: str | None) -> tuple[float, str]:
    """--mde first, else the experiment's ``parameters.minimum_detectable_effect`` (a percentage,
    as PostHog's web app stores it: its default is 30)."""
    from expctl.core.sample_size import PlanError, parse_percent

    if given is not None:
        return parse_percent(given, "--mde"), "from --mde"
    stored = (experiment.get("parameters") or {}).get("minimum_detectable_effect")
    if isinstance(stored, (int, float)) and not isinstance(stored, bool) and stored > 0:
        return float(stored) / 100, "the experiment's setting"
    raise PlanError("the experiment sets no minimum detectable effect: give --mde (e.g. --mde 5%)")


def _control(api: Any, experiment: Mapping[str, Any], spec: Any) -> Mapping[str, Any]:
    """The baseline row of the primary metric's answer: the control's statistics so far."""
    from expctl.core.sample_size import PlanError
    from expctl.model.metrics import QUERY

    answer = api.results.metric(experiment, spec, False)
    if answer.kind != QUERY or not isinstance(answer.payload, Mapping):
        why = answer.error.message if answer.error is not None else "no result"
        raise PlanError(f"could not measure the primary metric '{spec.name}' so far: {why}")
    baseline = answer.payload.get("baseline")
    if not isinstance(baseline, Mapping):
        raise PlanError(f"PostHog returned no baseline for '{spec.name}' yet")
    return baseline
