"""A client-side request budget shared by every thread of one run.

PostHog Cloud throttles personal-API-key traffic per key with sliding windows
(480 requests/minute and 4,800/hour on every endpoint; 240/minute and 2,400/hour on
the query endpoint, which also allows only 3 concurrent queries per team). Keeping a
log of our own send times and waiting for the oldest to leave the window means bulk
work slows down instead of collecting 429s. Self-hosted PostHog has throttling off by
default, so the ``auto`` budget applies Cloud's limits only to Cloud hosts, and learns
them from the first 429 anywhere else.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
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
    """Sliding windows for ordinary endpoints and for the query endpoint.

    ``adaptive``: a 429 may tighten the windows (see ``RateLimiter``); off when the user
    turned pacing off (``--rate-limit off``).
    """

    api: tuple[Window, ...]
    query: tuple[Window, ...]
    query_concurrency: int | None
    adaptive: bool = True

    @property
    def enabled(self) -> bool:
        return bool(self.api or self.query or self.query_concurrency)


# PostHog's own throttles (posthog/rate_limit.py): BurstRateThrottle "480/minute" and
# SustainedRateThrottle "4800/hour" on every endpoint, per personal API key. The query
# endpoint (QueryViewSet.get_throttles, posthog/api/query.py) uses
# ClickHouseBurstRateThrottle "240/minute" and ClickHouseSustainedRateThrottle "1200/hour"
# unless the team is on the newer API-queries throttles (API_QUERIES_PER_TEAM, the
# api-queries-concurrency feature), whose sustained rate is higher: 1,200 an hour is the
# rate every team can count on (a 429 teaches more, see adaptive).
CLOUD_BUDGET = Budget(
    api=(Window(480, 60.0), Window(4800, 3600.0)),
    query=(Window(240, 60.0), Window(1200, 3600.0)),
    query_concurrency=3,
)
# Self-hosted servers usually do not throttle, but PostHog still runs at most a few
# queries at once per team; staying at 3 costs nothing and avoids concurrency 429s.
UNLIMITED_BUDGET = Budget(api=(), query=(), query_concurrency=3)
PUBLISHED = CLOUD_BUDGET
# Send times are kept for the longest window PostHog has (an hour), at most LOG_KEEP per
# bucket, trimmed in batches; the carried budget (cli/state/send_log.py) keeps as many.
LOG_SECONDS = 3600.0 * (1 + _MARGIN_FRACTION) + _MARGIN_SECONDS
LOG_KEEP = 5000

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
        return Budget(api=(), query=(), query_concurrency=None, adaptive=False)
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


class RateLimiter:
    """Blocks callers until a request fits every window of its bucket.

    Three behaviours beyond the windows themselves:

    * **Learning.** A 429 teaches the budget from what the server let through: the
      requests sent in the last minute (or hour) when it came, less the one refused. A
      host with no known limit that allowed PostHog's published rate gets those limits;
      one limited to 60 a minute gets 60 a minute, whatever it says (a self-hosted
      server sends no Retry-After). A 429 inside the budget (another limit of the
      server's, or another client on the key) tightens the window that bound. At most
      once a minute per bucket: the requests in flight come back 429 together. What was
      learned carries to the next run (``cli/state/send_log.py``).
    * **Even pacing.** Once a window has made the run wait, the rest of the run sends at
      that window's average rate (one request every ``seconds / requests``) instead of
      in bursts each time the window slides: the same throughput, room left for anyone
      else on the key, and progress that moves steadily.
    * **Saying so.** ``on_wait(seconds, reason)`` is told of every wait over a second.
    """

    def __init__(
        self,
        budget: Budget,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        self.budget = budget
        self._clock = clock
        self._sleep = sleep
        self._on_wait = on_wait
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[Window, ...]] = {"api": budget.api, "query": budget.query}
        self._sent: dict[str, list[float]] = {"api": [], "query": []}  # admission times, oldest first
        self._spacing: dict[str, float] = {"api": 0.0, "query": 0.0}
        self._adjusted: dict[str, float] = {}
        self._learned: dict[str, tuple[Window, ...]] = {}
        self._query_slots = threading.BoundedSemaphore(budget.query_concurrency) if budget.query_concurrency else None
        self.waited_seconds = 0.0

    def windows(self, bucket: str) -> tuple[Window, ...]:
        return self._windows.get(bucket, ())

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

    def throttled(self, bucket: str) -> str | None:
        """PostHog answered 429: learn the budget from what it let through, and say how
        (None when it was just adjusted: the requests in flight come back 429 together)."""
        if not self.budget.adaptive or bucket not in self._windows:
            return None
        with self._lock:
            now = self._clock()
            if now - self._adjusted.get(bucket, float("-inf")) < 60.0:
                return None
            self._adjusted[bucket] = now
            current = self._windows[bucket]
            published = PUBLISHED.query if bucket == "query" else PUBLISHED.api
            learned = _learn(current, self._sent[bucket], now, published)
            self._windows[bucket] = learned
            self._learned[bucket] = learned
            if not current:
                what = "its published limits" if learned == published else "what it let through"
                return f"PostHog is throttling this key: pacing to {what} ({describe(learned)}) from now on"
            return (
                f"PostHog throttled a request inside expctl's budget (a limit of this server's, or another "
                f"client on the key): pacing to {describe(learned)} from now on"
            )

    def recent(self) -> tuple[dict[str, list[float]], dict[str, tuple[Window, ...]]]:
        """What a later run needs to go on where this one stopped: the send times of the
        last hour per bucket (this limiter's clock), and the windows a 429 taught it.
        Empty for a run with no budget to keep."""
        with self._lock:
            paced = [bucket for bucket, windows in self._windows.items() if windows]
            now = self._clock()
            sent = {b: [t for t in self._sent[b][-LOG_KEEP:] if now - t < LOG_SECONDS] for b in paced}
            return sent, dict(self._learned)

    def resume(self, sent: Mapping[str, list[float]], learned: Mapping[str, tuple[Window, ...]]) -> None:
        """Count an earlier run's requests (this limiter's clock) and the windows it learned."""
        with self._lock:
            for bucket, windows in learned.items():
                if bucket in self._windows and windows and self.budget.adaptive:
                    self._windows[bucket] = _tighter(self._windows[bucket], windows)
                    self._learned[bucket] = self._windows[bucket]
            for bucket, times in sent.items():
                if bucket in self._sent:
                    self._sent[bucket] = sorted([*self._sent[bucket], *times])[-LOG_KEEP:]

    def _take(self, bucket: str) -> None:
        sent = self._sent.get(bucket)
        if sent is None:
            return
        while True:
            with self._lock:
                now = self._clock()
                wait, binding = self._wait_needed(bucket, now)
                if wait <= 0:
                    sent.append(now)
                    if len(sent) > 2 * LOG_KEEP and now - sent[0] > LOG_SECONDS:
                        del sent[: bisect.bisect_left(sent, now - LOG_SECONDS)]
                    return
                if binding is not None:
                    self._spacing[bucket] = max(self._spacing[bucket], binding.seconds / binding.requests)
            if wait > 1.0 and self._on_wait is not None and binding is not None:
                self._on_wait(wait, f"PostHog allows {describe((binding,))} per API key")
            pause = min(wait, 1.0) if binding is not None else wait
            self.waited_seconds += pause
            self._sleep(pause)

    def _wait_needed(self, bucket: str, now: float) -> tuple[float, Window | None]:
        """Seconds until a request fits, and the window that holds it back (None: only the
        even spacing does)."""
        sent = self._sent[bucket]
        longest, binding = 0.0, None
        for window in self._windows[bucket]:
            span = window.seconds * (1 + _MARGIN_FRACTION) + _MARGIN_SECONDS
            first_inside = bisect.bisect_left(sent, now - span)
            inside = len(sent) - first_inside
            if inside >= window.requests:
                wait = sent[first_inside + inside - window.requests] + span - now
                if wait > longest:
                    longest, binding = wait, window
        spacing = self._spacing[bucket]
        if binding is None and spacing and sent:
            longest = max(longest, sent[-1] + spacing - now)
        return longest, binding


MIN_OBSERVED = 10  # fewer requests than this in the window tell nothing of its limit


def _learn(
    current: tuple[Window, ...], sent: list[float], now: float, published: tuple[Window, ...]
) -> tuple[Window, ...]:
    """The windows to pace by after a 429, from the admissions the server saw in the
    minute and the hour before it (the last of them is the one it refused)."""

    def within(seconds: float) -> int:
        return len(sent) - bisect.bisect_left(sent, now - seconds)

    minute, hour = within(60.0), within(3600.0)
    if not current:
        if minute >= published[0].requests or minute < MIN_OBSERVED:
            # it allowed PostHog's published rate (it is PostHog's throttle), or too few
            # were sent to tell: PostHog's published limits
            return published
        allowed = (Window(max(1, minute - 1), 60.0),)
        return allowed if hour <= minute else (*allowed, Window(max(1, hour - 1), 3600.0))
    by_length = {w.seconds: w for w in current}
    per_minute = by_length.get(60.0)
    if minute < MIN_OBSERVED and hour < MIN_OBSERVED:
        return tuple(Window(max(1, w.requests * 3 // 4), w.seconds) for w in current)
    if per_minute is not None and minute >= per_minute.requests * 0.9:
        tighter = Window(max(1, min(minute - 1, per_minute.requests * 3 // 4)), 60.0)
    elif hour > 0 and (60.0 not in by_length or minute < hour):
        per_hour = by_length.get(3600.0)
        limit = max(1, hour - 1) if per_hour is None else max(1, min(hour - 1, per_hour.requests * 3 // 4))
        tighter = Window(limit, 3600.0)
    else:
        return tuple(Window(max(1, w.requests * 3 // 4), w.seconds) for w in current)
    return tuple(sorted({**by_length, tighter.seconds: tighter}.values(), key=lambda w: w.seconds))


def _tighter(current: tuple[Window, ...], learned: tuple[Window, ...]) -> tuple[Window, ...]:
    """Each window at the lower of the two limits; a window only one has is kept."""
    merged = {w.seconds: w for w in current}
    for window in learned:
        known = merged.get(window.seconds)
        merged[window.seconds] = window if known is None or window.requests < known.requests else known
    return tuple(sorted(merged.values(), key=lambda w: w.seconds))


def describe(windows: tuple[Window, ...]) -> str:
    """``480 requests a minute, 4,800 an hour``."""
    names = {1.0: "a second", 60.0: "a minute", 3600.0: "an hour"}
    parts = []
    for index, window in enumerate(windows):
        period = names.get(window.seconds, f"per {window.seconds:g} s")
        noun = " requests" if index == 0 else ""
        parts.append(f"{window.requests:,}{noun} {period}")
    return ", ".join(parts)
