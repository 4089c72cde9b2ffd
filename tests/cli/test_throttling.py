"""PostHog's throttling, in process on a virtual clock: the waits are exactly those PostHog
asks for, and no test spends them for real (the subprocess story in tests/e2e/test_faults.py
keeps real time for the bulk run)."""

from __future__ import annotations

from pathlib import Path

from expctl.standin.experiments import seed_experiments
from tests.cli.conftest import InProcess, invoke_and_assert


def test_429_with_retry_after_is_honoured(project: InProcess) -> None:
    throttle = project.fake.throttle
    throttle.enabled = True
    throttle.windows = [(3, 2.0)]
    seed_experiments(project.fake, 10)
    invoke_and_assert(project, ["list", "--all", "--rate-limit", "off", "-o", "ids", "--limit", "3"], 0)
    outcome = invoke_and_assert(project, ["get", "checkout-redesign", "--rate-limit", "off", "-o", "ids"], 0, ("1\n",))
    assert 429 in [e.status for e in project.fake.requests()], "the server really throttled"
    assert "PostHog is throttling requests (HTTP 429); retrying in 3.0 s (attempt 2 of 6)" in outcome.stderr
    assert project.clock.slept == [3.0], "waited what Retry-After said, once"


def test_429_without_retry_after_waits_the_seconds_in_detail(project: InProcess) -> None:
    throttle = project.fake.throttle
    throttle.enabled = True
    throttle.windows = [(2, 2.0)]
    throttle.send_retry_after = False
    outcomes = [project.run("get", "checkout-redesign", "--rate-limit", "off", "-o", "ids") for _ in range(3)]
    assert [o.returncode for o in outcomes] == [0, 0, 0], outcomes
    assert "retrying in 3.0 s" in outcomes[-1].stderr, outcomes[-1]
    throttled = [e.status for e in project.fake.requests()].count(429)
    assert throttled >= 1 and project.clock.slept == [3.0] * throttled, "the seconds in PostHog's detail, per 429"


def test_a_wait_longer_than_max_wait_is_refused_not_slept(project: InProcess) -> None:
    throttle = project.fake.throttle
    throttle.enabled = True
    throttle.windows = [(1, 600.0)]
    project.run("get", "1", "--rate-limit", "off")
    outcome = invoke_and_assert(
        project, ["get", "1", "--rate-limit", "off", "--max-wait", "30"], 7, (), ("more than --max-wait (30 s)",)
    )
    assert outcome.stdout == "" and project.clock.slept == []


def test_a_host_that_throttles_is_learned_from_its_first_429(project: InProcess, tmp_path: Path) -> None:
    """A self-hosted PostHog with throttling on (the budget is ``auto``: no limit known
    for 127.0.0.1): the burst in flight when the first 429 came back is the only one;
    the rest of the run paces to PostHog's published limits and says why it waits."""
    throttle = project.fake.throttle
    throttle.enabled = True
    throttle.send_retry_after = False
    seed_experiments(project.fake, 520)
    # One reader: the virtual clock is shared by every thread, and a sleep in one moves it
    # for all, so the order of requests across threads would not be the real one.
    outcome = invoke_and_assert(project, ["export", "--all", "--parallel", "1", "-f", str(tmp_path / "out")], 0)
    statuses = [e.status for e in project.fake.requests()]
    assert statuses.count(429) == 1, "the first 429 taught the limit: no second one"
    assert "pacing to its published limits (480 requests a minute, 4,800 an hour)" in outcome.stderr
    assert outcome.stderr.count("to stay within PostHog's rate limit (PostHog allows 480 requests a minute") <= 2


def test_a_server_limited_below_posthogs_rate_is_learned_and_remembered(project: InProcess, tmp_path: Path) -> None:
    """A self-hosted PostHog limited to 60 a minute, with no Retry-After: the first 429
    teaches 60 a minute (not Cloud's 480), the rest of the job meets at most a handful,
    and the next job starts from what was learned."""
    throttle = project.fake.throttle
    throttle.enabled = True
    throttle.send_retry_after = False
    throttle.windows = [(60, 60.0)]
    seed_experiments(project.fake, 200)
    first = invoke_and_assert(project, ["export", "--all", "--parallel", "1", "-f", str(tmp_path / "a")], 0)
    assert "pacing to what it let through (60 requests a minute)" in first.stderr, first.stderr
    assert [e.status for e in project.fake.requests()].count(429) <= 3
    project.fake.clear_log()
    outcome = project.run("export", "--all", "--parallel", "1", "-f", str(tmp_path / "b"), env={"EXPCTL_NO_CACHE": ""})
    assert outcome.returncode == 0, outcome
    second = [e.status for e in project.fake.requests()]
    assert second.count(429) <= 1, f"{second.count(429)} throttled in the second job"


def test_a_concurrency_429_waits_for_a_slot_and_keeps_the_budget(project: InProcess) -> None:
    """PostHog's per-team query cap (the web app or another job running queries) is a 429
    with no wait; it is not this key's rate, so the budget stays and no client is blamed."""
    project.fake.stored_results = False  # results through /query/ (early-2026 Cloud)
    project.fake.query_concurrency_limit = 0  # the team's query slots are all taken ...
    sleep = project.clock.sleep

    def others_finish(seconds: float) -> None:
        project.fake.query_concurrency_limit = 3  # ... until expctl has waited
        sleep(seconds)

    project.clock.sleep = others_finish  # type: ignore[method-assign]
    outcome = project.run("results", "checkout-redesign", "-o", "json", "--rate-limit", "cloud")
    assert outcome.returncode == 0, outcome
    assert "already running the team's maximum of queries at once" in outcome.stderr
    assert "another client" not in outcome.stderr and "pacing to" not in outcome.stderr
    assert 429 in [e.status for e in project.fake.requests("POST", "/query/")], "the server really refused one"
