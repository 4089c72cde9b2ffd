"""expctl results against the test server: every path, every output, every gate.

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_results.py.
"""

from __future__ import annotations

import json

from expctl.standin.demo import call, mean_metrics
from tests.conftest import Server


def test_results_table_answers_who_wins_by_how_much_and_how_sure(cloud: Server) -> None:
    result = cloud.run("results", "checkout-redesign", "-o", "table", env={"COLUMNS": "100"})
    assert result.returncode == 0, result
    text = result.stdout
    assert text.startswith("Checkout redesign (id 1)\nrunning since ")
    assert "Bayesian, 95% credible, no CUPED" in text and "PostHog's stored results, data to" in text
    assert "Exposures: control 1,992 · test 2,012\nSplit as configured (p = 0.752" in text
    for name in ("Primary 1 · Checkout conversion", "Primary 2 · Revenue per user", "Secondary 1 · Add to cart"):
        assert name in text
    assert "▼ losing" in text and "▲ winning" in text and "· inconclusive" in text
    assert "Funnel steps" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    narrow = cloud.run("results", "checkout-redesign", "-o", "table", env={"COLUMNS": "80"})
    lines = narrow.stdout.splitlines()
    # The tables fit 80 columns; a line of text is never broken when piped (it would split
    # the funnel's counts across two lines), so it may run longer.
    prose = [line for line in lines if line.startswith("  Funnel steps")]
    assert prose and prose[0].endswith("test 2,012 → 679 → 226"), prose
    assert max(len(line) for line in lines if line not in prose) <= 80


def test_ten_metrics_run_concurrently_but_never_more_than_three(cloud: Server) -> None:
    metrics = mean_metrics(10)
    created = call(
        cloud.fake,
        "POST",
        "/api/projects/{project}/experiments/",
        {"name": "Many metrics", "feature_flag_key": "many-metrics", "parameters": {}, "metrics": metrics},
    )
    call(
        cloud.fake,
        "PATCH",
        f"/api/projects/{{project}}/experiments/{created['id']}/",
        {"start_date": "2026-11-01T00:00:00Z"},
    )
    three = cloud.fake.barrier(3, method="POST", path_contains="/query/")
    result = cloud.run("results", "many-metrics", "-o", "json")
    assert result.returncode == 0, result
    assert len(json.loads(result.stdout)) == 12  # exposures, 10 metrics, verdicts
    assert three.met, "three queries were in flight at once"
    # and never more: the stand-in refuses a fourth with PostHog's concurrency 429 (the
    # limiter's own cap is proven in tests/api/test_ratelimit.py)
    assert cloud.fake.max_concurrent_queries_seen <= 3
    assert all(e.status == 200 for e in cloud.fake.requests("POST", "/query/")), "no concurrency 429s"
