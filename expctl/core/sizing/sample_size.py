"""How many users an experiment needs: the normal-approximation sample-size formulas.

For a conversion rate (funnels), the two-proportion z-test: with p₁ the baseline rate,
p₂ = p₁·(1 + MDE), p̄ their mean and δ = p₂ − p₁, each variant needs

    n = (z₁₋α/2 · √(2·p̄·(1−p̄)) + z₁₋β · √(p₁(1−p₁) + p₂(1−p₂)))² / δ²

For a mean (or a ratio, with its delta-method variance as σ²), the two-sample test of
means with δ = mean · MDE:

    n = 2 · (z₁₋α/2 + z₁₋β)² · σ² / δ²

Both are two-sided. With more than one test variant, each is compared with control, so
α is split over the k − 1 comparisons (Bonferroni) and every variant needs the n of
that smaller α. Quantiles come from the standard library's ``NormalDist``; tests check
the numbers against statsmodels. PostHog's own calculator uses the rule of thumb
16·σ²/δ² (95% confidence, 80% power, two variants) per variant: ``plan EXPERIMENT``
shows its estimate beside this one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist

RATE = "rate"  # a conversion rate (funnel metrics)
MEAN = "mean"  # a mean with a standard deviation (mean metrics; ratios with their variance)
MAX_SAMPLE = 1e12  # users per variant: beyond any experiment (and past it the arithmetic overflows)


@dataclass(frozen=True)
class SizingInputs:
    kind: str  # RATE | MEAN
    mde: float  # relative, 0.05 = 5%
    variants: int = 2
    alpha: float = 0.05
    power: float = 0.8
    baseline_rate: float | None = None
    baseline_mean: float | None = None
    baseline_stddev: float | None = None
    daily_exposures: float | None = None


@dataclass(frozen=True)
class SampleSize:
    inputs: SizingInputs
    comparisons: int
    alpha_per_comparison: float
    expected: float  # the baseline's value under the MDE (rate or mean)
    sample_size_per_variant: int
    total_sample_size: int
    days_needed: int | None

    def as_json(self) -> dict[str, object]:
        """Every input and output by name, for `-o json`."""
        data: dict[str, object] = {k: v for k, v in asdict(self.inputs).items()}
        data["metric"] = "funnel" if self.inputs.kind == RATE else "mean"
        data.pop("kind")
        data.update(
            comparisons=self.comparisons,
            alpha_per_comparison=self.alpha_per_comparison,
            bonferroni=self.comparisons > 1,
            two_sided=True,
            expected_value=round(self.expected, 10),
            sample_size_per_variant=self.sample_size_per_variant,
            total_sample_size=self.total_sample_size,
            days_needed=self.days_needed,
        )
        return data


class SizingError(ValueError):
    """Inputs that cannot be planned for, in words for the person who gave them."""


def check(inputs: SizingInputs) -> None:
    if not 0 < inputs.alpha < 1:
        raise SizingError("--alpha must be between 0 and 1 (e.g. 0.05 or 5%)")
    if not 0 < inputs.power < 1:
        raise SizingError("--power must be between 0 and 1 (e.g. 0.8 or 80%)")
    if inputs.variants < 2:
        raise SizingError("--variants counts control too: at least 2")
    if inputs.mde <= 0:
        raise SizingError("--mde must be above 0 (e.g. 5%)")
    if inputs.kind == RATE:
        rate = inputs.baseline_rate
        if rate is None or not 0 < rate < 1:
            raise SizingError("--baseline-rate is a conversion rate between 0 and 1 (e.g. 0.10 or 10%)")
        if rate * (1 + inputs.mde) >= 1:
            raise SizingError(f"a {inputs.mde:.0%} lift on a {rate:.0%} rate passes 100%: lower --mde")
    else:
        if inputs.baseline_mean is None or inputs.baseline_mean == 0:
            raise SizingError("--baseline-mean must be a number other than 0")
        if inputs.baseline_stddev is None or inputs.baseline_stddev <= 0:
            raise SizingError("--baseline-stddev must be above 0")
    if inputs.daily_exposures is not None and inputs.daily_exposures <= 0:
        raise SizingError("--daily-exposures must be above 0")


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, infinite where the effect is too small to divide by."""
    try:
        return numerator / denominator
    except (ZeroDivisionError, OverflowError):
        return math.inf


def sample_size(inputs: SizingInputs) -> SampleSize:
    """The sample size per variant and in total, and the days at the daily exposures."""
    check(inputs)
    comparisons = inputs.variants - 1
    alpha = inputs.alpha / comparisons
    z_alpha = NormalDist().inv_cdf(1 - alpha / 2)
    z_power = NormalDist().inv_cdf(inputs.power)
    if inputs.kind == RATE:
        assert inputs.baseline_rate is not None
        p1 = inputs.baseline_rate
        p2 = p1 * (1 + inputs.mde)
        mean_rate = (p1 + p2) / 2
        spread = z_alpha * math.sqrt(2 * mean_rate * (1 - mean_rate)) + z_power * math.sqrt(
            p1 * (1 - p1) + p2 * (1 - p2)
        )
        per_variant = _ratio(spread**2, (p2 - p1) ** 2)
        expected = p2
    else:
        assert inputs.baseline_mean is not None and inputs.baseline_stddev is not None
        delta = abs(inputs.baseline_mean) * inputs.mde
        per_variant = _ratio(2 * (z_alpha + z_power) ** 2 * inputs.baseline_stddev**2, delta**2)
        expected = inputs.baseline_mean * (1 + inputs.mde)
    if not per_variant <= MAX_SAMPLE:
        raise SizingError(
            f"an effect of {inputs.mde:.3g} needs more than {MAX_SAMPLE:,.0f} users per variant: no experiment "
            "reaches that; raise --mde"
        )
    n = math.ceil(per_variant)
    total = n * inputs.variants
    days = math.ceil(total / inputs.daily_exposures) if inputs.daily_exposures else None
    return SampleSize(inputs, comparisons, alpha, expected, n, total, days)
