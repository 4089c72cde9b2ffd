"""The little statistics expctl computes itself: the chi-square test for sample ratio mismatch.

PostHog computes every metric's statistics; the sample ratio check compares the exposures
PostHog counted per variant with the split configured on the flag, which PostHog does not
report. The chi-square survival function is the regularized upper incomplete gamma
function Q(k/2, x/2), evaluated by its series (x < a + 1) or continued fraction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

_EPS = 1e-15
_MAX_ITERATIONS = 10_000


def chi_square_sf(statistic: float, degrees_of_freedom: int) -> float:
    """P(X >= statistic) for X ~ chi-square(degrees_of_freedom)."""
    if degrees_of_freedom < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if statistic <= 0:
        return 1.0
    return _upper_regularized_gamma(degrees_of_freedom / 2.0, statistic / 2.0)


def _upper_regularized_gamma(a: float, x: float) -> float:
    if x < a + 1.0:
        return max(0.0, 1.0 - _lower_series(a, x))
    return _upper_continued_fraction(a, x)


def _lower_series(a: float, x: float) -> float:
    term = 1.0 / a
    total = term
    denominator = a
    for _ in range(_MAX_ITERATIONS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_continued_fraction(a: float, x: float) -> float:
    # Modified Lentz's method for the continued fraction of Q(a, x).
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return min(1.0, math.exp(-x + a * math.log(x) - math.lgamma(a)) * h)


@dataclass(frozen=True)
class SampleRatioCheck:
    observed: dict[str, int]
    expected_share: dict[str, float]  # fractions summing to 1
    statistic: float | None  # the chi-square statistic (PostHog sends only the p-value)
    degrees_of_freedom: int
    p_value: float
    source: str = "expctl"  # who tested: "PostHog" (its answer or health check) or "expctl"

    @property
    def mismatch(self) -> bool:
        """PostHog's and GrowthBook's threshold: p < 0.001."""
        return self.p_value < 0.001


def sample_ratio_check(observed: Mapping[str, int], split: Mapping[str, float]) -> SampleRatioCheck | None:
    """Chi-square goodness of fit of exposures against the configured split.

    ``split`` holds each variant's share (percentages or fractions); variants with no
    share or no exposures data are left out. None when there is nothing to test.
    """
    keys = [k for k in split if k in observed and split[k] > 0]
    total_share = sum(split[k] for k in keys)
    total = sum(observed[k] for k in keys)
    if len(keys) < 2 or total <= 0 or total_share <= 0:
        return None
    statistic = 0.0
    shares: dict[str, float] = {}
    for key in keys:
        share = split[key] / total_share
        shares[key] = share
        expected = total * share
        statistic += (observed[key] - expected) ** 2 / expected
    dof = len(keys) - 1
    return SampleRatioCheck(
        observed={k: int(observed[k]) for k in keys},
        expected_share=shares,
        statistic=statistic,
        degrees_of_freedom=dof,
        p_value=chi_square_sf(statistic, dof),
    )


def format_p(p_value: float) -> str:
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.3f}"
