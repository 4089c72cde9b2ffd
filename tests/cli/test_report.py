"""expctl report (issue 27): what the page holds, the exit codes it shares with `results`,
and what the late-2024 release cannot compute. The browser checks are in
tests/e2e/test_report_browser.py."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import InProcessServer


def test_the_page_holds_the_experiment_its_metrics_history_and_plan(demo_day: InProcessServer) -> None:
    page = demo_day.run("report", "checkout-redesign")
    assert page.returncode == 0, page
    html = page.stdout
    assert html.startswith("<!doctype html>") and "Content-Security-Policy" in html
    for text in (
        "Checkout redesign",
        "checkout-redesign",
        "control 50% · test 50%",
        "Checkout conversion",
        "test: losing",
        "-15.9% [-29.9%, -1.9%]",
        "win chance",
        "Sample ratio: control 1,992, test 2,012, as configured",
        "Exposures per day",
        "Day by day",
        "needed",
        "Made ",
        demo_day.url,
    ):
        assert text in html, text
    assert "<script" not in html.lower() and "https://" not in html.split("<footer>")[0]


def test_exit_codes_are_those_of_results(cloud: InProcessServer, tmp_path: Path) -> None:
    assert cloud.run("create", "--name", "Not yet", "--flag-key", "not-yet").returncode == 0
    draft = cloud.run("report", "not-yet", "-f", str(tmp_path / "x.html"))
    assert draft.returncode == 6 and "is a draft: it has no results until it is launched" in draft.stderr
    assert not (tmp_path / "x.html").exists()
    for args, words in (
        (["report"], "name an experiment, or pass --all"),
        (["report", "--all"], "give a directory with -f DIR"),
        (["report", "checkout-redesign", "--status", "running"], "--status goes with --all"),
    ):
        refused = cloud.run(*args)
        assert refused.returncode == 2 and words in refused.stderr, refused
    assert cloud.run("report", "no-such-flag").returncode == 5


def test_the_late_2024_release_is_told_in_the_report(legacy: InProcessServer, tmp_path: Path) -> None:
    created = legacy.run("create", "--name", "Newer metric", "--flag-key", "newer", "--metric", "mean: purchase")
    assert created.returncode == 0 and legacy.run("launch", "newer").returncode == 0, created
    page = tmp_path / "r.html"
    made = legacy.run("report", "newer", "-f", str(page))
    html = page.read_text()
    assert "cannot compute metrics of kind ExperimentMetric" in html, made
    assert made.returncode != 0 and "cannot compute" in made.stderr, "said on stderr and in the exit code, as results"


def test_all_running_writes_one_page_each_and_an_index(cloud: InProcessServer, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    made = cloud.run("report", "--all", "--status", "running", "-f", str(out))
    assert made.returncode == 0, made
    page = f"checkout-redesign-{cloud.ids['checkout-redesign']}.html"
    assert sorted(p.name for p in out.iterdir()) == [page, "index.html"]
    index = (out / "index.html").read_text()
    assert f'href="{page}"' in index and "test: losing" in index


def test_each_query_is_asked_once(cloud: InProcessServer) -> None:
    """The exposures and every metric once: the history and the plan reuse the results'
    answers instead of asking PostHog again (queries have the tightest rate limit)."""
    cloud.fake.clear_log()
    stored = cloud.run("report", "checkout-redesign")
    assert stored.returncode == 0 and "Exposures per day" in stored.stdout
    assert cloud.fake.requests("POST", "/query/") == [], "current Cloud: the stored run and daily results"
    cloud.fake.stored_results = False  # early-2026 Cloud: no stored runs
    assert cloud.run("report", "checkout-redesign").returncode == 0
    kinds = [json.loads(e.body)["query"]["kind"] for e in cloud.fake.requests("POST", "/query/")]
    assert sorted(kinds) == ["ExperimentExposureQuery", *["ExperimentQuery"] * 3], kinds


def test_the_daily_results_are_asked_for_while_the_results_are(cloud: InProcessServer) -> None:
    """Daily results depend on the experiment alone: one is in flight together with the
    stored run, not after every metric is read (issue 36: a report costs little more than
    its results)."""
    together = cloud.fake.barrier(2, method="GET", path_contains=("metrics_recalculation", "timeseries_results"))
    outcome = cloud.run("report", "checkout-redesign")
    assert outcome.returncode == 0, outcome
    assert together.met, "the daily results waited for the stored run"
