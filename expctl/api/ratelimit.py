"""A client-side request budget shared by every thread of one run.

PostHog Cloud throttles personal-API-key traffic per key with sliding windows
(480 requests/minute and 4,800/hour on every endpoint; 240/minute and 2,400/hour on
the query endpoint, which also allows only 3 concurrent queries per team). Keeping a
log of our own send times and waiting for the oldest to leave the window means bulk
work slows down instead of collecting 429s. Self-hosted PostHog has throttling off by
default, so the ``auto`` budget applies Cloud's limits only to Cloud hosts.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from expctl.errors import UsageError

# A little slack so that arrival-time jitter at the server never puts us one over.
_MARGIN_SECONDS = 0.05
_MARGIN_FRACTION = 0.02


class Window(NamedTuple):
    requests: int
    seconds: float


class Budget(NamedTuple):
    """Sliding windows for ordinary endpoints and for the query endpoint."""

    api: tuple[Window, ...]
    query: tuple[Window, ...]
    query_concurrency: int | None

    @property
    def enabled(self) -> bool:
        return bool(self.api or self.query or self.query_concurrency)


CLOUD_BUDGET = Budget(
    api=(Window(480, 60.0), Window(4800, 3600.0)),
    query=(Window(240, 60.0), Window(2400, 3600.0)),
    query_concurrency=3,
)
# Self-hosted servers usually do not throttle, but PostHog still runs at most a few
# queries at once per team; staying at 3 costs nothing and avoids concurrency 429s.
UNLIMITED_BUDGET = Budget(api=(), query=(), query_concurrency=3)

_PERIODS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hour": 3600.0}


def parse_budget(spec: str, *, is_cloud: bool) -> Budget:
    """``auto`` | ``cloud`` | ``off`` | ``N/period`` (period: s, min, hour or ``<seconds>s``).

    A custom ``N/period`` applies to every endpoint; the query endpoint gets half of it
    (PostHog's own ratio) and keeps the 3-query concurrency cap.
    """
    if spec == "auto":
        return CLOUD_BUDGET if is_cloud else UNLIMITED_BUDGET
    if spec == "cloud":
        return CLOUD_BUDGET
    if spec == "off":
        return Budget(api=(), query=(), query_concurrency=None)
    match = re.fullmatch(r"([0-9]+)/(s|sec|m|min|h|hour|([0-9]+(?:\.[0-9]+)?)s)", spec)
    if not match:
        raise UsageError(f"rate limit {spec!r} is not understood")
    count = int(match.group(1))
    seconds = float(match.group(3)) if match.group(3) else _PERIODS[match.group(2)]
    if count < 1 or seconds <= 0:
        raise UsageError(f"rate limit {spec!r} must allow at least one request per period")
    return Budget(
        api=(Window(count, seconds),),
        query=(Window(max(1, count // 2), seconds),),
        query_concurrency=3,
    )


class _SlidingLog:
    def __init__(self, window: Window) -> None:
        self.window = window
        self.sent: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        span = self.window.seconds * (1 + _MARGIN_FRACTION) + _MARGIN_SECONDS
        while self.sent and now - self.sent[0] >= span:
            self.sent.popleft()
        if len(self.sent) < self.window.requests:
            return 0.0
        return self.sent[0] + span - now


class RateLimiter:
    """Blocks callers until a request fits every window of its bucket."""

    def __init__(
        self,
        budget: Budget,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        self.budget = budget
        self._clock = clock
        self._sleep = sleep
        self._on_wait = on_wait
        self._lock = threading.Lock()
        self._logs = {
            "api": [_SlidingLog(w) for w in budget.api],
            "query": [_SlidingLog(w) for w in budget.query],
        }
        self._query_slots = threading.BoundedSemaphore(budget.query_concurrency) if budget.query_concurrency else None
        self.waited_seconds = 0.0

    @contextmanager
    def slot(self, bucket: str) -> Iterator[None]:
        """Hold a place for one request: concurrency first, then the windows."""
        semaphore = self._query_slots if bucket == "query" else None
        if semaphore is not None:
            semaphore.acquire()
        try:
            self._take(bucket)
            yield
        finally:
            if semaphore is not None:
                semaphore.release()

    def _take(self, bucket: str) -> None:
        logs = self._logs.get(bucket, [])
        if not logs:
            return
        announced = False
        while True:
            with self._lock:
                now = self._clock()
                wait = max((log.wait_needed(now) for log in logs), default=0.0)
                if wait <= 0:
                    for log in logs:
                        log.sent.append(now)
                    return
            if not announced and wait > 1.0 and self._on_wait is not None:
                self._on_wait(wait)
                announced = True
            pause = min(wait, 1.0)
            self.waited_seconds += pause
            self._sleep(pause)
