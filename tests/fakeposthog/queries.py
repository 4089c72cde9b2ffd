"""Results: the query endpoint (ExperimentQuery, ExperimentExposureQuery) and legacy results/.

Numbers are synthetic but deterministic (seeded by experiment id and metric), and the
statistics are computed honestly from them, so renderers and gates see coherent data.
Tests can pin an exact response with ``server.query_results[(experiment_id, uuid)]``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from typing import TYPE_CHECKING, Any

from tests.fakeposthog.state import clone, iso, now
from tests.fakeposthog.wire import FakeResponse, HttpError, error, not_found, validation

if TYPE_CHECKING:
    from tests.fakeposthog.server import Ctx

DEFAULT_TOTAL_EXPOSURES = 4000
LEGACY_KINDS = ("ExperimentTrendsQuery", "ExperimentFunnelsQuery")


def _filters_from_legacy_query(query: dict[str, Any]) -> dict[str, Any]:
    funnel = query.get("kind") == "ExperimentFunnelsQuery"
    inner = query.get("funnels_query" if funnel else "count_query") or {}
    events = [
        {"id": node.get("event"), "type": "events", "order": i}
        for i, node in enumerate(inner.get("series") or [])
        if node.get("kind") == "EventsNode"
    ]
    return {"events": events, "insight": "FUNNELS" if funnel else "TRENDS"}


def _unit(seed: str) -> float:
    digest = hashlib.sha256(seed.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _variants(ctx: Ctx, experiment: dict[str, Any]) -> list[dict[str, Any]]:
    flag = ctx.store.flags.get(experiment.get("feature_flag_id") or 0) or {}
    return list((flag.get("filters") or {}).get("multivariate", {}).get("variants") or [])


def exposures_for(ctx: Ctx, experiment: dict[str, Any]) -> dict[str, int]:
    override = ctx.server.exposures.get(experiment["id"])
    if override is not None:
        return dict(override)
    total = DEFAULT_TOTAL_EXPOSURES
    counts = {}
    for variant in _variants(ctx, experiment):
        share = float(variant.get("rollout_percentage") or 0) / 100
        wobble = 1 + (_unit(f"{experiment['id']}:{variant['key']}:exp") - 0.5) * 0.02
        counts[variant["key"]] = int(total * share * wobble)
    return counts


def _metric_key(metric: dict[str, Any]) -> str:
    return str(metric.get("uuid") or hashlib.sha256(json.dumps(metric, sort_keys=True).encode()).hexdigest()[:12])


def _sample(
    experiment_id: int, metric: dict[str, Any], key: str, n: int, is_control: bool
) -> tuple[float, float, list[int] | None]:
    """(sum, sum_squares, step_counts) for one variant."""
    mkey = _metric_key(metric)
    base_rate = 0.08 + 0.1 * _unit(f"{experiment_id}:{mkey}:base")
    lift = 0.0 if is_control else (_unit(f"{experiment_id}:{mkey}:{key}:lift") - 0.35) * 0.5
    metric_type = metric.get("metric_type", "funnel")
    if metric_type == "mean":
        mean = (20 + 30 * _unit(f"{experiment_id}:{mkey}:mean")) * (1 + lift)
        total = mean * n
        sum_squares = n * (mean**2 + (mean * 1.5) ** 2)
        return round(total, 2), round(sum_squares, 2), None
    rate = min(0.95, max(0.001, base_rate * (1 + lift)))
    conversions = round(n * rate)
    steps = None
    if metric_type == "funnel":
        middle = round(n * min(0.99, rate * 2))
        steps = [n, middle, conversions] if len(metric.get("series") or []) > 1 else [n, conversions]
    return float(conversions), float(conversions), steps


def _relative_stats(
    n0: int, s0: float, ss0: float, n1: int, s1: float, ss1: float, mean_metric: bool
) -> tuple[float, float]:
    """(relative difference, its standard error) by the delta method."""
    m0, m1 = s0 / n0, s1 / n1
    if mean_metric:
        v0 = max(ss0 / n0 - m0**2, 1e-12) / n0
        v1 = max(ss1 / n1 - m1**2, 1e-12) / n1
    else:
        v0 = m0 * (1 - m0) / n0
        v1 = m1 * (1 - m1) / n1
    diff = (m1 - m0) / m0
    se = math.sqrt(v1 / m0**2 + (m1**2) * v0 / m0**4)
    return diff, max(se, 1e-12)


def experiment_query_result(ctx: Ctx, experiment: dict[str, Any], metric: dict[str, Any]) -> dict[str, Any]:
    override = ctx.server.query_results.get((experiment["id"], str(metric.get("uuid"))))
    if override is not None:
        return clone(override)
    exposures = exposures_for(ctx, experiment)
    stats = experiment.get("stats_config") or {}
    method = stats.get("method") or "bayesian"
    baseline_key = stats.get("baseline_variant_key") or "control"
    mean_metric = metric.get("metric_type") == "mean"
    goal_down = metric.get("goal") == "decrease"
    rows: dict[str, dict[str, Any]] = {}
    for key, n in exposures.items():
        total, squares, steps = _sample(experiment["id"], metric, key, max(n, 0), key == baseline_key)
        row: dict[str, Any] = {
            "key": key,
            "number_of_samples": n,
            "sum": total,
            "sum_squares": squares,
            "validation_failures": [],
        }
        if steps is not None:
            row["step_counts"] = steps
        rows[key] = row
    baseline = rows.get(baseline_key) or {
        "key": baseline_key,
        "number_of_samples": 0,
        "sum": 0,
        "sum_squares": 0,
        "validation_failures": [],
    }
    result_variants = []
    level = float((stats.get("bayesian") or {}).get("ci_level") or 0.95)
    alpha = float((stats.get("frequentist") or {}).get("alpha") or 0.05)
    for key, row in rows.items():
        if key == baseline_key:
            continue
        failures: list[str] = []
        if row["number_of_samples"] < 50 or baseline["number_of_samples"] < 50:
            failures.append("not-enough-exposures")
        elif metric.get("metric_type") in ("funnel", "retention") and (row["sum"] < 5 or baseline["sum"] < 5):
            failures.append("not-enough-metric-data")
        elif baseline["sum"] == 0:
            failures.append("baseline-mean-is-zero")
        out = dict(row)
        out["method"] = method
        out["validation_failures"] = failures
        if failures:
            baseline["validation_failures"] = sorted(set(baseline["validation_failures"]) | set(failures))
            if method == "bayesian":
                out.update({"chance_to_win": None, "credible_interval": None, "significant": False})
            else:
                out.update({"p_value": None, "confidence_interval": None, "significant": False})
        else:
            diff, se = _relative_stats(
                baseline["number_of_samples"],
                baseline["sum"],
                baseline["sum_squares"],
                row["number_of_samples"],
                row["sum"],
                row["sum_squares"],
                mean_metric,
            )
            if method == "bayesian":
                z = 1.959963984540054 if abs(level - 0.95) < 1e-9 else _z_for(level)
                chance = _phi(diff / se)
                if goal_down:
                    chance = 1 - chance
                out.update(
                    {
                        "chance_to_win": round(chance, 4),
                        "credible_interval": [round(diff - z * se, 4), round(diff + z * se, 4)],
                        "significant": chance >= level or chance <= 1 - level,
                    }
                )
            else:
                z = _z_for(1 - alpha)
                p_value = 2 * (1 - _phi(abs(diff) / se))
                out.update(
                    {
                        "p_value": round(p_value, 4),
                        "confidence_interval": [round(diff - z * se, 4), round(diff + z * se, 4)],
                        "significant": p_value < alpha,
                    }
                )
        result_variants.append(out)
    return {
        "baseline": baseline,
        "variant_results": result_variants,
        "clickhouse_sql": "SELECT ...",
        "hogql": "SELECT ...",
        "is_precomputed": False,
    }


def _z_for(level: float) -> float:
    # Inverse normal CDF by bisection: precise enough for intervals.
    target = 1 - (1 - level) / 2
    lo, hi = 0.0, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if _phi(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def exposure_result(ctx: Ctx, experiment: dict[str, Any]) -> dict[str, Any]:
    exposures = exposures_for(ctx, experiment)
    start = experiment.get("start_date") or now()
    end = experiment.get("end_date") or now()
    days = max(1, min(30, (end - start).days + 1))
    day_names = [(start.date().fromordinal(start.date().toordinal() + i)).isoformat() for i in range(days)]
    timeseries = []
    for key, total in exposures.items():
        per_day = [total // days] * days
        per_day[-1] += total - sum(per_day)
        running = []
        acc = 0
        for value in per_day:
            acc += value
            running.append(acc)
        timeseries.append({"variant": key, "days": day_names, "exposure_counts": running})
    return {
        "kind": "ExperimentExposureQuery",
        "timeseries": timeseries,
        "total_exposures": exposures,
        "date_range": {"date_from": iso(start), "date_to": iso(experiment.get("end_date"))},
    }


def run_query(ctx: Ctx) -> FakeResponse:
    try:
        body = ctx.request.json()
    except json.JSONDecodeError:
        return error(400, "JSON parse error", type_="invalid_request", code="parse_error")
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, dict):
        return validation("This field is required.", attr="query", code="required")
    kind = query.get("kind")
    if ctx.flavour == "legacy" and kind in ("ExperimentQuery", "ExperimentExposureQuery"):
        return validation(f"Unsupported query kind: {kind}", attr="query")
    if kind not in ("ExperimentQuery", "ExperimentExposureQuery", *LEGACY_KINDS):
        return validation(f"Unsupported query kind: {kind}", attr="query")
    team_id = ctx.team.id
    if not ctx.server.enter_query(team_id):
        # ClickHouse concurrency cap: a 429 without Retry-After.
        return FakeResponse.json(
            429,
            {
                "type": "throttled_error",
                "code": "throttled",
                "detail": "Too many concurrent queries for this team, please try again later.",
                "attr": None,
            },
        )
    try:
        if ctx.server.faults.query_latency:
            time.sleep(ctx.server.faults.query_latency)
        experiment_id = query.get("experiment_id")
        if experiment_id is None:
            return validation("experiment_id is required")
        with ctx.store.lock:
            experiment = ctx.store.experiments.get(int(experiment_id))
            if (
                experiment is None
                or experiment["team_id"] != team_id
                or experiment.get("deleted")
                or experiment.get("_hard_deleted")
            ):
                return validation(f"Experiment with id {experiment_id} not found")
            if not experiment.get("start_date"):
                return validation("Experiment has not been launched yet.")
            if kind == "ExperimentExposureQuery":
                cache_key = (experiment["id"], "__exposure__")
                payload = exposure_result(ctx, experiment)
            elif kind in LEGACY_KINDS:
                filters = _filters_from_legacy_query(query)
                cache_key = (experiment["id"], json.dumps(filters, sort_keys=True))
                payload = {"kind": kind, **_legacy_payload(ctx, experiment, filters, cache_key[1])}
            else:
                metric = query.get("metric")
                if not isinstance(metric, dict):
                    return validation("metric is required")
                baseline_key = (experiment.get("stats_config") or {}).get("baseline_variant_key") or "control"
                if baseline_key not in [v.get("key") for v in _variants(ctx, experiment)]:
                    return validation("No control variant found")
                cache_key = (experiment["id"], _metric_key(metric))
                payload = experiment_query_result(ctx, experiment, metric)
        refresh = body.get("refresh")
        cached = ctx.server.query_cache.get(cache_key)
        if cached is not None and refresh not in ("force_blocking", "force_async", True):
            out = clone(cached)
            out["is_cached"] = True
            return FakeResponse.json(200, out)
        moment = now()
        payload.update(
            {
                "is_cached": False,
                "last_refresh": iso(moment),
                "next_allowed_client_refresh": iso(moment.replace(microsecond=0)),
                "cache_key": f"cache_{cache_key[0]}_{cache_key[1]}",
                "timezone": "UTC",
            }
        )
        ctx.server.query_cache[cache_key] = clone(payload)
        return FakeResponse.json(200, payload)
    finally:
        ctx.server.leave_query(team_id)


# -- legacy results/ (releases before March 2025) ------------------------------------------------


def _legacy_experiment(ctx: Ctx) -> dict[str, Any]:
    experiment = ctx.store.experiments.get(int(ctx.match["id"]))
    if experiment is None or experiment["team_id"] != ctx.team.id or experiment.get("_hard_deleted"):
        raise HttpError(not_found())
    return experiment


def _no_data() -> FakeResponse:
    detail = json.dumps({"no-events": True, "no-flag-info": True, "no-control-variant": True, "no-test-variant": True})
    return validation(detail)


def _legacy_payload(ctx: Ctx, experiment: dict[str, Any], filters: dict[str, Any], metric_key: str) -> dict[str, Any]:
    exposures = exposures_for(ctx, experiment)
    insight = filters.get("insight", "TRENDS")
    pseudo_metric = {"uuid": metric_key, "metric_type": "funnel" if insight == "FUNNELS" else "count"}
    variants_out = []
    rates: dict[str, tuple[float, float]] = {}
    for key, n in exposures.items():
        total, _, _ = _sample(experiment["id"], pseudo_metric, key, n, key == "control")
        if insight == "FUNNELS":
            variants_out.append({"key": key, "success_count": int(total), "failure_count": int(n - total)})
        else:
            variants_out.append(
                {
                    "key": key,
                    "count": int(total),
                    "exposure": round(n / max(1, exposures.get("control", 1)), 4),
                    "absolute_exposure": n,
                }
            )
        rate = total / max(n, 1)
        se = math.sqrt(max(rate * (1 - rate), 1e-9) / max(n, 1))
        rates[key] = (rate, se)
    best = max(rates, key=lambda k: rates[k][0]) if rates else "control"
    probability = {}
    for key, (rate, se) in rates.items():
        others = [(r, s) for k, (r, s) in rates.items() if k != key]
        prob = 1.0
        for r, s in others:
            prob *= _phi((rate - r) / math.sqrt(se**2 + s**2))
        probability[key] = round(prob, 4)
    norm = sum(probability.values()) or 1
    probability = {k: round(v / norm, 4) for k, v in probability.items()}
    significant = probability.get(best, 0) > 0.9
    result: dict[str, Any] = {
        "insight": [],
        "filters": clone(filters),
        "exposure_filters": {},
        "probability": probability,
        "significant": significant,
        "significance_code": "significant" if significant else "low_win_probability",
        "variants": variants_out,
        "credible_intervals": {
            k: [round(max(0.0, r - 1.96 * s), 4), round(r + 1.96 * s, 4)] for k, (r, s) in rates.items()
        },
    }
    if insight == "FUNNELS":
        result["expected_loss"] = round(max(0.0, 1 - probability.get(best, 0)) * 0.01, 4)
    else:
        result["p_value"] = round(1 - probability.get(best, 0), 4)
    return result


def legacy_results(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        experiment = _legacy_experiment(ctx)
        filters = experiment.get("filters") or {}
        if not (filters.get("events") or filters.get("actions")):
            return validation("Experiment has no target metric")
        if not experiment.get("start_date"):
            return _no_data()
        payload = _legacy_payload(ctx, experiment, filters, "primary")
    return FakeResponse.json(
        200, {"result": payload, "last_refresh": iso(now()), "is_cached": ctx.request.param("refresh") is None}
    )


def legacy_secondary_results(ctx: Ctx) -> FakeResponse:
    raw_id = ctx.request.param("id")
    with ctx.store.lock:
        experiment = _legacy_experiment(ctx)
        metrics = experiment.get("secondary_metrics") or []
        if not metrics:
            return validation("Experiment has no secondary metrics")
        if raw_id is None:
            return validation("Secondary metric id is required")
        if not raw_id.isdigit():
            return validation("Secondary metric id must be an integer")
        index = int(raw_id)
        if index >= len(metrics):
            return validation("Invalid metric ID")
        if not experiment.get("start_date"):
            return _no_data()
        exposures = exposures_for(ctx, experiment)
        filters = metrics[index].get("filters") or {}
        counts = {}
        for key, n in exposures.items():
            total, _, _ = _sample(
                experiment["id"], {"uuid": f"secondary-{index}", "metric_type": "count"}, key, n, key == "control"
            )
            counts[key] = round(total / max(n, 1), 4) if filters.get("insight") == "FUNNELS" else int(total)
    return FakeResponse.json(200, {"result": {"result": counts}, "last_refresh": iso(now()), "is_cached": False})
