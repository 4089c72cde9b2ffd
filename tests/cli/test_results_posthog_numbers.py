"""PostHog's numbers, not recomputed ones (issue 33): CUPED-adjusted deltas, sequential
testing said, PostHog's own sample-ratio test and bias risk, the settings in every header.

In process (tests/cli/conftest.py's ``InProcessServer``) over the stand-in, whose CUPED,
sequential and health behaviours name their PostHog sources (expctl/standin/queries.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from expctl.standin.demo import call, daily_recalculation
from tests.conftest import Server

BASE = "/api/projects/{project}/experiments/"
REVENUE = {
    "kind": "ExperimentMetric",
    "uuid": "55555555-5555-4555-8555-555555555555",
    "metric_type": "mean",
    "name": "Revenue per user",
    "source": {"kind": "EventsNode", "event": "purchase", "math": "sum", "math_property": "revenue"},
}


def _launched(server: Server, key: str, stats_config: dict[str, Any], **parameters: Any) -> int:
    created = call(
        server.fake,
        "POST",
        BASE,
        {
            "name": key,
            "feature_flag_key": key,
            "parameters": parameters,
            "metrics": [REVENUE],
            "stats_config": stats_config,
        },
    )
    call(server.fake, "PATCH", f"{BASE}{created['id']}/", {"start_date": "2026-11-16T00:00:00Z"})
    daily_recalculation(server.fake, int(created["id"]))
    return int(created["id"])


def _percent(value: float) -> str:
    return f"{value * 100:+.1f}%"


def test_a_cuped_experiment_shows_posthogs_adjusted_delta_everywhere(cloud: Server, tmp_path: Path) -> None:
    _launched(cloud, "cuped-revenue", {"method": "bayesian", "cuped": {"enabled": True, "lookback_days": 7}})
    answer = json.loads(cloud.run("results", "cuped-revenue", "-o", "json").stdout)[REVENUE["uuid"]]
    variant, baseline = answer["variant_results"][0], answer["baseline"]
    assert "covariate_sum" in variant, "the stand-in computed with CUPED"
    low, high = variant["credible_interval"]
    adjusted = (low + high) / 2
    raw = (variant["sum"] / variant["number_of_samples"]) / (baseline["sum"] / baseline["number_of_samples"]) - 1
    assert _percent(adjusted) != _percent(raw), "CUPED moved the effect away from the raw means"
    table = cloud.run("results", "cuped-revenue", "-o", "table", env={"COLUMNS": "120"}).stdout
    assert "Bayesian, 95% credible, CUPED 7 d" in table
    test_row = next(line for line in table.splitlines() if line.startswith("test "))
    assert _percent(adjusted) in test_row and _percent(raw) not in test_row
    markdown = cloud.run("results", "cuped-revenue", "-o", "markdown").stdout
    assert f"| {_percent(adjusted)} |" in markdown and "CUPED 7 d" in markdown
    page = tmp_path / "cuped.html"
    assert cloud.run("report", "cuped-revenue", "-f", str(page)).returncode == 0
    html = page.read_text()
    assert _percent(adjusted) in html and "CUPED 7 d" in html
    plain = cloud.run("results", "cuped-revenue", "-o", "plain").stdout
    delta = float(next(r for r in (line.split("\t") for line in plain.splitlines()) if r[3] == "test")[6])
    assert abs(delta - adjusted) < 1e-4, "plain carries the midpoint too"


def test_the_project_default_turns_cuped_on_and_the_header_says_so(cloud: Server) -> None:
    cloud.fake.store.teams[1].experiments_defaults.update(default_cuped_enabled=True, default_cuped_lookback_days=21)
    _launched(cloud, "team-cuped", {"method": "bayesian"})
    table = cloud.run("results", "team-cuped", "-o", "table").stdout
    assert "CUPED 21 d" in table
    assert "covariate_sum" in json.dumps(json.loads(cloud.run("results", "team-cuped", "-o", "json").stdout))


def test_sequential_testing_is_said_so_a_high_p_value_reads_as_normal(cloud: Server) -> None:
    config = {"method": "frequentist", "frequentist": {"alpha": 0.1, "sequential_testing_enabled": True}}
    _launched(cloud, "sequential", config)
    table = cloud.run("results", "sequential", "-o", "table").stdout
    assert "Frequentist, α 0.1, sequential (τ 5000), no CUPED" in table
    wide = json.loads(cloud.run("results", "sequential", "-o", "json").stdout)[REVENUE["uuid"]]
    plain_config = {"method": "frequentist", "frequentist": {"alpha": 0.1, "sequential_testing_enabled": False}}
    _launched(cloud, "fixed", plain_config)
    narrow = json.loads(cloud.run("results", "fixed", "-o", "json").stdout)[REVENUE["uuid"]]

    def width(answer: dict[str, Any]) -> float:
        low, high = answer["variant_results"][0]["confidence_interval"]
        return float(high - low)

    assert width(wide) > width(narrow), "sequential testing widens PostHog's interval"


def test_posthogs_own_sample_ratio_test_decides_the_gate(cloud: Server) -> None:
    exp_id = cloud.ids["checkout-redesign"]
    cloud.fake.exposures[exp_id] = {"control": 1200, "test": 1800}
    daily_recalculation(cloud.fake, exp_id)
    stored = cloud.run("results", "checkout-redesign", "--fail-on", "srm", "-o", "table")
    assert stored.returncode == 9, stored
    assert "PostHog's test" in stored.stdout and "gate failed: srm" in stored.stderr
    assert "PostHog's test" in stored.stderr, "the gate names whose test held"
    cloud.fake.stored_results = False  # the exposure answer's sample_ratio_mismatch
    queried = cloud.run("results", "checkout-redesign", "--fail-on", "srm", "-o", "json")
    assert queried.returncode == 9
    assert json.loads(queried.stdout)["exposures"]["sample_ratio_mismatch"]["p_value"] < 0.001


def test_below_100_exposures_posthog_tests_no_split_and_neither_does_expctl(cloud: Server) -> None:
    cloud.fake.stored_results = False
    cloud.fake.exposures[cloud.ids["checkout-redesign"]] = {"control": 30, "test": 60}
    result = cloud.run("results", "checkout-redesign", "--fail-on", "srm", "-o", "table")
    assert result.returncode == 0, result
    assert "Split not tested: PostHog tests the split from 100 exposures" in result.stdout


def test_bias_risk_is_posthogs_warning(cloud: Server) -> None:
    split = [{"key": "control", "rollout_percentage": 70}, {"key": "test", "rollout_percentage": 30}]
    exp_id = _launched(cloud, "uneven", {"method": "bayesian"}, feature_flag_variants=split)
    cloud.fake.multiple[exp_id] = 200
    result = cloud.run("results", "uneven", "-o", "table")
    assert "PostHog warns of bias" in result.stdout and "saw more than one variant" in result.stdout


def test_a_near_certain_chance_to_win_is_never_rounded_to_100(cloud: Server) -> None:
    table = cloud.run("results", "checkout-redesign", "-o", "table").stdout
    assert not re.search(r"\b100\.0%", table) and not re.search(r"\b0\.0%", table)


def test_the_exposure_event_posthog_counts_is_in_get_and_the_report(cloud: Server, tmp_path: Path) -> None:
    assert "Exposure event: $feature_flag_called" in cloud.run("get", "checkout-redesign", "-o", "table").stdout
    page = tmp_path / "r.html"
    assert cloud.run("report", "checkout-redesign", "-f", str(page)).returncode == 0
    assert "Exposure event" in page.read_text() and "$feature_flag_called" in page.read_text()
