"""Daily results (``timeseries_results/``) and PostHog's running-time calculator.

Read in PostHog's source:

* ``ExperimentViewSet.timeseries_results`` → ``ExperimentService.get_timeseries_results``
  (``products/experiments/backend/experiment_service.py``, 2026): ``metric_uuid`` and
  ``fingerprint`` are required ("metric_uuid query parameter is required", "fingerprint
  query parameter is required"); a draft → "Experiment has not been started yet"; the
  answer has every day from the start date to the end date (or today) as a key, ``null``
  where no ``ExperimentMetricResult`` completed, the result otherwise; ``status`` is
  ``pending`` (no day calculated), ``failed``, ``completed`` (every day) or ``partial``;
  plus ``errors``, ``computed_at``, ``created_at``, ``updated_at``,
  ``recalculation_status``, ``recalculation_created_at``. Results are stored per
  metric uuid *and* fingerprint: another fingerprint finds none.
* ``ExperimentViewSet.calculate_running_time`` (POST, list route, ``experiment:read``)
  with ``RunningTimeCalculationInputSerializer`` and
  ``products/experiments/backend/running_time_calculator.py``: the total sample size is
  ``ceil(16·p(1−p)/d² · variants)`` for funnels, ``ceil(16·variance/d² · variants)``
  otherwise, with ``d = mde/100 · baseline``; variance ``2·baseline`` (mean_count),
  ``0.25·baseline²`` (mean_sum_or_avg) or the delta method (ratio, retention); days
  ``ceil(sample_size / exposure_rate_per_day)``.

Guesses (not read): which days are computed. Here each finished day has a result
(computed as if the experiment had run to that day's end, with exposures accrued
evenly) and today has none yet, as a nightly job would leave it.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from expctl.standin.queries import experiment_query_result, exposures_for
from expctl.standin.state import iso
from expctl.standin.wire import FakeResponse, HttpError, validation

if TYPE_CHECKING:
    from expctl.standin.server import Ctx


def _metric_by_uuid(ctx: Ctx, experiment: dict[str, Any], metric_uuid: str) -> dict[str, Any] | None:
    for field in ("metrics", "metrics_secondary"):
        for metric in experiment.get(field) or []:
            if isinstance(metric, dict) and metric.get("uuid") == metric_uuid:
                return metric
    from expctl.standin.experiments import metric_fingerprint

    for link in experiment.get("saved_metrics") or []:
        query = (ctx.store.saved_metrics.get(link["saved_metric"]) or {}).get("query") or {}
        if query.get("uuid") == metric_uuid:
            return {**query, "fingerprint": metric_fingerprint(query, experiment)}
    return None


def timeseries_results(ctx: Ctx) -> FakeResponse:
    from expctl.standin.experiments import experiment_of

    metric_uuid = (ctx.request.query.get("metric_uuid") or [""])[0]
    fingerprint = (ctx.request.query.get("fingerprint") or [""])[0]
    if not metric_uuid:
        raise HttpError(validation("metric_uuid query parameter is required"))
    if not fingerprint:
        raise HttpError(validation("fingerprint query parameter is required"))
    with ctx.store.lock:
        experiment = experiment_of(ctx)
        start = experiment.get("start_date")
        if not start:
            raise HttpError(validation("Experiment has not been started yet"))
        end = (experiment.get("end_date") or ctx.store.now()).date()
        days = [start.date() + timedelta(days=i) for i in range((end - start.date()).days + 1)]
        metric = _metric_by_uuid(ctx, experiment, metric_uuid)
        known = metric is not None and metric.get("fingerprint", fingerprint) == fingerprint
        totals = exposures_for(ctx, experiment)
        timeseries: dict[str, Any] = {day.isoformat(): None for day in days}
        finished = [day for day in days if day < ctx.store.now().date() or experiment.get("end_date")]
        if known and metric is not None:
            for index, day in enumerate(finished):
                share = (index + 1) / len(days)
                accrued = {key: int(total * share) for key, total in totals.items()}
                timeseries[day.isoformat()] = experiment_query_result(ctx, experiment, metric, accrued)
        # Days whose ExperimentMetricResult failed (a test sets ctx.server.daily_failures):
        # no result, the message under ``errors``; the status counts them as calculated.
        errors = {
            day: message
            for (experiment_id, day), message in ctx.server.daily_failures.items()
            if experiment_id == experiment["id"] and day in timeseries
        }
        for day in errors:
            timeseries[day] = None
        completed = sum(1 for value in timeseries.values() if value is not None)
        calculated = completed + len(errors)
        if calculated == 0:
            status = "pending"
        elif completed == 0:
            status = "failed"
        else:
            status = "completed" if completed == len(days) else "partial"
        return FakeResponse.json(
            200,
            {
                "experiment_id": experiment["id"],
                "metric_uuid": metric_uuid,
                "status": status,
                "timeseries": timeseries,
                "errors": errors or None,
                "computed_at": iso(ctx.store.now()) if completed else None,
                "created_at": iso(experiment["created_at"]),
                "updated_at": iso(experiment["updated_at"]),
                "recalculation_status": None,
                "recalculation_created_at": None,
            },
        )


METRIC_TYPES = ("funnel", "mean_count", "mean_sum_or_avg", "ratio", "retention")


def calculate_running_time(ctx: Ctx) -> FakeResponse:
    from expctl.standin.experiments import json_body

    body = json_body(ctx)
    metric_type = body.get("metric_type")
    if metric_type not in METRIC_TYPES:
        raise HttpError(
            validation(f'"{metric_type}" is not a valid choice.', attr="metric_type", code="invalid_choice")
        )
    mde = body.get("minimum_detectable_effect")
    if not isinstance(mde, (int, float)) or mde <= 0:
        raise HttpError(validation("Must be greater than 0.", attr="minimum_detectable_effect"))
    variants = int(body.get("number_of_variants") or 2)
    stats = body.get("baseline_stats") or None
    value = body.get("baseline_value")
    if value is None and stats is None:
        raise HttpError(validation("Provide either baseline_value or baseline_stats."))
    if value is None and stats is not None:
        value = _baseline_value(metric_type, stats)
    variance = body.get("variance")
    if variance is None and value is not None:
        variance = _variance(metric_type, value, stats)
    size = _sample_size(metric_type, value, mde, variants, variance) if value is not None else None
    rate = body.get("exposure_rate_per_day")
    days = math.ceil(size / rate) if size and rate and rate > 0 else None
    return FakeResponse.json(
        200,
        {
            "baseline_value": value,
            "variance": variance,
            "recommended_sample_size": size,
            "recommended_running_time_days": days,
        },
    )


def _baseline_value(metric_type: str, stats: dict[str, Any]) -> float | None:
    n = stats.get("number_of_samples") or 0
    if not n:
        return None
    if metric_type in ("mean_count", "mean_sum_or_avg"):
        return float(stats["sum"]) / n
    if metric_type == "funnel":
        steps = stats.get("step_counts") or []
        return float(steps[-1]) / n if steps else float(stats["sum"]) / n
    denominator = stats.get("denominator_sum")
    return float(stats["sum"]) / denominator if denominator else None


def _variance(metric_type: str, value: float, stats: dict[str, Any] | None) -> float | None:
    if metric_type == "mean_count":
        return 2 * value
    if metric_type == "mean_sum_or_avg":
        return 0.25 * value**2
    if metric_type == "funnel" or not stats or not stats.get("denominator_sum"):
        return None
    n = stats["number_of_samples"]
    mean_m, mean_d = stats["sum"] / n, stats["denominator_sum"] / n
    var_m = stats.get("sum_squares", 0) / n - mean_m**2
    var_d = (stats.get("denominator_sum_squares") or 0) / n - mean_d**2
    cov = (stats.get("numerator_denominator_sum_product") or 0) / n - mean_m * mean_d
    return float(var_m / mean_d**2 + mean_m**2 * var_d / mean_d**4 - 2 * mean_m * cov / mean_d**3)


def _sample_size(metric_type: str, value: float, mde: float, variants: int, variance: float | None) -> int | None:
    d = (mde / 100) * value
    if d == 0:
        return None
    if metric_type == "funnel":
        per_variant = 16 * value * (1 - value) / d**2
    elif variance is None:
        return None
    else:
        per_variant = 16 * variance / d**2
    return math.ceil(per_variant * variants)
