"""Experiment results as people read them: one model for every shape PostHog answers in.

PostHog answers results in two shapes:

* current releases, per metric, an ``ExperimentQuery`` result: a ``baseline`` and
  ``variant_results`` with sums, sample counts and either Bayesian (``chance_to_win``,
  ``credible_interval``) or frequentist (``p_value``, ``confidence_interval``) statistics,
  intervals on the *relative* difference to the baseline, or on the absolute difference
  in the metric's unit when the method's own ``stats_config.<method>.difference_type``
  is ``ABSOLUTE`` (``posthog/hogql_queries/experiments/utils.py`` reads it per method,
  never from the top level of ``stats_config``);
* releases before March 2025, the legacy ``results/`` payload: per-variant counts or
  funnel successes, ``probability`` of being best and per-variant credible intervals on
  the variant's own rate.

Both become :class:`MetricResult` rows with a value, a delta against the baseline, an
interval, the chance to win or p-value, and a verdict. Pure logic: no I/O.

PostHog's ``chance_to_win`` is P(variant > baseline) whatever the metric's ``goal``; its
web app shows ``1 - chance_to_win`` for ``goal: decrease`` (``getChanceToWinForSummary``).
Here ``VariantRow.chance_to_win`` is always the chance that the variant is *better*, so
every output mode reads it the same way; ``-o json`` keeps PostHog's raw number.

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from expctl.core.results.health import BiasRisk
from expctl.core.results.srm import SampleRatioCheck
from expctl.core.results.stats_settings import StatsSettings
from expctl.model.metrics import MetricSpec
from expctl.model.stored_run import StoredRun

WINNING = "winning"
LOSING = "losing"
NOT_SIGNIFICANT = "inconclusive"
INSUFFICIENT = "too early"
BASELINE = "baseline"

FAILURE_WORDS = {
    "not-enough-exposures": "not enough exposures yet (PostHog needs at least 50 per variant)",
    "not-enough-metric-data": "not enough conversions yet (PostHog needs at least 5 per variant)",
    "baseline-mean-is-zero": "the baseline's value is zero, so a relative change is undefined",
    "no-events": "no events yet",
    "no-flag-info": "events carry no feature flag information (see `expctl flag-check`)",
    "no-control-variant": "no exposures in the control variant yet",
    "no-test-variant": "no exposures in a test variant yet",
}
# Every verdict follows PostHog's own ``significant`` flag, as PostHog's web app does; the
# interval is shown beside it, and where the two say different things a note says so.
VERDICT_FOLLOWS = "posthog_significant"
_FLAG_FROM = {
    "bayesian": "its chance to win",
    "frequentist": "its p-value",
    "legacy": "the legacy probability of being best",
}


def explain_verdicts(metric: MetricResult) -> None:
    """Note each variant whose verdict and shown interval disagree: decided while the
    interval includes no change, or inconclusive while it excludes it. Bayesian
    significance is one-sided (a chance to win past 95%) and the interval two-sided, so
    they can part; a legacy interval is the variant's own, scaled by the control's rate,
    so it leaves out the control's uncertainty."""
    level = f"{metric.level * 100:g}%"
    for row in metric.rows:
        if row.is_baseline or row.interval is None or row.verdict not in (WINNING, LOSING, NOT_SIGNIFICANT):
            continue
        includes_zero = row.interval[0] <= 0 <= row.interval[1]
        decided = row.verdict != NOT_SIGNIFICANT
        if decided != includes_zero:
            continue
        shown = "includes no change" if includes_zero else "excludes no change"
        flag = "significant" if decided else "not significant"
        basis = _FLAG_FROM.get(metric.method, "its test")
        note = f"{row.key}: the verdict follows PostHog, which calls it {flag} by {basis}"
        note += f"; the {level} interval shown {shown}"
        if metric.method == "legacy":
            note += " (a legacy interval is the variant's own rate against the control's, without the control's spread)"
        metric.notes.append(note)


FAIL_ON_CONDITIONS = ("srm", "loser", "not-significant", "insufficient-data")


@dataclass
class VariantRow:
    key: str
    exposures: int | None = None
    value: float | None = None
    delta: float | None = None  # vs the baseline; relative (0.13 = +13%) unless absolute
    interval: tuple[float, float] | None = None
    chance_to_win: float | None = None  # chance the variant is better, by the metric's goal
    p_value: float | None = None
    significant: bool | None = None
    verdict: str = NOT_SIGNIFICANT
    failures: list[str] = field(default_factory=list)
    step_counts: list[int] | None = None
    is_baseline: bool = False


@dataclass
class MetricResult:
    key: str  # the metric's uuid, or "primary" / "secondary-N" for legacy metrics
    name: str
    role: str  # primary | secondary
    kind: str  # funnel | mean | ratio | retention | trend | legacy-funnel | legacy-trend | count
    method: str  # bayesian | frequentist | legacy
    goal: str = "increase"
    relative: bool = True
    level: float = 0.95
    rows: list[VariantRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # where a verdict and its interval disagree
    error: str | None = None
    error_code: int | None = None
    is_cached: bool | None = None
    last_refresh: str | None = None
    raw: Any = None

    @property
    def value_label(self) -> str:
        return {
            "funnel": "CONVERSION",
            "legacy-funnel": "CONVERSION",
            "retention": "RETENTION",
            "mean": "MEAN",
            "ratio": "RATIO",
            "legacy-trend": "PER USER",
            "count": "VALUE",
        }.get(self.kind, "VALUE")

    @property
    def value_is_rate(self) -> bool:
        return self.kind in ("funnel", "legacy-funnel", "retention")

    @property
    def samples_label(self) -> str:
        """What ``number_of_samples`` counts: exposures, except for retention, where it is
        the users who did the start event."""
        return "STARTED" if self.kind == "retention" else "EXPOSURES"

    @property
    def lower_is_better(self) -> bool:
        return self.goal == "decrease"

    @property
    def has_data(self) -> bool:
        return self.error is None and any(r.verdict not in (INSUFFICIENT, BASELINE) for r in self.rows)


@dataclass
class ExperimentResults:
    experiment: dict[str, Any]
    metrics: list[MetricResult]
    exposures: dict[str, int] | None
    exposures_raw: Any = None
    srm: SampleRatioCheck | None = None  # the test shown: PostHog's, else expctl's
    method: str = "bayesian"
    level: float = 0.95
    srm_note: str | None = None  # why there is no test (PostHog tests from 100 exposures)
    bias: BiasRisk | None = None
    settings: StatsSettings | None = None
    source: StoredRun | None = None  # the stored run read; None: computed by /query/
    notes: list[str] = field(default_factory=list)  # how the numbers were got, freshness
    changes: list[str] = field(default_factory=list)  # the split or metrics changed mid-run (activity log)

    @property
    def freshness(self) -> tuple[str | None, bool]:
        """(oldest last_refresh, whether any number came from PostHog's cache)."""
        refreshes = [m.last_refresh for m in self.metrics if m.last_refresh]
        cached = any(m.is_cached for m in self.metrics)
        return (min(refreshes) if refreshes else None), cached

    def raw(self) -> dict[str, Any]:
        """``-o json``: PostHog's responses as they came, keyed by metric (and
        ``exposures``), and beside them under ``verdicts`` what expctl read from them: each
        variant's verdict, what it follows, and any disagreement with the interval."""
        payload: dict[str, Any] = {}
        if self.source is not None:
            payload["recalculation"] = dict(self.source.payload)
        if self.exposures_raw is not None:
            payload["exposures"] = self.exposures_raw
        for metric in self.metrics:
            payload[metric.key] = metric.raw if metric.error is None else {"error": metric.error}
        payload["verdicts"] = {
            metric.key: {
                "follows": VERDICT_FOLLOWS,
                "variants": {row.key: row.verdict for row in metric.rows if not row.is_baseline},
                "notes": metric.notes,
            }
            for metric in self.metrics
            if metric.error is None
        }
        return payload


# -- ExperimentQuery results -----------------------------------------------------------------


def from_experiment_query(
    spec: MetricSpec, payload: Mapping[str, Any], stats_config: Mapping[str, Any] | None
) -> MetricResult:
    """One metric's ``ExperimentQuery`` answer as rows: the baseline, then each variant."""
    metric = spec.query or {}
    variants = [v for v in payload.get("variant_results") or [] if isinstance(v, Mapping)]
    method, relative, level = _method_settings(variants, stats_config or {})
    result = MetricResult(
        key=spec.key,
        name=spec.name,
        role=spec.role,
        kind=str(metric.get("metric_type") or "mean"),
        method=method,
        goal=str(metric.get("goal") or "increase"),
        relative=relative,
        level=level,
        is_cached=payload.get("is_cached") if isinstance(payload.get("is_cached"), bool) else None,
        last_refresh=payload.get("last_refresh") if isinstance(payload.get("last_refresh"), str) else None,
        raw=payload,
    )
    baseline = payload.get("baseline")
    if not isinstance(baseline, Mapping):
        result.error = "PostHog returned no baseline for this metric"
        return result
    base_row = _query_row(baseline, result.kind)
    base_row.is_baseline = True
    base_row.verdict = BASELINE
    result.rows.append(base_row)
    result.rows.extend(_variant_row(result, variant) for variant in variants)
    failures = {f for row in result.rows for f in row.failures}
    result.warnings = [FAILURE_WORDS.get(f, f) for f in sorted(failures)]
    return result


def _method_settings(variants: Sequence[Mapping[str, Any]], stats_config: Mapping[str, Any]) -> tuple[str, bool, float]:
    """(method, relative, interval level): the method the answer says it used, and that
    method's own settings, which is where PostHog reads ``difference_type``."""
    method = str(
        next((v.get("method") for v in variants if v.get("method")), None) or stats_config.get("method") or "bayesian"
    )
    settings = stats_config.get(method) if isinstance(stats_config.get(method), Mapping) else {}
    assert isinstance(settings, Mapping)
    relative = str(settings.get("difference_type") or "RELATIVE").upper() != "ABSOLUTE"
    if method == "frequentist":
        return method, relative, 1 - float(settings.get("alpha") or 0.05)
    return method, relative, float(settings.get("ci_level") or 0.95)


def _variant_row(result: MetricResult, variant: Mapping[str, Any]) -> VariantRow:
    row = _query_row(variant, result.kind)
    interval = variant.get("credible_interval") if result.method == "bayesian" else variant.get("confidence_interval")
    if isinstance(interval, Sequence) and len(interval) == 2 and all(isinstance(x, (int, float)) for x in interval):
        row.interval = (float(interval[0]), float(interval[1]))
        # PostHog sends no delta: its web app shows the interval's midpoint (getDelta in
        # MetricsView/shared/utils.ts), which is the CUPED- or prior-adjusted effect.
        row.delta = (row.interval[0] + row.interval[1]) / 2
    if isinstance(variant.get("chance_to_win"), (int, float)):
        above = float(variant["chance_to_win"])  # P(variant > baseline), goal ignored
        row.chance_to_win = 1 - above if result.lower_is_better else above
    if isinstance(variant.get("p_value"), (int, float)):
        row.p_value = float(variant["p_value"])
    if isinstance(variant.get("significant"), bool):
        row.significant = variant["significant"]
    row.verdict = _verdict(row, result.method, result.goal)
    return row


def _query_row(variant: Mapping[str, Any], kind: str) -> VariantRow:
    samples = variant.get("number_of_samples")
    total = variant.get("sum")
    denominator = variant.get("denominator_sum")
    row = VariantRow(key=str(variant.get("key")))
    row.exposures = int(samples) if isinstance(samples, (int, float)) else None
    if kind in ("ratio", "retention") and isinstance(denominator, (int, float)) and denominator:
        row.value = float(total) / float(denominator) if isinstance(total, (int, float)) else None
    elif isinstance(total, (int, float)) and row.exposures:
        row.value = float(total) / row.exposures
    steps = variant.get("step_counts")
    if isinstance(steps, list) and all(isinstance(s, (int, float)) for s in steps):
        row.step_counts = [int(s) for s in steps]
    row.failures = [str(f) for f in variant.get("validation_failures") or []]
    return row


def _verdict(row: VariantRow, method: str, goal: str) -> str:
    """Winning or losing by the direction of the change and the metric's goal."""
    if row.failures or (row.chance_to_win is None and row.p_value is None and row.interval is None):
        return INSUFFICIENT
    if method == "bayesian" and row.chance_to_win is not None:
        if row.significant:
            # chance_to_win is already the chance of being better (goal applied).
            return WINNING if row.chance_to_win >= 0.5 else LOSING
        return NOT_SIGNIFICANT
    if not row.significant:
        return NOT_SIGNIFICANT
    direction = row.delta if row.delta is not None else (sum(row.interval) / 2 if row.interval else 0.0)
    better = direction > 0 if goal != "decrease" else direction < 0
    return WINNING if better else LOSING
