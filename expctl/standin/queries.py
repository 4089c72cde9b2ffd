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

from expctl.standin.state import clone, iso
from expctl.standin.wire import FakeResponse, HttpError, error, not_found, validation

if TYPE_CHECKING:
    from expctl.standin.server import Ctx

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


def _sample(experiment_id: int, metric: dict[str, Any], key: str, n: int, is_control: bool) -> dict[str, Any]:
    """One variant's sufficient statistics, in the fields PostHog's query runner returns.

    Field sets per metric type follow ``get_new_variant_results`` and
    ``ExperimentStatsBase`` in ``posthog/hogql_queries/experiments/utils.py``: every type
    has ``number_of_samples``, ``sum``, ``sum_squares``; funnels add ``step_counts`` (one
    count per step of ``series``, the exposure step not included: a one-step funnel has
    ``[conversions]``, see ``test_funnel_metric.py``); ratio and retention add
    ``denominator_sum``, ``denominator_sum_squares``, ``numerator_denominator_sum_product``.
    For retention ``number_of_samples`` counts the users who did the start event, not the
    exposures: a guess, from the issue's reading (``experiment_retention_query_builder.py``
    was not read here); ``metric_variant_to_statistic`` does treat each started user as 1 in
    the denominator. The numbers are synthetic.
    """
    mkey = _metric_key(metric)
    base_rate = 0.08 + 0.1 * _unit(f"{experiment_id}:{mkey}:base")
    lift = 0.0 if is_control else (_unit(f"{experiment_id}:{mkey}:{key}:lift") - 0.35) * 0.5
    metric_type = metric.get("metric_type", "funnel")
    if metric_type == "mean":
        mean = (20 + 30 * _unit(f"{experiment_id}:{mkey}:mean")) * (1 + lift)
        return {
            "number_of_samples": n,
            "sum": round(mean * n, 2),
            "sum_squares": round(n * (mean**2 + (mean * 1.5) ** 2), 2),
        }
    if metric_type == "ratio":
        per_user = 2 + 3 * _unit(f"{experiment_id}:{mkey}:denominator")
        ratio = (5 + 20 * _unit(f"{experiment_id}:{mkey}:ratio")) * (1 + lift)
        numerator, denominator = ratio * per_user * n, per_user * n
        return {
            "number_of_samples": n,
            "sum": round(numerator, 2),
            "sum_squares": round(n * (ratio * per_user) ** 2 * 2, 2),
            "denominator_sum": round(denominator, 2),
            "denominator_sum_squares": round(n * per_user**2 * 1.5, 2),
            "numerator_denominator_sum_product": round(n * ratio * per_user**2 * 1.5, 2),
        }
    rate = min(0.95, max(0.001, base_rate * (1 + lift)))
    if metric_type == "retention":
        started = round(n * (0.5 + 0.3 * _unit(f"{experiment_id}:{mkey}:started")))
        retained = float(round(started * min(0.95, rate * 3)))
        return {
            "number_of_samples": started,
            "sum": retained,
            "sum_squares": retained,
            "denominator_sum": float(started),
            "denominator_sum_squares": float(started),
            "numerator_denominator_sum_product": retained,
        }
    conversions = round(n * rate)
    row: dict[str, Any] = {"number_of_samples": n, "sum": float(conversions), "sum_squares": float(conversions)}
    if metric_type == "funnel":
        steps = max(1, len(metric.get("series") or []))
        # Each step keeps a share of the one before; the last step is the conversions.
        counts = [round(n * min(0.99, rate * (steps - i) * 1.5)) for i in range(steps - 1)] + [conversions]
        row["step_counts"] = counts
    return row


def _mean_and_variance(metric_type: str, row: dict[str, Any]) -> tuple[float, float]:
    """The variant's metric value and the variance of that estimate (normal approximation)."""
    n = max(int(row["number_of_samples"]), 1)
    total, squares = float(row["sum"]), float(row["sum_squares"])
    if metric_type in ("ratio", "retention"):
        denominator = float(row.get("denominator_sum") or 0) or 1.0
        value = total / denominator
        if metric_type == "retention":
            return value, max(value * (1 - value), 1e-12) / denominator
        spread = max(squares / n - (total / n) ** 2, 1e-12) / n
        return value, spread / (denominator / n) ** 2
    value = total / n
    if metric_type == "mean":
        return value, max(squares / n - value**2, 1e-12) / n
    return value, max(value * (1 - value), 1e-12) / n


def _difference(base: tuple[float, float], variant: tuple[float, float], difference_type: str) -> tuple[float, float]:
    """(difference, standard error): relative by the delta method, or absolute."""
    (m0, v0), (m1, v1) = base, variant
    if difference_type == "ABSOLUTE":
        return m1 - m0, max(math.sqrt(v0 + v1), 1e-12)
    se = math.sqrt(v1 / m0**2 + (m1**2) * v0 / m0**4)
    return (m1 - m0) / m0, max(se, 1e-12)


def _validation_failures(metric_type: str, row: dict[str, Any], *, is_baseline: bool) -> list[str]:
    """``validate_variant_result`` in ``posthog/hogql_queries/experiments/utils.py``."""
    failures = []
    if row["number_of_samples"] < 50:
        failures.append("not-enough-exposures")
    if metric_type in ("funnel", "retention") and row["sum"] < 5:
        failures.append("not-enough-metric-data")
    if is_baseline and row["sum"] == 0:
        failures.append("baseline-mean-is-zero")
    return failures


def experiment_query_result(
    ctx: Ctx, experiment: dict[str, Any], metric: dict[str, Any], exposures: dict[str, int] | None = None
) -> dict[str, Any]:
    """An ``ExperimentQuery`` answer, shaped as ``get_bayesian_experiment_result`` /
    ``get_frequentist_experiment_result`` (``posthog/hogql_queries/experiments/utils.py``) build it.

    * Each method reads its own settings: ``stats_config["bayesian"]`` (``ci_level``,
      ``difference_type``) or ``stats_config["frequentist"]`` (``alpha``,
      ``difference_type``); a top-level ``stats_config.difference_type`` is never read.
      ``difference_type`` defaults to ``RELATIVE``; ``ABSOLUTE`` gives intervals on
      ``value_variant - value_baseline`` in the metric's own unit.
    * ``chance_to_win`` is P(variant > baseline) whatever the metric's ``goal``: the runner
      builds its Bayesian config without the goal (``inverse`` is never set from it); the
      web app inverts it for ``goal: decrease`` (``getChanceToWinForSummary``).
    * Statistics are computed only when neither the baseline nor the variant has a
      validation failure; otherwise they are null, and the failures stay on their own row.

    ``exposures`` (per variant) computes the answer as of an earlier day (timeseries).
    """
    override = ctx.server.query_results.get((experiment["id"], str(metric.get("uuid"))))
    if override is not None and exposures is None:
        answer: dict[str, Any] = clone(override)
        return answer
    exposures = exposures if exposures is not None else exposures_for(ctx, experiment)
    stats = experiment.get("stats_config") or {}
    method = stats.get("method") or "bayesian"
    settings = stats.get(method) or {}
    difference_type = str(settings.get("difference_type") or "RELATIVE").upper()
    baseline_key = stats.get("baseline_variant_key") or "control"
    metric_type = str(metric.get("metric_type") or "mean")
    rows: dict[str, dict[str, Any]] = {}
    for key, n in exposures.items():
        sample = _sample(experiment["id"], metric, key, max(n, 0), key == baseline_key)
        rows[key] = {"key": key, **sample}
    defaults = ctx.team.experiments_defaults
    cuped = cuped_applies(stats, metric, bool(defaults.get("default_cuped_enabled")))
    if cuped:
        add_covariates(experiment["id"], metric, rows)
    baseline = rows.get(baseline_key) or {"key": baseline_key, "number_of_samples": 0, "sum": 0, "sum_squares": 0}
    baseline["validation_failures"] = _validation_failures(metric_type, baseline, is_baseline=True)
    level = (
        float(settings.get("ci_level") or 0.95) if method == "bayesian" else 1 - float(settings.get("alpha") or 0.05)
    )
    z = _z_for(level)
    result_variants = []
    for key, row in rows.items():
        if key == baseline_key:
            continue
        out = dict(row)
        out["method"] = method
        out["validation_failures"] = _validation_failures(metric_type, row, is_baseline=False)
        if method == "bayesian":
            out.update({"chance_to_win": None, "credible_interval": None, "significant": False})
        else:
            out.update({"p_value": None, "confidence_interval": None, "significant": False})
        if not baseline["validation_failures"] and not out["validation_failures"]:
            base_stat, variant_stat = _mean_and_variance(metric_type, baseline), _mean_and_variance(metric_type, row)
            if cuped:
                base_stat, variant_stat = adjusted(base_stat, baseline), adjusted(variant_stat, row)
            diff, se = _difference(base_stat, variant_stat, difference_type)
            half = z * se
            # utils.py _resolve_sequential_settings: the experiment's key when present, else the team's
            own = settings.get("sequential_testing_enabled", defaults.get("default_sequential_testing_enabled"))
            sequential = method == "frequentist" and bool(own)
            widening = sequential_widening(settings, int(row["number_of_samples"])) if sequential else 1.0
            interval = [round(diff - half * widening, 6), round(diff + half * widening, 6)]
            if method == "bayesian":
                chance = _phi(diff / se)
                out.update(
                    {
                        "chance_to_win": round(chance, 4),
                        "credible_interval": interval,
                        # BayesianResult.is_decisive (products/experiments/stats/bayesian/tests.py):
                        # "chance_to_win > self.ci_level or self.chance_to_win < 1 - self.ci_level";
                        # the runner sets significant from it.
                        "significant": chance > level or chance < 1 - level,
                    }
                )
            else:
                p_value = min(1.0, 2 * (1 - _phi(abs(diff) / se)) * widening**2)
                out.update(
                    {"p_value": round(p_value, 4), "confidence_interval": interval, "significant": p_value < 1 - level}
                )
        result_variants.append(out)
    return {
        "baseline": baseline,
        "variant_results": result_variants,
        "clickhouse_sql": "SELECT ...",
        "hogql": "SELECT ...",
        "is_precomputed": False,
    }


# -- CUPED and sequential testing ------------------------------------------------------------


def cuped_applies(stats: dict[str, Any], metric: dict[str, Any], team_default: bool = False) -> bool:
    """``stats_config.cuped.enabled`` (else the team's ``default_cuped_enabled``) for a
    metric that supports it, as ``products/experiments/backend/hogql_queries/cuped_config.py``
    decides (``_metric_supports_cuped``, id 54746444427): a mean (not of a session
    property), an ordered funnel (not unordered, no data-warehouse step); never a ratio or
    retention ("return False")."""
    cuped = stats.get("cuped") if isinstance(stats.get("cuped"), dict) else {}
    assert isinstance(cuped, dict)
    enabled = bool(cuped["enabled"]) if "enabled" in cuped else team_default
    if not enabled:
        return False
    metric_type = metric.get("metric_type")
    if metric_type == "mean":
        return True
    return metric_type == "funnel" and metric.get("funnel_order_type") != "unordered"


# How strongly the pre-exposure covariate predicts the metric in the stand-in's data: the
# share of variance CUPED removes is RHO**2. Synthetic, like the rest of the numbers.
RHO = 0.6


def add_covariates(experiment_id: int, metric: dict[str, Any], rows: dict[str, dict[str, Any]]) -> None:
    """The covariate sums CUPED adds to each row (``_copy_cuped_fields`` in
    ``hogql_queries/utils.py``: ``covariate_sum``, ``covariate_sum_squares``,
    ``covariate_sum_product``): the metric in the lookback window before exposure. Here
    each variant's pre-period mean differs a little from its post-period one, so the
    adjusted effect (and so the interval's midpoint) is not the raw means' difference."""
    mkey = _metric_key(metric)
    for key, row in rows.items():
        n = max(int(row["number_of_samples"]), 1)
        post = float(row["sum"]) / n
        pre = post * (0.9 + 0.2 * _unit(f"{experiment_id}:{mkey}:{key}:pre"))
        row["covariate_sum"] = round(pre * n, 2)
        row["covariate_sum_squares"] = round(n * pre**2 * 1.5, 2)
        row["covariate_sum_product"] = round(n * pre * post * 1.2, 2)


def adjusted(stat: tuple[float, float], row: dict[str, Any]) -> tuple[float, float]:
    """``adjusted_mean = post_mean - theta * (pre_mean - pooled_pre_mean)`` with the
    variance reduced by RHO**2 (``products/experiments/stats/shared/cuped.py``'s shape;
    the pooled mean is taken as the row's own pre mean scaled, a stand-in's simplification)."""
    mean, variance = stat
    n = max(int(row["number_of_samples"]), 1)
    pre = float(row.get("covariate_sum") or 0) / n
    theta = RHO
    shift = theta * (pre - mean)
    return mean - shift * 0.5, variance * (1 - RHO**2)


def sequential_widening(settings: dict[str, Any], n: int) -> float:
    """How much wider a sequential test's interval is than the fixed-sample one.
    ``SequentialTwoSidedTTest`` (``products/experiments/stats/frequentist/tests.py``) gives
    always-valid p-values and confidence sequences, "narrowest near n ~ tuning_parameter"
    (default 5000, 1..1e9); the exact boundary is not reproduced here (a guess with its
    shape: wider for every n, least so near the tuning parameter)."""
    tau = float(settings.get("sequential_tuning_parameter") or 5000)
    tau = tau if 1 <= tau <= 1e9 else 5000.0
    return math.sqrt(1 + abs(math.log((n + 1) / tau)) / 4 + 1.0)


def _z_for(level: float) -> float:
    """The two-sided normal quantile for ``level``, by bisection: precise enough for intervals."""
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
    start = experiment.get("start_date") or ctx.store.now()
    end = experiment.get("end_date") or ctx.store.now()
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
    answer: dict[str, Any] = {
        "kind": "ExperimentExposureQuery",
        "timeseries": timeseries,
        "total_exposures": exposures,
        "date_range": {"date_from": iso(start), "date_to": iso(experiment.get("end_date"))},
    }
    if ctx.flavour == "cloud":
        answer["sample_ratio_mismatch"] = sample_ratio_mismatch(ctx, experiment, exposures)
        answer["bias_risk"] = bias_risk(ctx, experiment, exposures)
    return answer


# -- health checks ---------------------------------------------------------------------------

SRM_MINIMUM_SAMPLE_SIZE = 100  # experiment_exposures_query_runner.py: "Minimum total exposures required"
MULTIPLE_VARIANT_BIAS_THRESHOLD = 0.1  # analysis_health.py: "on the 0-100 scale (0.1 = 0.1%)"


def sample_ratio_mismatch(ctx: Ctx, experiment: dict[str, Any], exposures: dict[str, int]) -> dict[str, Any] | None:
    """``ExperimentExposureQueryResponse.sample_ratio_mismatch``
    (``experiment_exposures_query_runner.py``): a chi-square goodness-of-fit of the
    exposures against the flag's split, ``$multiple`` and excluded variants left out,
    ``{expected, p_value}``; None below 100 exposures or 2 variants."""
    excluded = set(experiment.get("excluded_variants") or []) | {"$multiple"}
    shares = {v["key"]: float(v.get("rollout_percentage") or 0) for v in _variants(ctx, experiment)}
    counted = {k: n for k, n in exposures.items() if k not in excluded and k in shares}
    total = sum(counted.values())
    if total < SRM_MINIMUM_SAMPLE_SIZE or len(counted) < 2:
        return None
    weight = sum(shares[k] for k in counted) or 1.0
    expected = {k: total * shares[k] / weight for k in counted}
    statistic = sum((counted[k] - expected[k]) ** 2 / expected[k] for k in counted if expected[k] > 0)
    return {
        "expected": {k: round(v, 2) for k, v in expected.items()},
        "p_value": round(_chi2_sf(statistic, len(counted) - 1), 6),
    }


def bias_risk(ctx: Ctx, experiment: dict[str, Any], exposures: dict[str, int]) -> dict[str, Any] | None:
    """``BiasRisk`` (``analysis_health.py``): "uneven split + EXCLUDE handling + observed
    $multiple share above the threshold", as ``{multiple_variant_percentage}``; None once
    the experiment has ended. The ``$multiple`` users come from ``FakePostHog.multiple``."""
    multiple = ctx.server.multiple.get(experiment["id"], 0)
    handling = ((experiment.get("exposure_criteria") or {}).get("multiple_variant_handling")) or "exclude"
    shares = {float(v.get("rollout_percentage") or 0) for v in _variants(ctx, experiment)}
    observed = sum(exposures.values()) + multiple
    if experiment.get("end_date") or handling != "exclude" or len(shares) < 2 or not observed:
        return None
    percentage = multiple / observed * 100
    return (
        {"multiple_variant_percentage": round(percentage, 3)} if percentage > MULTIPLE_VARIANT_BIAS_THRESHOLD else None
    )


def health_findings(ctx: Ctx, experiment: dict[str, Any]) -> list[dict[str, Any]]:
    """The experiment's ``health`` findings (``products/experiments/backend/health/``:
    ``checks/srm.py`` (``ExperimentHealthFindingCode.SRM``, severity warning, evidence
    ``{p_value}``) when PostHog's SRM p-value is below 0.001, ``checks/bias_risk.py``
    when there is a bias risk), as ``ExperimentHealthFinding`` dicts."""
    if not experiment.get("start_date"):
        return []
    exposures = exposures_for(ctx, experiment)
    found: list[dict[str, Any]] = []
    srm = sample_ratio_mismatch(ctx, experiment, exposures)
    if srm is not None and srm["p_value"] < 0.001:
        found.append(
            {"code": "srm", "subcode": None, "severity": "warning",
             "title": "Users are not split across variants as configured",
             "detail": "The distribution of users across variants doesn't match your configured rollout "
                       "percentages (p < 0.001).",
             "evidence": {"p_value": srm["p_value"]}, "actions": [], "diagnostic_ref": "A2"}
        )  # fmt: skip
    risk = bias_risk(ctx, experiment, exposures)
    if risk is not None:
        found.append(
            {"code": "bias_risk_multiple_excluded", "subcode": None, "severity": "warning",
             "title": "Setup likely introduced bias", "detail": None, "evidence": risk,
             "actions": ["adjust_distribution", "use_first_seen_variant"], "diagnostic_ref": "A1"}
        )  # fmt: skip
    return found


def _chi2_sf(statistic: float, df: int) -> float:
    """P(X >= statistic) for chi-square(df): the regularized upper gamma by its series."""
    if statistic <= 0:
        return 1.0
    a, x = df / 2.0, statistic / 2.0
    term = total = 1.0 / a
    k = a
    for _ in range(10_000):
        k += 1
        term *= x / k
        total += term
        if term < total * 1e-15:
            break
    lower = total * math.exp(-x + a * math.log(x) - math.lgamma(a))
    return max(0.0, min(1.0, 1.0 - lower))


def _unknown_query_kind(query: dict[str, Any]) -> FakeResponse:
    """The late-2024 release's answer to a query kind its schema lacks.

    ``QueryViewSet.create`` (``posthog/api/query.py``) validates the body with
    ``PydanticModelMixin.get_model`` (``posthog/api/mixins.py``), which turns pydantic's
    ``ValidationError`` into DRF's ``ParseError("JSON parse error - {exc}")``: a 400 whose
    detail is pydantic's whole multi-line dump. ``QueryRequest.query`` is a union
    discriminated by ``kind`` (``posthog/schema.py``), so an unknown kind is a
    ``union_tag_invalid``. The list of expected tags is shortened here (a guess at its
    exact contents: that release's schema lists several dozen)."""
    kind = query.get("kind")
    tags = ", ".join(f"'{t}'" for t in ("EventsNode", "ActionsNode", "HogQLQuery", "TrendsQuery", *LEGACY_KINDS))
    shown = repr({k: v for k, v in query.items() if k in ("kind", "metric")})[:60] + "...}"
    dump = (
        "1 validation error for QueryRequest\nquery\n"
        f"  Input tag '{kind}' found using 'kind' does not match any of the expected tags: {tags} "
        f"[type=union_tag_invalid, input_value={shown}, input_type=dict]\n"
        "    For further information visit https://errors.pydantic.dev/2.9/v/union_tag_invalid"
    )
    return error(400, f"JSON parse error - {dump}", type_="invalid_request", code="parse_error")


def run_query(ctx: Ctx) -> FakeResponse:
    try:
        body = ctx.request.json()
    except json.JSONDecodeError:
        return error(400, "JSON parse error", type_="invalid_request", code="parse_error")
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, dict):
        return validation("This field is required.", attr="query", code="required")
    ctx.server.check_schema("QueryRequest", body, f"POST {ctx.request.path}")
    kind = query.get("kind")
    if ctx.flavour == "legacy" and kind in ("ExperimentQuery", "ExperimentExposureQuery"):
        return _unknown_query_kind(query)
    if kind not in ("ExperimentQuery", "ExperimentExposureQuery", *LEGACY_KINDS):
        return validation(f"Unsupported query kind: {kind}", attr="query")
    team_id = ctx.team.id
    if not ctx.server.enter_query(team_id):
        # The per-team concurrency limit: posthog/clickhouse/client/limit.py raises
        # ConcurrencyLimitExceeded(f"Exceeded maximum concurrency limit: {max_concurrency}
        # for key: {task_name} and task: {task_id}") (task_name "api:query:per-team:<id>"),
        # which posthog/api/query.py re-raises as Throttled(detail=str(c)): a 429 with no
        # wait, hence no Retry-After.
        task = ctx.server.next_task_id()
        return FakeResponse.json(
            429,
            {
                "type": "throttled_error",
                "code": "throttled",
                "detail": f"Exceeded maximum concurrency limit: {ctx.server.query_concurrency_limit} for key: "
                f"api:query:per-team:{team_id} and task: {task}",
                "attr": None,
            },
        )
    try:
        if ctx.server.faults.query_latency:
            time.sleep(ctx.server.faults.query_latency)
        experiment_id = query.get("experiment_id")
        # Newest PostHog's experiment query runners test the id for truth, so 0 (which
        # names no experiment) is "experiment_id is required" like a missing one (as issue
        # 23 read it in products/experiments/backend; the exact check is a reading, not a
        # copy). The late-2024 release never gets here: it refuses the kind itself.
        if not experiment_id:
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
                failure = ctx.server.query_failures.get((experiment["id"], str(metric.get("uuid"))))
                if failure is not None:
                    return failure
                cache_key = (experiment["id"], _metric_key(metric))
                payload = experiment_query_result(ctx, experiment, metric)
        refresh = body.get("refresh")
        cached = ctx.server.query_cache.get(cache_key)
        if cached is not None and refresh not in ("force_blocking", "force_async", True):
            out = clone(cached)
            out["is_cached"] = True
            return FakeResponse.json(200, out)
        moment = ctx.store.now()
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
        answer_definition = {
            "ExperimentQuery": "CachedExperimentQueryResponse",
            "ExperimentExposureQuery": "CachedExperimentExposureQueryResponse",
        }.get(str(kind))
        if answer_definition is not None:
            ctx.server.check_schema(answer_definition, payload, f"answer to {kind}", strict=False)
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
        total = _sample(experiment["id"], pseudo_metric, key, n, key == "control")["sum"]
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
        200,
        {"result": payload, "last_refresh": iso(ctx.store.now()), "is_cached": ctx.request.param("refresh") is None},
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
            total = _sample(
                experiment["id"], {"uuid": f"secondary-{index}", "metric_type": "count"}, key, n, key == "control"
            )["sum"]
            counts[key] = round(total / max(n, 1), 4) if filters.get("insight") == "FUNNELS" else int(total)
    return FakeResponse.json(
        200, {"result": {"result": counts}, "last_refresh": iso(ctx.store.now()), "is_cached": False}
    )
