"""Results read the way PostHog means them (issue 11).

Each case starts from a payload in the shape PostHog's query runner returns
(``posthog/hogql_queries/experiments/utils.py``) and checks what a person and a script
are told. The web app's reading is the reference for the goal: ``getChanceToWinForSummary``
shows ``1 - chance_to_win`` for ``goal: decrease``.
"""

from __future__ import annotations

from typing import Any

import pytest

from expctl.core.results.read import (
    check_sample_ratio,
    exposures_from_metrics,
    gate_failures,
)
from expctl.core.results.verdicts import (
    LOSING,
    WINNING,
    ExperimentResults,
    from_experiment_query,
)
from expctl.model.metrics import metric_specs
from expctl.render.results import bar_header, funnel_steps_line, render_table
from expctl.render.results_text import render_markdown, render_plain

LATENCY = {
    "kind": "ExperimentMetric",
    "metric_type": "mean",
    "uuid": "m-latency",
    "name": "Page load time",
    "goal": "decrease",
    "source": {"kind": "EventsNode", "event": "$pageview", "math": "avg", "math_property": "load_ms"},
}


def exp(metrics: list[dict[str, Any]], stats_config: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": 9,
        "name": "Speed",
        "start_date": "2026-11-20T00:00:00Z",
        "end_date": None,
        "feature_flag": {
            "filters": {
                "multivariate": {
                    "variants": [
                        {"key": "control", "rollout_percentage": 50},
                        {"key": "test", "rollout_percentage": 50},
                    ]
                }
            }
        },
        "metrics": metrics,
        "stats_config": stats_config or {"method": "bayesian"},
        **extra,
    }


def row(key: str, n: int, total: float, squares: float, **stats: Any) -> dict[str, Any]:
    return {
        "key": key,
        "number_of_samples": n,
        "sum": total,
        "sum_squares": squares,
        "validation_failures": [],
        **stats,
    }


def report_for(experiment: dict[str, Any], payloads: dict[str, dict[str, Any]]) -> ExperimentResults:
    metrics = [
        from_experiment_query(spec, payloads[spec.key], experiment.get("stats_config"))
        for spec in metric_specs(experiment)
    ]
    counts = exposures_from_metrics(metrics)
    return ExperimentResults(experiment, metrics, counts, None, check_sample_ratio(experiment, counts))


def slower_pages(method: str = "bayesian") -> ExperimentResults:
    """The test variant's pages load about 8% slower, significantly: worse for this metric."""
    if method == "bayesian":
        stats = {"method": "bayesian", "chance_to_win": 0.98, "credible_interval": [0.041, 0.12], "significant": True}
    else:
        stats = {"method": "frequentist", "p_value": 0.003, "confidence_interval": [0.041, 0.12], "significant": True}
    payload = {
        "baseline": row("control", 1250, 1500000.0, 1.9e9),
        "variant_results": [row("test", 1237, 1610000.0, 2.2e9, **stats)],
    }
    return report_for(exp([LATENCY], {"method": method}), {"m-latency": payload})


@pytest.mark.parametrize("method", ["bayesian", "frequentist"])
def test_a_significantly_worse_variant_of_a_decrease_metric_is_losing(method: str) -> None:
    report = slower_pages(method)
    test_row = report.metrics[0].rows[1]
    assert test_row.verdict == LOSING
    assert gate_failures(report, ["loser"]) == [
        "loser: significantly worse than the baseline: test on 'Page load time'"
    ]


def test_chance_to_win_of_a_decrease_metric_is_shown_as_one_minus_posthogs(tmp_path: Any) -> None:
    report = slower_pages()
    assert report.metrics[0].rows[1].chance_to_win == pytest.approx(0.02)
    table = render_table(report, width=100, color=False)
    assert "2.0%  ▼ losing" in table and "98.0%" not in table
    assert "| 2.0% | ▼ losing |" in render_markdown(report)
    plain = render_plain(report).splitlines()[1].split("\t")
    assert plain[3] == "test" and plain[9] == "0.02" and plain[12] == "losing"
    assert report.raw()["m-latency"]["variant_results"][0]["chance_to_win"] == 0.98, "-o json stays PostHog's"


def test_the_bar_marks_the_better_side_by_goal() -> None:
    lower = slower_pages().metrics[0]
    assert bar_header(lower, 21).startswith("✓-")
    higher = from_experiment_query(
        metric_specs(exp([{**LATENCY, "goal": "increase"}]))[0],
        {"baseline": row("control", 100, 10, 10), "variant_results": []},
        None,
    )
    assert bar_header(higher, 21).rstrip().endswith("✓")


def test_a_decrease_metric_that_improved_is_winning() -> None:
    payload = {
        "baseline": row("control", 1250, 1500000.0, 1.9e9),
        "variant_results": [
            row(
                "test",
                1237,
                1390000.0,
                1.7e9,
                method="bayesian",
                chance_to_win=0.01,
                credible_interval=[-0.12, -0.04],
                significant=True,
            )
        ],
    }
    report = report_for(exp([LATENCY]), {"m-latency": payload})
    assert report.metrics[0].rows[1].verdict == WINNING
    assert report.metrics[0].rows[1].chance_to_win == pytest.approx(0.99)


def absolute_report(stats_config: dict[str, Any]) -> ExperimentResults:
    revenue = {**LATENCY, "uuid": "m-rev", "name": "Revenue", "goal": "increase"}
    if stats_config["method"] == "frequentist":
        stats = {"method": "frequentist", "p_value": 0.02, "confidence_interval": [0.3, 4.7], "significant": True}
    else:
        stats = {"method": "bayesian", "chance_to_win": 0.97, "credible_interval": [0.3, 4.7], "significant": True}
    payload = {
        "baseline": row("control", 1000, 41000.0, 5.1e6),
        "variant_results": [row("test", 1000, 43500.0, 5.6e6, **stats)],
    }
    return report_for(exp([revenue], stats_config), {"m-rev": payload})


def test_absolute_difference_type_is_read_from_the_methods_own_settings() -> None:
    report = absolute_report({"method": "bayesian", "bayesian": {"difference_type": "ABSOLUTE"}})
    metric = report.metrics[0]
    assert metric.relative is False
    test_row = metric.rows[1]
    assert test_row.delta == pytest.approx(test_row.value - metric.rows[0].value)
    plain = render_plain(report).splitlines()[1].split("\t")
    assert float(plain[6]) == pytest.approx(
        float(plain[5]) - float(render_plain(report).splitlines()[0].split("\t")[5])
    )
    table = render_table(report, width=100, color=False)
    line = next(x for x in table.splitlines() if x.startswith("test"))
    assert "+2.50" in line and "[+0.30, +4.70]" in line and "%" not in line.split("  ▲")[0].replace("97.0%", "")


def test_a_top_level_difference_type_is_not_read_by_posthog_so_not_by_us() -> None:
    assert absolute_report({"method": "bayesian", "difference_type": "ABSOLUTE"}).metrics[0].relative is True
    frequentist = absolute_report({"method": "frequentist", "frequentist": {"difference_type": "ABSOLUTE"}})
    assert frequentist.metrics[0].relative is False
    other_method = absolute_report({"method": "bayesian", "frequentist": {"difference_type": "ABSOLUTE"}})
    assert other_method.metrics[0].relative is True


def test_retention_samples_are_started_users_and_never_exposures() -> None:
    retention = {
        "kind": "ExperimentMetric",
        "metric_type": "retention",
        "uuid": "m-ret",
        "name": "Came back",
        "start_event": {"kind": "EventsNode", "event": "signup"},
        "completion_event": {"kind": "EventsNode", "event": "$pageview"},
        "retention_window_start": 1,
        "retention_window_end": 7,
        "retention_window_unit": "day",
        "start_handling": "first_seen",
    }
    payload = {
        "baseline": row("control", 600, 240, 240, denominator_sum=600, denominator_sum_squares=600),
        "variant_results": [
            row("test", 900, 380, 380, method="bayesian", chance_to_win=0.7, credible_interval=[-0.05, 0.1])
        ],
    }
    report = report_for(exp([retention]), {"m-ret": payload})
    assert report.exposures is None, "started users are not exposures"
    assert report.srm is None, "and so never feed the sample-ratio check"
    table = render_table(report, width=100, color=False)
    assert "STARTED" in table and "EXPOSURES" not in table
    assert report.metrics[0].rows[0].value == pytest.approx(0.4)


def test_a_one_step_funnel_is_not_shown_as_a_multi_step_funnel() -> None:
    funnel = {
        "kind": "ExperimentMetric",
        "metric_type": "funnel",
        "uuid": "m-f",
        "series": [{"kind": "EventsNode", "event": "purchase"}],
    }
    payload = {
        "baseline": row("control", 500, 40, 40, step_counts=[40]),
        "variant_results": [row("test", 500, 55, 55, method="bayesian", step_counts=[55], chance_to_win=0.9)],
    }
    report = report_for(exp([funnel]), {"m-f": payload})
    assert funnel_steps_line(report.metrics[0]) == ""
    assert "Funnel steps" not in render_table(report, width=100, color=False)
    two = {**funnel, "series": [{"kind": "EventsNode", "event": "cart"}, {"kind": "EventsNode", "event": "purchase"}]}
    payload["baseline"]["step_counts"] = [90, 40]
    payload["variant_results"][0]["step_counts"] = [95, 55]
    line = funnel_steps_line(report_for(exp([two]), {"m-f": payload}).metrics[0])
    assert line.endswith("control 500 → 90 → 40 · test 500 → 95 → 55")


def test_a_legacy_goal_counts_only_when_there_are_no_metrics() -> None:
    filters = {"events": [{"id": "purchase", "type": "events", "order": 0}], "insight": "TRENDS"}
    migrated = exp([LATENCY], filters=filters, secondary_metrics=[{"name": "Old", "filters": filters}])
    assert [(s.key, s.role) for s in metric_specs(migrated)] == [("m-latency", "primary"), ("secondary-0", "secondary")]
    migrated["metrics_secondary"] = [{**LATENCY, "uuid": "m-2"}]
    assert [s.key for s in metric_specs(migrated)] == ["m-latency", "m-2"]
    old = exp([], filters=filters)
    assert [(s.key, s.legacy) for s in metric_specs(old)] == [("primary", True)]


def test_absolute_bars_use_a_round_scale_in_the_metrics_unit() -> None:
    from expctl.render.results import scale_for

    metric = absolute_report({"method": "bayesian", "bayesian": {"difference_type": "ABSOLUTE"}}).metrics[0]
    assert scale_for(metric) == 5.0  # the interval [0.3, 4.7] and a delta of 2.5 fit within ±5
    metric.rows[1].interval = (8.5, 17.39)
    assert scale_for(metric) == 20.0
    metric.rows[1].interval = (120.0, 230.0)
    assert scale_for(metric) == 250.0
