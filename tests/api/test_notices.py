"""What the client says: each line once, every wait counted down (expctl/api/notices.py)."""

from __future__ import annotations

import threading

from expctl.api.notices import Notices
from tests.support.clock import VirtualClock


def test_eight_threads_throttled_together_make_one_line() -> None:
    clock = VirtualClock()
    said: list[str] = []
    notices = Notices(said.append, None, clock)
    line = "PostHog is throttling requests (HTTP 429); retrying in 58.0 s (attempt 2 of 6)"
    threads = [threading.Thread(target=notices.say, args=(line,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    notices.say("another line")
    assert said == [line, "another line"]
    clock.sleep(6)
    notices.say(line)
    assert said[-1] == line and len(said) == 3, "the same event later is a new one"


def test_a_budget_wait_is_said_once_and_counted_down_each_time() -> None:
    clock = VirtualClock()
    said: list[str] = []
    shown: list[float] = []
    notices = Notices(said.append, lambda seconds, reason: shown.append(seconds), clock)
    for left in (41.0, 40.0, 39.0):  # the limiter reports every second while it waits
        notices.budget_wait(left, "PostHog allows 480 requests a minute per API key")
        clock.sleep(1)
    assert said == [
        "waiting 41 s to stay within PostHog's rate limit (PostHog allows 480 requests a minute per API key)"
    ]
    assert shown == [41.0, 40.0, 39.0]
