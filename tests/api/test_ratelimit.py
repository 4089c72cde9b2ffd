"""The client-side request budget."""

from __future__ import annotations

import itertools

import pytest

from expctl.api.ratelimit import CLOUD_BUDGET, UNLIMITED_BUDGET, Budget, RateLimiter, Window, parse_budget
from expctl.errors import UsageError
from tests.support.clock import VirtualClock as Clock


def test_budget_parsing() -> None:
    assert parse_budget("auto", is_cloud=True) is CLOUD_BUDGET
    assert parse_budget("auto", is_cloud=False) is UNLIMITED_BUDGET
    assert parse_budget("cloud", is_cloud=False) is CLOUD_BUDGET
    assert parse_budget("off", is_cloud=True).enabled is False
    custom = parse_budget("100/5s", is_cloud=False)
    assert custom.api == (Window(100, 5.0),) and custom.query == (Window(50, 5.0),)
    assert parse_budget("480/min", is_cloud=False).api == (Window(480, 60.0),)
    with pytest.raises(UsageError):
        parse_budget("fast", is_cloud=False)


def test_requests_beyond_the_window_wait_for_it_to_slide() -> None:
    clock = Clock()
    limiter = RateLimiter(
        Budget(api=(Window(3, 10.0),), query=(), query_concurrency=None), clock=clock, sleep=clock.sleep
    )
    for _ in range(3):
        with limiter.slot("api"):
            pass
    assert clock.now == 0.0
    with limiter.slot("api"):
        pass
    assert clock.now >= 10.0, "the fourth request waits until the first leaves the window"
    assert clock.now < 10.5


def test_query_concurrency_is_capped() -> None:
    import threading

    from expctl.standin.holds import Barrier

    limiter = RateLimiter(UNLIMITED_BUDGET)
    running = {"now": 0, "max": 0}
    lock = threading.Lock()
    three = Barrier(None, "", count=3)  # the first three wait for each other: three at once

    def work() -> None:
        with limiter.slot("query"):
            with lock:
                running["now"] += 1
                running["max"] = max(running["max"], running["now"])
            three.hold()
            with lock:
                running["now"] -= 1

    threads = [threading.Thread(target=work) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert three.met and running["max"] == 3


def _sent_at(limiter: RateLimiter, clock: Clock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        with limiter.slot("api"):
            times.append(clock.now)
    return times


def test_a_429_without_a_budget_adopts_posthogs_published_limits() -> None:
    clock = Clock()
    waits: list[tuple[float, str]] = []
    limiter = RateLimiter(UNLIMITED_BUDGET, clock=clock, sleep=clock.sleep, on_wait=lambda s, r: waits.append((s, r)))
    assert _sent_at(limiter, clock, 480)[-1] == 0.0, "no budget: nothing waits"
    said = limiter.throttled("api")
    assert said is not None and "480 requests a minute, 4,800 an hour" in said
    assert limiter.throttled("api") is None, "the other in-flight 429s of the burst change nothing"
    assert limiter.windows("api") == CLOUD_BUDGET.api
    (first_after,) = _sent_at(limiter, clock, 1)
    assert 60.0 <= first_after <= 62.0, "the 480 already sent count: the next waits for the window"
    assert waits and "PostHog allows 480 requests a minute" in waits[0][1]


def test_a_429_inside_the_budget_lowers_it_by_a_quarter() -> None:
    clock = Clock()
    limiter = RateLimiter(Budget(api=(Window(8, 10.0),), query=(), query_concurrency=None), clock=clock)
    said = limiter.throttled("api")
    assert said is not None and "another client" in said and "6 requests per 10 s" in said
    assert limiter.windows("api") == (Window(6, 10.0),)
    clock.now += 61
    limiter.throttled("api")
    assert limiter.windows("api") == (Window(4, 10.0),), "again a minute later"


def test_pacing_turned_off_is_never_turned_back_on() -> None:
    limiter = RateLimiter(parse_budget("off", is_cloud=True))
    assert limiter.throttled("api") is None and limiter.windows("api") == ()


def test_once_a_window_binds_the_rest_of_the_run_is_spread_evenly() -> None:
    clock = Clock()
    limiter = RateLimiter(
        Budget(api=(Window(4, 10.0),), query=(), query_concurrency=None), clock=clock, sleep=clock.sleep
    )
    times = _sent_at(limiter, clock, 10)
    assert times[:4] == [0.0] * 4, "a short run is never slowed"
    gaps = [round(b - a, 2) for a, b in itertools.pairwise(times[4:])]
    assert all(gap >= 2.5 for gap in gaps), gaps  # 10 s / 4 requests, not four at once
    for index, start in enumerate(times):
        inside = [t for t in times if start <= t < start + 10.0]
        assert len(inside) <= 4, (index, times)
