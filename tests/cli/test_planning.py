"""Plan and follow an experiment (issue 17) against the test server.

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_planning.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.conftest import Server


def test_plan_for_a_running_experiment(cloud: Server) -> None:
    assert (
        cloud.run("update", "checkout-redesign", "--set", 'parameters={"minimum_detectable_effect": 10}').returncode
        == 0
    )
    result = cloud.run("plan", "checkout-redesign", "-o", "json")
    assert result.returncode == 0, result
    data = json.loads(result.stdout)
    assert data["mde"] == 0.1 and data["mde_source"] == "the experiment's setting"
    assert data["days_running"] == 15 and data["exposures_per_day"] > 0
    collected = sum(data["exposures_so_far"].values())
    expected_left = sum(max(0, data["sample_size_per_variant"] - n) for n in data["exposures_so_far"].values())
    assert data["sample_still_needed"] == expected_left > 0
    assert data["days_remaining"] == math.ceil(expected_left / (collected / data["days_running"]))
    posthog = data["posthog_estimate"]
    rate = data["baseline_rate"]
    assert posthog["recommended_sample_size"] == -(-16 * rate * (1 - rate) * 2 // (0.1 * rate) ** 2)
    text = cloud.run("plan", "checkout-redesign", "-o", "table")
    assert "PostHog's estimate" in text.stdout and "more exposures: about" in text.stdout
    enough = json.loads(cloud.run("plan", "checkout-redesign", "--mde", "60%", "-o", "json").stdout)
    assert enough["enough_data"] is True and enough["days_remaining"] == 0
    assert "enough data now" in cloud.run("plan", "checkout-redesign", "--mde", "60%", "-o", "table").stdout


def test_plan_needs_a_launched_experiment(server: Server) -> None:
    draft = server.run("plan", "pricing-copy", "--mde", "5%")
    assert draft.returncode == 6 and "is a draft: nothing has been measured yet" in draft.stderr
    if server.flavour == "legacy":  # the late-2024 demo experiment measures with legacy metrics only
        older = server.run("plan", "checkout-redesign", "--mde", "5%")
        assert older.returncode == 2
        assert "no primary metric of PostHog's current kind to measure a baseline on" in older.stderr


def test_results_history_on_current_cloud(cloud: Server) -> None:
    result = cloud.run("results", "checkout-redesign", "--history", "-o", "json")
    assert result.returncode == 0, result
    data = json.loads(result.stdout)
    assert data["daily_results"] is True
    exposures = data["exposures"]
    assert len(exposures["days"]) == 15 and set(exposures["daily"]) == {"control", "test"}
    assert sum(exposures["daily"]["control"]) == exposures["total"]["control"]
    first = data["metrics"][0]
    assert first["name"] == "Checkout conversion" and first["status"] == "partial"
    assert len(first["days"]) == 14 and first["not_computed"] == [exposures["days"][-1]]  # today: not yet
    for metric in data["metrics"]:
        since = metric["significant_since"].get("test")
        if since:
            later = [d for d in metric["days"] if d["date"] >= since]
            assert all(d["variants"]["test"]["significant"] for d in later)
    table = cloud.run("results", "checkout-redesign", "--history", "-o", "table", env={"COLUMNS": "80"})
    assert table.returncode == 0, table
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[2].startswith("Exposures per day  █ control  ▓ test")
    assert any(line.startswith("★ test: significant since") for line in lines)


def test_results_history_says_when_there_are_no_daily_results(server: Server) -> None:
    result = server.run("results", "checkout-redesign", "--history", "-o", "json")
    assert result.returncode == 0, result
    data = json.loads(result.stdout)
    if server.flavour == "legacy":
        assert data["daily_results"] is False and data["exposures"] is None and data["metrics"] == []
        assert "no daily results" in result.stderr and "nothing to chart" in result.stderr
    conflicting = server.run("results", "checkout-redesign", "--history", "--fail-on", "srm")
    assert conflicting.returncode == 2


def test_the_test_servers_daily_results_follow_posthogs_rules(cloud: Server) -> None:
    missing = cloud.run("api", "GET", "experiments/1/timeseries_results/")
    assert missing.returncode == 6 and "metric_uuid query parameter is required" in missing.stderr
    other = cloud.run(
        "api", "GET", "experiments/1/timeseries_results/?metric_uuid=11111111-1111-4111-8111-111111111111&fingerprint=x"
    )
    assert other.returncode == 0 and json.loads(other.stdout)["status"] == "pending"


def test_the_readme_shows_real_plan_output(demo_day: Server) -> None:
    """Both commands exactly as the README writes them, against the demo of the README's day."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("### Plan and follow", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    offline_text, running_text = block.split("$ expctl plan checkout-redesign")
    offline = demo_day.run("plan", "--baseline-rate", "0.10", "--mde", "5%", "--daily-exposures", "8000", "-o", "table")
    assert offline.stdout == offline_text.split("\n", 1)[1]
    command = running_text.split("\n", 1)[0].split("#")[0].split()
    assert command == ["--mde", "10%"], "the README's command is the one run here"
    running = demo_day.run("plan", "checkout-redesign", *command, "-o", "table", env={"COLUMNS": "80"})
    assert running.stdout == running_text.split("\n", 1)[1]


def test_the_readme_history_excerpt_is_real(demo_day: Server) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("$ expctl results checkout-redesign --history", 1)[1].split("```", 1)[0]
    excerpt = [line.rstrip() for line in block.splitlines()[1:] if line.strip()]
    result = demo_day.run("results", "checkout-redesign", "--history", "-o", "table", env={"COLUMNS": "80"})
    shown = {line.rstrip() for line in result.stdout.splitlines()}
    assert [line for line in excerpt if line not in shown] == []


def test_rates_mean_one_thing_on_every_option(cloud: Server) -> None:
    """10% and 0.10 are the same on every rate option; a bare 5 is not silently 5 %."""

    def plan(*args: str) -> dict[str, object]:
        result = cloud.run("plan", "--daily-exposures", "8000", "-o", "json", *args)
        assert result.returncode == 0, result
        return dict(json.loads(result.stdout))

    as_percentages = plan("--baseline-rate", "10%", "--mde", "5%", "--alpha", "5%", "--power", "80%")
    as_fractions = plan("--baseline-rate", "0.10", "--mde", "0.05", "--alpha", "0.05", "--power", "0.8")
    assert as_percentages == as_fractions
    assert as_fractions["mde"] == 0.05 and as_fractions["baseline_rate"] == 0.1
    ambiguous = cloud.run("plan", "--baseline-rate", "0.1", "--mde", "5")
    assert ambiguous.returncode == 2
    assert ambiguous.stderr == (
        "error: --mde 5 is ambiguous: a rate is a fraction (0.05) or a percentage (5%); write --mde 5% for 5 percent\n"
    )
    assert cloud.fake.requests() == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["plan", "--baseline-rate", "0.1", "--mde", "nan"], "--mde takes a finite number; not 'nan'"),
        (["plan", "--baseline-rate", "0.1", "--mde", "1e-300"], "raise --mde"),
        (
            ["plan", "--baseline-mean", "4", "--baseline-stddev", "inf", "--mde", "5%"],
            "--baseline-stddev takes a finite",
        ),
        (
            ["plan", "--baseline-rate", "0.1", "--mde", "5%", "--daily-exposures", "nan"],
            "--daily-exposures takes a finite",
        ),
        (["--timeout", "nan", "list"], "timeout takes a finite number"),
        (["--timeout", "1e400", "list"], "timeout takes a finite number"),
        (["--max-wait", "inf", "list"], "max_wait takes a finite number"),
        (["holdouts", "create", "--name", "H", "--percentage", "nan"], "--percentage takes a finite number"),
        (["holdouts", "create", "--name", "H", "--percentage", "120"], "--percentage is a percentage from 0 to 100"),
    ],
)
def test_numbers_that_are_not_numbers_are_usage_errors(cloud: Server, args: list[str], said: str) -> None:
    result = cloud.run(*args)
    assert result.returncode == 2, result
    assert said in result.stderr and "unexpected" not in result.stderr, result.stderr
    assert cloud.fake.writes() == []


def test_plan_reads_what_posthog_stored_and_agrees_with_the_query_path(cloud: Server) -> None:
    """Current Cloud: the primary metric from the stored run, exposures per day off its
    daily results, no /query/ spent; early-2026 Cloud asks the query endpoint: same plan."""
    cloud.fake.clear_log()
    stored = cloud.run("plan", "checkout-redesign", "-o", "json")
    assert stored.returncode == 0, stored
    assert cloud.fake.requests("POST", "/query/") == []
    cloud.fake.stored_results = False
    queried = cloud.run("plan", "checkout-redesign", "-o", "json")
    assert cloud.fake.requests("POST", "/query/"), "the query path asks"
    assert json.loads(stored.stdout) == json.loads(queried.stdout)
