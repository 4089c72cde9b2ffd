"""Golden output of the results renderers, and the statistics behind them.

Regenerate the golden files after an intended change with
``UPDATE_GOLDEN=1 pytest tests/unit/test_results_render.py`` and review the diff.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import chi2

from expctl.core.results.legacy import (
    from_legacy,
)
from expctl.core.results.read import (
    check_sample_ratio,
    exposures_from_metrics,
    gate_failures,
)
from expctl.core.results.srm import chi_square_sf, sample_ratio_check
from expctl.core.results.verdicts import (
    ExperimentResults,
    from_experiment_query,
)
from expctl.model.metrics import MetricSpec, metric_specs
from expctl.render.results import render_table
from expctl.render.results_text import render_markdown, render_plain

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "results"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


def flag(variants: list[tuple[str, int]]) -> dict[str, Any]:
    return {
        "id": 1,
        "key": "checkout-redesign",
        "active": True,
        "filters": {"multivariate": {"variants": [{"key": k, "rollout_percentage": p} for k, p in variants]}},
    }


FUNNEL = {
    "kind": "ExperimentMetric",
    "metric_type": "funnel",
    "uuid": "m-funnel",
    "name": "Checkout conversion",
    "series": [{"kind": "EventsNode", "event": "checkout_started"}, {"kind": "EventsNode", "event": "purchase"}],
}
MEAN = {
    "kind": "ExperimentMetric",
    "metric_type": "mean",
    "uuid": "m-revenue",
    "name": "Revenue per user",
    "source": {"kind": "EventsNode", "event": "purchase", "math": "sum", "math_property": "revenue"},
}
GUARDRAIL = {
    "kind": "ExperimentMetric",
    "metric_type": "mean",
    "uuid": "m-latency",
    "name": "Page load time",
    "goal": "decrease",
    "source": {"kind": "EventsNode", "event": "$pageview", "math": "avg", "math_property": "load_ms"},
}


def experiment(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 7,
        "name": "Checkout redesign",
        "feature_flag_key": "checkout-redesign",
        "start_date": "2026-11-12T09:00:00Z",
        "end_date": None,
        "status": "running",
        "feature_flag": flag([("control", 50), ("test", 50)]),
        "metrics": [FUNNEL, MEAN],
        "metrics_secondary": [GUARDRAIL],
        "stats_config": {"method": "bayesian"},
    }
    base.update(overrides)
    return base


def bayesian(
    key: str,
    n: int,
    total: float,
    squares: float,
    chance: float | None,
    interval: list[float] | None,
    significant: bool,
    failures: list[str] | None = None,
    steps: list[int] | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "key": key,
        "method": "bayesian",
        "number_of_samples": n,
        "sum": total,
        "sum_squares": squares,
        "chance_to_win": chance,
        "credible_interval": interval,
        "significant": significant,
        "validation_failures": failures or [],
    }
    if steps:
        row["step_counts"] = steps
    return row


def payload(baseline: dict[str, Any], variants: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "baseline": baseline,
        "variant_results": variants,
        "is_cached": True,
        "last_refresh": "2026-11-26T09:48:00Z",
        "next_allowed_client_refresh": "2026-11-26T09:49:00Z",
    }


def build(
    exp: dict[str, Any], payloads: dict[str, dict[str, Any]], exposures: dict[str, int] | None = None
) -> ExperimentResults:
    metrics = []
    for spec in metric_specs(exp):
        data = payloads[spec.key]
        metrics.append(
            from_legacy(spec, data) if spec.legacy else from_experiment_query(spec, data, exp.get("stats_config"))
        )
    counts = exposures or exposures_from_metrics(metrics)
    level = next((m.level for m in metrics if m.method != "legacy"), 0.95)
    method = (
        "legacy"
        if all(m.method == "legacy" for m in metrics)
        else (exp.get("stats_config") or {}).get("method", "bayesian")
    )
    return ExperimentResults(exp, metrics, counts, None, check_sample_ratio(exp, counts), method, level)


def bayesian_report() -> ExperimentResults:
    return build(
        experiment(),
        {
            "m-funnel": payload(
                {
                    "key": "control",
                    "number_of_samples": 1250,
                    "sum": 312,
                    "sum_squares": 312,
                    "validation_failures": [],
                    # One count per series step; the exposure step is not included.
                    "step_counts": [640, 312],
                },
                [bayesian("test", 1237, 371, 371, 0.986, [0.021, 0.262], True, steps=[702, 371])],
            ),
            "m-revenue": payload(
                {
                    "key": "control",
                    "number_of_samples": 1250,
                    "sum": 51250.0,
                    "sum_squares": 5100000.0,
                    "validation_failures": [],
                },
                [bayesian("test", 1237, 50100.0, 5000000.0, 0.41, [-0.081, 0.052], False)],
            ),
            "m-latency": payload(
                {
                    "key": "control",
                    "number_of_samples": 1250,
                    "sum": 1500000.0,
                    "sum_squares": 1.9e9,
                    "validation_failures": [],
                },
                # PostHog's chance_to_win is P(test > control) whatever the goal: 0.98 here
                # means the load time very likely went up, which is worse for this metric.
                [bayesian("test", 1237, 1610000.0, 2.2e9, 0.98, [0.041, 0.12], True)],
            ),
        },
    )


def frequentist_report() -> ExperimentResults:
    exp = experiment(
        name="Onboarding checklist",
        status="stopped",
        end_date="2026-11-24T09:00:00Z",
        feature_flag=flag([("control", 34), ("short", 33), ("long", 33)]),
        metrics=[FUNNEL],
        metrics_secondary=[],
        stats_config={"method": "frequentist"},
    )

    def freq(
        key: str, n: int, total: float, p_value: float, interval: list[float], significant: bool
    ) -> dict[str, Any]:
        return {
            "key": key,
            "method": "frequentist",
            "number_of_samples": n,
            "sum": total,
            "sum_squares": total,
            "p_value": p_value,
            "confidence_interval": interval,
            "significant": significant,
            "validation_failures": [],
        }

    return build(
        exp,
        {
            "m-funnel": payload(
                {
                    "key": "control",
                    "number_of_samples": 1349,
                    "sum": 195,
                    "sum_squares": 195,
                    "validation_failures": [],
                },
                [
                    freq("short", 1312, 231, 0.012, [0.05, 0.41], True),
                    freq("long", 1323, 180, 0.52, [-0.24, 0.12], False),
                ],
            )
        },
    )


def failures_report() -> ExperimentResults:
    exp = experiment(start_date="2026-11-25T15:00:00Z", metrics=[FUNNEL], metrics_secondary=[])
    return build(
        exp,
        {
            "m-funnel": payload(
                {
                    "key": "control",
                    "number_of_samples": 31,
                    "sum": 2,
                    "sum_squares": 2,
                    "validation_failures": ["not-enough-exposures"],
                },
                [bayesian("test", 28, 3, 3, None, None, False, ["not-enough-exposures"])],
            )
        },
    )


def srm_report() -> ExperimentResults:
    exp = experiment(metrics=[MEAN], metrics_secondary=[])
    return build(
        exp,
        {
            "m-revenue": payload(
                {
                    "key": "control",
                    "number_of_samples": 1200,
                    "sum": 48000.0,
                    "sum_squares": 4800000.0,
                    "validation_failures": [],
                },
                [bayesian("test", 1800, 75600.0, 7900000.0, 0.999, [0.021, 0.079], True)],
            )
        },
        exposures={"control": 1200, "test": 1800},
    )


def legacy_report() -> ExperimentResults:
    exp = experiment(
        metrics=[],
        metrics_secondary=[],
        filters={"events": [{"id": "purchase", "type": "events", "order": 0}], "insight": "TRENDS"},
        secondary_metrics=[{"name": "Signup funnel", "filters": {"insight": "FUNNELS"}}],
        stats_config=None,
    )
    spec_trend = metric_specs(exp)[0]
    trend = from_legacy(
        spec_trend,
        {
            "result": {
                "probability": {"control": 0.0712, "test": 0.9288},
                "significant": False,
                "significance_code": "low_win_probability",
                "p_value": 0.0712,
                "variants": [
                    {"key": "control", "count": 412, "exposure": 1, "absolute_exposure": 1500},
                    {"key": "test", "count": 470, "exposure": 1.0133, "absolute_exposure": 1520},
                ],
                "credible_intervals": {"control": [0.2471, 0.3027], "test": [0.2796, 0.3392]},
            },
            "last_refresh": "2026-11-26T09:00:00Z",
            "is_cached": True,
        },
    )
    funnel_spec = MetricSpec("secondary-funnel", "Signup funnel", "secondary", None, None, legacy=True)
    funnel = from_legacy(
        funnel_spec,
        {
            "result": {
                "probability": {"control": 0.02, "test": 0.98},
                "significant": True,
                "significance_code": "significant",
                "expected_loss": 0.0011,
                "variants": [
                    {"key": "control", "success_count": 300, "failure_count": 1200},
                    {"key": "test", "success_count": 372, "failure_count": 1148},
                ],
                "credible_intervals": {"control": [0.180, 0.221], "test": [0.224, 0.267]},
            },
            "last_refresh": "2026-11-26T09:00:00Z",
            "is_cached": True,
        },
    )
    exposures = exposures_from_metrics([trend])
    return ExperimentResults(exp, [trend, funnel], exposures, None, check_sample_ratio(exp, exposures), "legacy", 0.95)


REPORTS = {
    "bayesian": bayesian_report,
    "frequentist": frequentist_report,
    "failures": failures_report,
    "srm": srm_report,
    "legacy": legacy_report,
}


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert text == path.read_text()


@pytest.mark.parametrize("width", [100, 80])
@pytest.mark.parametrize("name", list(REPORTS))
def test_table_golden(name: str, width: int) -> None:
    text = render_table(REPORTS[name](), width=width, color=False, now=NOW)
    assert max(len(line) for line in text.splitlines()) <= width
    check_golden(f"{name}-{width}.txt", text)


def test_table_golden_with_colour() -> None:
    text = render_table(bayesian_report(), width=100, color=True, now=NOW)
    assert "\x1b[32m" in text and "\x1b[31m" in text, "green winners and red losers"
    check_golden("bayesian-100-colour.txt", text)


@pytest.mark.parametrize("name", list(REPORTS))
def test_markdown_golden(name: str) -> None:
    check_golden(f"{name}.md", render_markdown(REPORTS[name](), now=NOW))


@pytest.mark.parametrize("name", list(REPORTS))
def test_plain_golden(name: str) -> None:
    check_golden(f"{name}.tsv", render_plain(REPORTS[name]()))


def test_verdicts_pair_colour_with_symbols() -> None:
    report = bayesian_report()
    verdicts = {(m.name, r.key): r.verdict for m in report.metrics for r in m.rows}
    assert verdicts[("Checkout conversion", "test")] == "winning"
    assert verdicts[("Revenue per user", "test")] == "inconclusive"
    assert verdicts[("Page load time", "test")] == "losing", "lower is better: slower pages lose"
    text = render_table(report, width=100, color=False, now=NOW)
    assert "▲ winning" in text and "▼ losing" in text and "· inconclusive" in text


def test_chi_square_matches_scipy() -> None:
    for dof in (1, 2, 4, 9, 19):
        for statistic in (0.01, 0.5, 1.0, 3.84, 10.0, 24.5, 60.0, 150.0):
            assert chi_square_sf(statistic, dof) == pytest.approx(chi2.sf(statistic, dof), rel=1e-9, abs=1e-300)


def test_sample_ratio_check_against_scipy() -> None:
    check = sample_ratio_check({"control": 1200, "test": 1800}, {"control": 50, "test": 50})
    assert check is not None and check.mismatch
    assert check.statistic == pytest.approx(120.0)
    assert check.p_value == pytest.approx(chi2.sf(120.0, 1))
    fine = sample_ratio_check({"control": 1992, "test": 2012}, {"control": 50, "test": 50})
    assert fine is not None and not fine.mismatch
    three = sample_ratio_check({"a": 340, "b": 330, "c": 330}, {"a": 34, "b": 33, "c": 33})
    assert three is not None and three.degrees_of_freedom == 2 and three.p_value == pytest.approx(1.0)


def test_gate_conditions() -> None:
    assert gate_failures(bayesian_report(), ["loser", "srm", "not-significant", "insufficient-data"]) == []
    assert [g.split(":")[0] for g in gate_failures(srm_report(), ["srm"])] == ["srm"]
    assert [g.split(":")[0] for g in gate_failures(failures_report(), ["insufficient-data", "not-significant"])] == [
        "not-significant",
        "insufficient-data",
    ]
    freq = frequentist_report()
    assert gate_failures(freq, ["loser"]) == []
    assert gate_failures(freq, ["not-significant"]) == []
