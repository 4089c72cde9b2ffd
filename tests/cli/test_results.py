"""expctl results against the test server: every path, every output, every gate.

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_results.py.
"""

from __future__ import annotations

import json

from expctl.standin.demo import call, daily_recalculation
from tests.conftest import Server

CHECKOUT_FUNNEL = "11111111-1111-4111-8111-111111111111"
REVENUE = "22222222-2222-4222-8222-222222222222"


def test_results_json_is_the_raw_responses_keyed_by_metric(cloud: Server) -> None:
    result = cloud.run("results", "checkout-redesign", "-o", "json")
    assert result.returncode == 0, result
    payload = json.loads(result.stdout)
    metrics = {CHECKOUT_FUNNEL, REVENUE, "33333333-3333-4333-8333-333333333333"}
    assert set(payload) == {"recalculation", *metrics, "verdicts"}, "current Cloud: PostHog's stored run"
    assert payload["recalculation"]["status"] == "completed" and "results" not in payload["recalculation"]
    assert payload[REVENUE]["variant_results"][0]["method"] == "bayesian"
    assert cloud.fake.requests("POST", "/query/") == [], "a stored run spends no query"


def test_results_json_on_a_cloud_without_stored_results(cloud: Server) -> None:
    cloud.fake.stored_results = False  # early-2026 Cloud: metrics_recalculation answers 404
    payload = json.loads(cloud.run("results", "checkout-redesign", "-o", "json").stdout)
    assert set(payload) == {"exposures", CHECKOUT_FUNNEL, REVENUE, "33333333-3333-4333-8333-333333333333", "verdicts"}
    assert payload["exposures"]["kind"] == "ExperimentExposureQuery"


def test_results_markdown_and_plain(cloud: Server) -> None:
    markdown = cloud.run("results", "checkout-redesign", "-o", "markdown")
    assert markdown.stdout.startswith("### Experiment results: Checkout redesign")
    assert "| Variant | Exposures | Conversion | Delta | 95% interval | Chance to win | Verdict |" in markdown.stdout
    plain = cloud.run("results", "checkout-redesign")
    rows = [line.split("\t") for line in plain.stdout.splitlines()]
    assert len(rows) == 6 and all(len(r) == 13 for r in rows)
    assert {r[0] for r in rows} >= {CHECKOUT_FUNNEL, REVENUE}


def test_cached_numbers_say_so_and_refresh_recomputes(cloud: Server) -> None:
    cloud.fake.stored_results = False  # the /query/ path: early-2026 Cloud and older releases
    first = cloud.run("results", "checkout-redesign", "-o", "table")
    assert "(just computed)" in first.stdout
    second = cloud.run("results", "checkout-redesign", "-o", "table")
    assert "(cached; --refresh recomputes)" in second.stdout
    cloud.fake.clear_log()
    third = cloud.run("results", "checkout-redesign", "-o", "table", "--refresh")
    assert "(just computed)" in third.stdout
    refreshes = {json.loads(e.body)["refresh"] for e in cloud.fake.requests("POST", "/query/")}
    assert refreshes == {"force_blocking"}


def test_refresh_asks_posthog_to_recalculate_and_then_nothing_is_queried(cloud: Server) -> None:
    cloud.fake.clear_log()
    stored = cloud.run("results", "checkout-redesign", "-o", "table")
    assert "PostHog's stored results, data to" in stored.stdout
    refreshed = cloud.run("results", "checkout-redesign", "-o", "table", "--refresh")
    assert refreshed.returncode == 0, refreshed
    assert len(cloud.fake.requests("POST", "/metrics_recalculation/")) == 1
    followed = [e for e in cloud.fake.requests("GET", "/metrics_recalculation/") if not e.path.endswith("/latest/")]
    assert followed, "the run is followed"
    again = cloud.run("results", "checkout-redesign", "-o", "json")
    assert cloud.fake.requests("POST", "/query/") == [], "results after a recalculation spend no /query/"
    run = json.loads(again.stdout)["recalculation"]
    assert run["trigger"] == "manual" and run["status"] == "completed"


def test_both_paths_give_the_same_numbers(cloud: Server) -> None:
    stored = json.loads(cloud.run("results", "checkout-redesign", "-o", "json").stdout)
    cloud.fake.stored_results = False
    queried = json.loads(cloud.run("results", "checkout-redesign", "-o", "json").stdout)
    volatile = ("is_cached", "last_refresh", "next_allowed_client_refresh", "query_status", "cache_key", "timezone")
    for uuid in (CHECKOUT_FUNNEL, REVENUE):
        left = {k: v for k, v in stored[uuid].items() if k not in volatile}
        right = {k: v for k, v in queried[uuid].items() if k not in volatile}
        assert left == right, uuid
    assert stored["verdicts"] == queried["verdicts"]


def test_draft_gets_a_clear_message(server: Server) -> None:
    result = server.run("results", "pricing-copy")
    assert result.returncode == 6
    assert "is a draft: it has no results until it is launched" in result.stderr
    assert "expctl launch pricing-copy" in result.stderr
    gated = server.run("results", "pricing-copy", "--fail-on", "insufficient-data")
    assert gated.returncode == 9
    assert "gate failed: insufficient-data" in gated.stderr


def test_legacy_server_results_and_secondary_results(legacy: Server) -> None:
    result = legacy.run("results", "checkout-redesign", "-o", "table")
    assert result.returncode == 0, result
    assert "legacy results (Bayesian)" in result.stdout
    assert "Primary 1 · purchase" in result.stdout and "Secondary 1 · Signups" in result.stdout
    paths = {e.path.rsplit("/", 2)[-2] for e in legacy.fake.requests("GET") if "/experiments/1/" in e.path}
    assert {"results", "secondary_results"} <= paths
    funnel = legacy.run("results", "signup-funnel", "-o", "json")
    assert json.loads(funnel.stdout)["primary"]["result"]["variants"][0]["success_count"] > 0


def test_legacy_goal_on_current_cloud_falls_back_to_the_query_endpoint(cloud: Server) -> None:
    created = call(
        cloud.fake,
        "POST",
        "/api/projects/{project}/experiments/",
        {
            "name": "Old goal",
            "feature_flag_key": "old-goal",
            "parameters": {},
            "filters": {"events": [{"id": "purchase", "type": "events", "order": 0}], "insight": "TRENDS"},
        },
    )
    call(cloud.fake, "POST", f"/api/projects/{{project}}/experiments/{created['id']}/launch/", {})
    result = cloud.run("results", "old-goal", "-o", "table")
    assert result.returncode == 0, result
    assert "Primary 1 · purchase" in result.stdout
    kinds = [json.loads(e.body)["query"]["kind"] for e in cloud.fake.requests("POST", "/query/")]
    assert kinds == ["ExperimentTrendsQuery"]
    assert [e.status for e in cloud.fake.requests("GET") if e.path.endswith("/results/")] == [404]


def test_fail_on_loser(cloud: Server) -> None:
    result = cloud.run("results", "checkout-redesign", "--fail-on", "loser")
    assert result.returncode == 9, result
    assert "gate failed: loser: significantly worse than the baseline: test on 'Checkout conversion'" in result.stderr
    assert cloud.run("results", "checkout-redesign", "--fail-on", "srm").returncode == 0


def test_fail_on_srm(cloud: Server) -> None:
    cloud.fake.exposures[cloud.ids["checkout-redesign"]] = {"control": 1200, "test": 1800}
    result = cloud.run("results", "checkout-redesign", "--fail-on", "srm", "-o", "table")
    assert result.returncode == 9, result
    assert "Sample ratio mismatch" in result.stdout
    assert "gate failed: srm" in result.stderr


def test_fail_on_insufficient_data_and_not_significant(cloud: Server) -> None:
    exp_id = cloud.ids["checkout-redesign"]
    cloud.fake.exposures[exp_id] = {"control": 30, "test": 31}
    daily_recalculation(cloud.fake, exp_id)  # PostHog's next stored run sees the new data
    result = cloud.run("results", "checkout-redesign", "--fail-on", "insufficient-data,not-significant", "-o", "table")
    assert result.returncode == 9, result
    assert "⚠ too early" in result.stdout and "not enough exposures yet" in result.stdout
    assert "gate failed: not-significant" in result.stderr and "gate failed: insufficient-data" in result.stderr


def test_fail_on_rejects_unknown_conditions(cloud: Server) -> None:
    result = cloud.run("results", "checkout-redesign", "--fail-on", "sadness")
    assert result.returncode == 2 and "--fail-on 'sadness' is not one of" in result.stderr


def test_watch_needs_a_terminal(cloud: Server) -> None:
    result = cloud.run("results", "checkout-redesign", "--watch", "10")
    assert result.returncode == 2 and "--watch" in result.stderr


def test_doctor_says_whether_posthog_keeps_results(cloud: Server) -> None:
    assert "✓ Stored runs  PostHog keeps each experiment's results" in cloud.run("doctor").stdout
    cloud.fake.stored_results = False
    assert "! Stored runs  none on this release" in cloud.run("doctor").stdout


def test_a_recalculation_posthog_refuses_shows_the_last_run_without_waiting(cloud: Server) -> None:
    """recalculation.py's 5-minute refusal (an organisation flag): a 429 that is not waited
    out; the newest stored run is shown with why, and no query is spent."""
    cloud.fake.recalculation_rate_limit = True
    assert cloud.run("results", "checkout-redesign", "--refresh", "-o", "table").returncode == 0
    cloud.fake.clear_log()
    again = cloud.run("results", "checkout-redesign", "--refresh", "-o", "table")
    assert again.returncode == 0, again
    assert "recalculated less than 5 minutes ago" in again.stdout + again.stderr
    assert "PostHog's stored results, data to" in again.stdout
    assert (
        cloud.fake.requests("POST", "/query/") == []
        and len(cloud.fake.requests("POST", "/metrics_recalculation/")) == 1
    )


def test_the_activity_log_is_read_while_the_stored_run_is(cloud: Server) -> None:
    """The changes made during the run depend on the experiment alone: that request is in
    flight together with the stored run's, not after it (one round trip fewer)."""
    together = cloud.fake.barrier(2, method="GET", path_contains=("metrics_recalculation", "/activity"))
    outcome = cloud.run("results", "checkout-redesign", "-o", "json")
    assert outcome.returncode == 0, outcome
    assert together.met, "the stored run and the activity log were asked for one after the other"
