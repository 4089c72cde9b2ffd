"""The rate budget carried between runs (expctl/cli/state/send_log.py)."""

from __future__ import annotations

import json
from pathlib import Path

from expctl.api.ratelimit import CLOUD_BUDGET, UNLIMITED_BUDGET, RateLimiter, Window
from expctl.cli.state.send_log import SendLog
from tests.support.clock import VirtualClock


def _run(budget: object, env: dict[str, str], clock: VirtualClock, sends: int, *, learn: bool = False) -> RateLimiter:
    limiter = RateLimiter(budget, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    log = SendLog.for_key(env, "https://eu.posthog.com", "phx_secret", clock)
    log.restore(limiter)
    for _ in range(sends):
        with limiter.slot("api"):
            pass
    if learn:
        limiter.throttled("api")
    log.save(limiter)
    return limiter


def test_a_second_run_spends_what_the_first_left(tmp_path: Path) -> None:
    env = {"EXPCTL_CACHE_DIR": str(tmp_path)}
    clock = VirtualClock(start=500.0)
    _run(CLOUD_BUDGET, env, clock, 300)
    (stored,) = tmp_path.glob("sent-*.json")
    assert "phx_secret" not in stored.name and "phx_secret" not in stored.read_text()
    assert len(json.loads(stored.read_text())["sent"]["api"]) == 300
    clock.slept.clear()
    _run(CLOUD_BUDGET, env, clock, 180)
    assert clock.slept == [], "300 + 180 fit in one minute"
    _run(CLOUD_BUDGET, env, clock, 1)
    assert 59.0 <= sum(clock.slept) <= 62.0, "the 481st request of the minute waits, though in a third run"
    assert len(json.loads(stored.read_text())["sent"]["api"]) == 481, "each request once"


def test_limits_learned_from_a_429_carry_over(tmp_path: Path) -> None:
    env = {"EXPCTL_CACHE_DIR": str(tmp_path)}
    clock = VirtualClock()
    _run(UNLIMITED_BUDGET, env, clock, 10, learn=True)
    # the server let 9 through in that minute (the 10th was refused): the next run starts from that
    assert _run(UNLIMITED_BUDGET, env, clock, 0).windows("api") == (Window(9, 60.0),)


def test_no_cache_no_file(tmp_path: Path) -> None:
    _run(CLOUD_BUDGET, {"EXPCTL_CACHE_DIR": str(tmp_path / "c"), "EXPCTL_NO_CACHE": "1"}, VirtualClock(), 5)
    assert not (tmp_path / "c").exists()


def test_an_unpaced_run_leaves_nothing_and_a_broken_file_is_ignored(tmp_path: Path) -> None:
    env = {"EXPCTL_CACHE_DIR": str(tmp_path / "c")}
    _run(UNLIMITED_BUDGET, env, VirtualClock(), 5)
    assert not (tmp_path / "c").exists()
    log = SendLog.for_key(env, "https://eu.posthog.com", "phx_secret")
    assert log.path is not None
    log.path.parent.mkdir()
    log.path.write_text("{not json")
    _run(CLOUD_BUDGET, env, VirtualClock(), 5)
    assert len(json.loads(log.path.read_text())["sent"]["api"]) == 5
