"""`plan`'s numbers against statsmodels (issue 17), and the history readings behind it."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

from expctl.core.results.daily import DayResult, MetricHistory, exposures_from
from expctl.core.results.verdicts import VariantRow
from expctl.core.sizing.running import baseline_of, calculator_request
from expctl.core.sizing.sample_size import MEAN, RATE, SizingError, SizingInputs, sample_size
from expctl.errors import UsageError
from expctl.model.metrics import MetricSpec
from expctl.settings.quantities import percentage, rate

TOLERANCE = 0.01  # the bar: within 1% of statsmodels


@pytest.mark.parametrize("rate", [0.01, 0.05, 0.10, 0.30, 0.60])
@pytest.mark.parametrize("mde", [0.02, 0.05, 0.20])
@pytest.mark.parametrize(("alpha", "power"), [(0.05, 0.8), (0.01, 0.9), (0.10, 0.8)])
@pytest.mark.parametrize("variants", [2, 3, 5])
def test_proportions_match_statsmodels(rate: float, mde: float, alpha: float, power: float, variants: int) -> None:
    ours = sample_size(SizingInputs(RATE, mde, variants=variants, alpha=alpha, power=power, baseline_rate=rate))
    comparisons = variants - 1
    theirs = samplesize_proportions_2indep_onetail(
        rate * mde, rate, power, ratio=1, alpha=alpha / comparisons, alternative="two-sided"
    )
    needed = math.ceil(theirs)  # a sample size is a whole number of users, rounded up
    assert abs(ours.sample_size_per_variant - needed) / needed < TOLERANCE
    assert ours.total_sample_size == ours.sample_size_per_variant * variants
    assert ours.alpha_per_comparison == pytest.approx(alpha / comparisons)


@pytest.mark.parametrize(("mean", "stddev"), [(40.0, 60.0), (1.0, 0.5), (250.0, 900.0), (-12.0, 4.0)])
@pytest.mark.parametrize("mde", [0.01, 0.05, 0.25])
@pytest.mark.parametrize(("alpha", "power", "variants"), [(0.05, 0.8, 2), (0.01, 0.95, 2), (0.05, 0.8, 4)])
def test_means_match_statsmodels(
    mean: float, stddev: float, mde: float, alpha: float, power: float, variants: int
) -> None:
    ours = sample_size(
        SizingInputs(MEAN, mde, variants=variants, alpha=alpha, power=power, baseline_mean=mean, baseline_stddev=stddev)
    )
    effect = abs(mean) * mde / stddev
    theirs = NormalIndPower().solve_power(effect_size=effect, alpha=alpha / (variants - 1), power=power, ratio=1)
    needed = math.ceil(theirs)
    assert abs(ours.sample_size_per_variant - needed) / needed < TOLERANCE


def test_days_needed_and_the_json_names() -> None:
    result = sample_size(SizingInputs(RATE, 0.05, baseline_rate=0.10, daily_exposures=8000))
    assert (result.sample_size_per_variant, result.total_sample_size, result.days_needed) == (57763, 115526, 15)
    data = result.as_json()
    assert {"sample_size_per_variant", "total_sample_size", "days_needed", "mde", "alpha", "power", "variants"} <= set(
        data
    )
    assert data["metric"] == "funnel" and data["bonferroni"] is False and data["two_sided"] is True


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (SizingInputs(RATE, 0.05, baseline_rate=1.2), "--baseline-rate is a conversion rate between 0 and 1"),
        (SizingInputs(RATE, 0.0, baseline_rate=0.1), "--mde must be above 0"),
        (SizingInputs(RATE, 1.5, baseline_rate=0.5), "passes 100%"),
        (SizingInputs(MEAN, 0.05, baseline_mean=10, baseline_stddev=0), "--baseline-stddev must be above 0"),
        (SizingInputs(RATE, 0.05, alpha=1.5, baseline_rate=0.1), "--alpha must be between 0 and 1"),
        (SizingInputs(RATE, 0.05, baseline_rate=0.1, daily_exposures=-3), "--daily-exposures must be above 0"),
    ],
)
def test_inputs_that_cannot_be_planned(inputs: SizingInputs, message: str) -> None:
    with pytest.raises(SizingError, match=message):
        sample_size(inputs)


@pytest.mark.parametrize("text", ["5%", "0.05", "5 %", " 0.05 ", "5.0%"])
def test_a_rate_is_the_same_as_a_percentage_or_a_fraction(text: str) -> None:
    assert rate(text, "--mde") == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5", "--mde 5 is ambiguous: a rate is a fraction (0.05) or a percentage (5%); write --mde 5% for 5 percent"),
        ("1", "--mde 1 is ambiguous"),
        ("five", "--mde takes a number; not 'five'"),
        ("nan", "--mde takes a finite number; not 'nan'"),
        ("inf%", "--mde takes a finite number; not 'inf'"),
        ("1e400", "--mde takes a finite number; not '1e400'"),
    ],
)
def test_rates_that_are_refused(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        rate(text, "--mde")
    said = caught.value.message + (f"; {caught.value.hint}" if caught.value.hint else "")
    assert said.startswith(message), said


def test_a_percentage_takes_its_sign_or_not() -> None:
    assert percentage("10", "--percentage") == percentage("10%", "--percentage") == 10
    with pytest.raises(UsageError, match="a percentage from 0 to 100"):
        percentage("150", "--percentage")


def test_an_effect_too_small_for_any_experiment() -> None:
    for mde in (1e-300, 1e-9):
        with pytest.raises(SizingError, match="users per variant: no experiment reaches that; raise --mde"):
            sample_size(SizingInputs(RATE, mde, baseline_rate=0.1))
        with pytest.raises(SizingError, match="raise --mde"):
            sample_size(SizingInputs(MEAN, mde, baseline_mean=10, baseline_stddev=3))


def test_cumulative_exposures_become_daily() -> None:
    payload = {
        "timeseries": [
            {"variant": "control", "days": ["2026-11-01", "2026-11-02", "2026-11-03"], "exposure_counts": [10, 25, 25]},
            {"variant": "test", "days": ["2026-11-02", "2026-11-03"], "exposure_counts": [12, 30]},
        ]
    }
    exposures = exposures_from(payload)
    assert exposures is not None
    assert exposures.days == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert exposures.daily == {"control": [10, 15, 0], "test": [0, 12, 18]}
    assert exposures.total == {"control": 25, "test": 30}
    assert exposures.per_day == pytest.approx(55 / 3)
    assert exposures_from({"kind": "ExperimentExposureQuery"}) is None


def test_significant_since_is_the_start_of_the_last_streak() -> None:
    history = MetricHistory(MetricSpec("u", "M", "primary", {}), "partial")
    for day, significant in [("d1", True), ("d2", False), ("d3", True), ("d4", True)]:
        history.days.append(DayResult(day, [VariantRow("test", significant=significant)]))
    assert history.first_significant() == {"test": "d3"}
    history.days.append(DayResult("d5", [VariantRow("test", significant=False)]))
    assert history.first_significant() == {}


def test_baselines_and_posthogs_calculator_request() -> None:
    funnel = {"kind": "ExperimentMetric", "metric_type": "funnel", "series": []}
    control = {"number_of_samples": 1000, "sum": 90.0, "sum_squares": 90.0, "step_counts": [300, 100]}
    baseline = baseline_of(funnel, control)
    assert (baseline.kind, baseline.value) == (RATE, 0.1)  # the last step over the exposed
    mean = {"kind": "ExperimentMetric", "metric_type": "mean", "source": {"kind": "EventsNode", "math": "sum"}}
    stats = {"number_of_samples": 100, "sum": 4000.0, "sum_squares": 4000.0 * 40 + 100 * 900}
    read = baseline_of(mean, stats)
    assert read.value == 40 and read.stddev == pytest.approx(math.sqrt(900))
    body = calculator_request(mean, stats, 0.05, 2, 250.0)
    assert body == {
        "metric_type": "mean_sum_or_avg",
        "minimum_detectable_effect": 5.0,
        "number_of_variants": 2,
        "baseline_stats": stats,
        "exposure_rate_per_day": 250.0,
    }
    with pytest.raises(SizingError, match="no exposures yet"):
        baseline_of(funnel, {"number_of_samples": 0})
