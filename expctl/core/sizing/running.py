"""`plan EXPERIMENT`: where a running experiment stands against the sample it needs.

The baseline is measured so far: the control variant of the first primary metric
(a conversion rate for funnels; mean and standard deviation from ``sum`` and
``sum_squares`` for means; for ratios and retention the ratio with its delta-method
variance, as PostHog's ``running_time_calculator.calculate_variance_from_stats``
computes it). The exposure rate is the average of the days so far. The request for
PostHog's own calculator (``calculate_running_time/``) is built here too, with the
control's statistics as ``baseline_stats``, so its estimate can be shown beside ours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from expctl.core.results.daily import Exposures
from expctl.core.sizing.sample_size import MEAN, RATE, SampleSize, SizingError, SizingInputs, sample_size


@dataclass(frozen=True)
class Baseline:
    kind: str  # RATE | MEAN
    value: float  # the rate, the mean, or the ratio
    stddev: float | None  # per unit (MEAN only)
    samples: int


def baseline_of(metric: Mapping[str, Any], control: Mapping[str, Any]) -> Baseline:
    """The control's value so far, for sizing; SizingError when there is nothing to size on."""
    n = int(control.get("number_of_samples") or 0)
    if n <= 0:
        raise SizingError("the control variant has no exposures yet: nothing to measure a baseline on")
    total = float(control.get("sum") or 0)
    squares = float(control.get("sum_squares") or 0)
    metric_type = metric.get("metric_type")
    if metric_type == "funnel":
        steps = control.get("step_counts")
        converted = float(steps[-1]) if isinstance(steps, list) and steps else total
        return Baseline(RATE, converted / n, None, n)
    if metric_type in ("ratio", "retention"):
        denominator = float(control.get("denominator_sum") or 0)
        if not denominator:
            raise SizingError("the control variant has no denominator yet: nothing to size this ratio on")
        return Baseline(MEAN, total / denominator, math.sqrt(max(_ratio_variance(control, n), 0.0)), n)
    mean = total / n
    return Baseline(MEAN, mean, math.sqrt(max(squares / n - mean**2, 0.0)), n)


def _ratio_variance(control: Mapping[str, Any], n: int) -> float:
    """Var(M/D) ≈ Var(M)/D̄² + M̄²·Var(D)/D̄⁴ − 2·M̄·Cov(M,D)/D̄³ per unit (delta method)."""
    mean_m = float(control.get("sum") or 0) / n
    mean_d = float(control.get("denominator_sum") or 0) / n
    var_m = float(control.get("sum_squares") or 0) / n - mean_m**2
    var_d = float(control.get("denominator_sum_squares") or 0) / n - mean_d**2
    cov = float(control.get("numerator_denominator_sum_product") or 0) / n - mean_m * mean_d
    return var_m / mean_d**2 + mean_m**2 * var_d / mean_d**4 - 2 * mean_m * cov / mean_d**3


@dataclass(frozen=True)
class RunningEstimate:
    baseline: Baseline
    size: SampleSize
    collected: dict[str, int]
    still_needed: int
    days_running: int
    per_day: float

    @property
    def days_remaining(self) -> int | None:
        if self.still_needed == 0:
            return 0
        return math.ceil(self.still_needed / self.per_day) if self.per_day > 0 else None

    @property
    def enough(self) -> bool:
        return self.still_needed == 0


def running_estimate(
    metric: Mapping[str, Any],
    control: Mapping[str, Any],
    exposures: Exposures,
    *,
    mde: float,
    alpha: float,
    power: float,
) -> RunningEstimate:
    baseline = baseline_of(metric, control)
    variants = max(2, len(exposures.total))
    inputs = SizingInputs(
        baseline.kind,
        mde,
        variants=variants,
        alpha=alpha,
        power=power,
        baseline_rate=baseline.value if baseline.kind == RATE else None,
        baseline_mean=baseline.value if baseline.kind == MEAN else None,
        baseline_stddev=baseline.stddev,
        daily_exposures=exposures.per_day or None,
    )
    size = sample_size(inputs)
    needed = sum(max(0, size.sample_size_per_variant - count) for count in exposures.total.values())
    return RunningEstimate(baseline, size, dict(exposures.total), needed, len(exposures.days), exposures.per_day)


def calculator_request(
    metric: Mapping[str, Any], control: Mapping[str, Any], mde: float, variants: int, per_day: float
) -> dict[str, Any]:
    """The body for PostHog's ``calculate_running_time/`` (``RunningTimeCalculationInputSerializer``)."""
    metric_type = str(metric.get("metric_type") or "mean")
    if metric_type == "mean":
        # As PostHog's web app classifies it (calculations.ts getCalculatorMetricType):
        # mean_sum_or_avg only for a sum; an avg, min, max … is sized as mean_count there.
        source = metric.get("source") or {}
        math_type = source.get("math") if isinstance(source, Mapping) else None
        metric_type = "mean_sum_or_avg" if math_type == "sum" else "mean_count"
    stats_keys = (
        "number_of_samples",
        "sum",
        "sum_squares",
        "denominator_sum",
        "denominator_sum_squares",
        "numerator_denominator_sum_product",
        "step_counts",
    )
    stats = {key: control[key] for key in stats_keys if control.get(key) is not None}
    body: dict[str, Any] = {
        "metric_type": metric_type,
        "minimum_detectable_effect": round(mde * 100, 6),  # a percentage there
        "number_of_variants": variants,
        "baseline_stats": stats,
    }
    if per_day > 0:
        body["exposure_rate_per_day"] = round(per_day, 4)
    return body


def as_json(plan: RunningEstimate, posthog: Mapping[str, Any] | None) -> dict[str, Any]:
    data = plan.size.as_json()
    data.update(
        baseline_samples=plan.baseline.samples,
        days_running=plan.days_running,
        exposures_per_day=round(plan.per_day, 2),
        exposures_so_far=plan.collected,
        sample_still_needed=plan.still_needed,
        days_remaining=plan.days_remaining,
        enough_data=plan.enough,
        posthog_estimate=dict(posthog) if posthog is not None else None,
    )
    return data


# PostHog's fallback when neither the experiment nor the project sets an MDE: the web app's
# DEFAULT_MDE and running_time_calculator.py's DEFAULT_MINIMUM_DETECTABLE_EFFECT (a percentage).
POSTHOG_DEFAULT_MDE = 30


def minimum_detectable_effect(
    experiment: Mapping[str, Any],
    given: float | None,
    project_default: Callable[[], tuple[float | None, str | None]],
) -> tuple[float, str]:
    """The minimum detectable effect, where PostHog keeps it, in this order: --mde; the
    experiment's ``running_time_calculation`` (the canonical home, as newest PostHog's
    serializer says); its ``parameters`` (the historical one); the project's default from
    its experiment settings (asked only when needed); PostHog's own fallback (30%).
    Returns it as a fraction and where it came from."""
    if given is not None:
        return given, "from --mde"
    for field in ("running_time_calculation", "parameters"):
        stored = (experiment.get(field) or {}).get("minimum_detectable_effect")
        if isinstance(stored, (int, float)) and not isinstance(stored, bool) and stored > 0:
            return float(stored) / 100, "the experiment's setting"
    default, why_not = project_default()
    if default is not None:
        return default / 100, "the project's default"
    return POSTHOG_DEFAULT_MDE / 100, "PostHog's default" + (f"; {why_not}" if why_not else "")


@dataclass
class RunningSizing:
    """The primary metric, expctl's estimate, where its MDE came from, the control's
    statistics, and PostHog's own estimate (or why there is none)."""

    spec: Any
    estimate: RunningEstimate
    mde_source: str
    control: Mapping[str, Any]
    posthog: dict[str, Any] | None = None
    missing: str | None = None
