"""`plan` for people (aligned lines) and for scripts (``name<TAB>value``, names as in -o json)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.core.sizing.running import RunningEstimate
from expctl.core.sizing.sample_size import RATE, SampleSize

LABEL = 20


def _rate(value: float) -> str:
    return f"{value * 100:.2f}%"


def _number(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def _test(size: SampleSize) -> list[tuple[str, str]]:
    inputs = size.inputs
    what = "two-proportion z-test" if inputs.kind == RATE else "two-sample test of means"
    rows = [("test", f"{what}, two-sided, alpha {inputs.alpha:g}, power {inputs.power:g}")]
    if size.comparisons > 1:
        rows.append(
            (
                "several variants",
                f"Bonferroni: alpha {size.alpha_per_comparison:.4g} for each of the {size.comparisons} "
                "comparisons with control",
            )
        )
    return rows


def _baseline(size: SampleSize) -> tuple[str, str]:
    inputs = size.inputs
    if inputs.kind == RATE:
        assert inputs.baseline_rate is not None
        return "baseline", f"{_rate(inputs.baseline_rate)} conversion → {_rate(size.expected)} at the MDE"
    assert inputs.baseline_mean is not None and inputs.baseline_stddev is not None
    return (
        "baseline",
        f"mean {_number(inputs.baseline_mean)} (sd {_number(inputs.baseline_stddev)}) → "
        f"{_number(size.expected)} at the MDE",
    )


def sample_size_lines(size: SampleSize, *, plain: bool) -> list[str]:
    if plain:
        return [f"{key}\t{'' if value is None else value}" for key, value in size.as_json().items()]
    inputs = size.inputs
    rows = [
        _baseline(size),
        ("minimum effect", f"{inputs.mde * 100:+g}% relative"),
        ("variants", f"{inputs.variants} (control and {inputs.variants - 1} to compare)"),
        *_test(size),
        ("per variant", f"{size.sample_size_per_variant:,}"),
        ("in total", f"{size.total_sample_size:,}"),
    ]
    if size.days_needed is not None:
        assert inputs.daily_exposures is not None
        rows.append(("days needed", f"{size.days_needed} at {inputs.daily_exposures:,.0f} exposures a day"))
    else:
        rows.append(("days needed", "give --daily-exposures N to know"))
    return [f"{key:<{LABEL}}{value}" for key, value in rows]


def running_lines(
    experiment: Mapping[str, Any], metric_name: str, plan: RunningEstimate, mde_source: str, posthog: Any
) -> list[str]:
    rows = running_rows(metric_name, plan, mde_source, posthog)
    title = f"{experiment.get('name')} (id {experiment.get('id')}) · plan"
    return [title, *(f"  {key:<{LABEL}}{value}" for key, value in rows)]


def posthog_estimate(posthog: Any) -> str | None:
    """PostHog's own running-time estimate (``calculate_running_time/``) in words."""
    if not isinstance(posthog, Mapping) or posthog.get("recommended_sample_size") is None:
        return None
    days = posthog.get("recommended_running_time_days")
    when = f", {days} days from the start" if days is not None else ""
    return f"{int(posthog['recommended_sample_size']):,} in total{when}"


def running_rows(metric_name: str, plan: RunningEstimate, mde_source: str, posthog: Any) -> list[tuple[str, str]]:
    """The plan as (label, value) pairs: the terminal aligns them, the report tables them."""
    size = plan.size
    so_far = " · ".join(f"{k} {v:,}" for k, v in plan.collected.items())
    remaining = (
        "enough data now"
        if plan.enough
        else f"{plan.still_needed:,} more exposures: about {plan.days_remaining} days at this rate"
        if plan.days_remaining is not None
        else f"{plan.still_needed:,} more exposures (no exposures a day yet to time it)"
    )
    rows = [
        ("primary metric", metric_name),
        _baseline(size),
        ("minimum effect", f"{size.inputs.mde * 100:+g}% relative ({mde_source})"),
        ("exposures", f"{plan.per_day:,.0f} a day over {plan.days_running} days; so far {so_far}"),
        *_test(size),
        ("needed", f"{size.sample_size_per_variant:,} per variant, {size.total_sample_size:,} in total"),
        ("remaining", remaining),
    ]
    estimate = posthog_estimate(posthog)
    if estimate is not None:
        rows.append(("PostHog's estimate", estimate))
    return rows
