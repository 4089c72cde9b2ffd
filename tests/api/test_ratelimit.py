"""The client-side request budget."""

from __future__ import annotations

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
    import time

    limiter = RateLimiter(UNLIMITED_BUDGET)
    running = {"now": 0, "max": 0}
    lock = threading.Lock()

    def work() -> None:
        with limiter.slot("query"):
            with lock:
                running["now"] += 1
                running["max"] = max(running["max"], running["now"])
            time.sleep(0.02)
            with lock:
                running["now"] -= 1

    threads = [threading.Thread(target=work) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert running["max"] == 3
