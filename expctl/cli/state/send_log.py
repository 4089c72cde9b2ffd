"""The rate budget carried from one run to the next.

PostHog counts a key's requests over the last minute and hour, not per command, so a CI
job that runs `expctl diff` and then `expctl apply` spends one budget. Each run that
paces its requests leaves the send times of the last hour here, and whether PostHog
had to teach it the limits with a 429; the next run with the same host and key starts
from them instead of from an empty window. Two runs at the same moment do not see each
other's requests this way; a 429 inside the budget tightens it (``api.ratelimit``).

One small file per host and key (named by a hash of the key, never the key) under the
cache directory; ``EXPCTL_NO_CACHE=1`` does without it, and a broken file is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from expctl.api.ratelimit import LOG_KEEP, LOG_SECONDS, RateLimiter, Window
from expctl.settings.atomic import read_json_object, write_atomic
from expctl.settings.paths import caching_off, state_file


class SendLog:
    def __init__(self, path: Path | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self._clock = clock
        self._since = float("-inf")  # this run's own requests are those sent after restore()

    @classmethod
    def for_key(
        cls, env: Mapping[str, str], host: str, key: str, clock: Callable[[], float] = time.monotonic
    ) -> SendLog:
        if caching_off(env):
            return cls(None, clock)
        digest = hashlib.sha256(f"{host}|{key}".encode()).hexdigest()[:32]
        return cls(state_file(env, f"sent-{digest}.json"), clock)

    def restore(self, limiter: RateLimiter) -> None:
        stored = self._load()
        offset = self._clock() - time.time()  # wall time -> the limiter's clock
        sent = {bucket: [t + offset for t in times] for bucket, times in _sent(stored).items()}
        limiter.resume(sent, _learned(stored))
        self._since = self._clock()

    def save(self, limiter: RateLimiter) -> None:
        """Merge this run's requests with what is on disk (another run may have written
        since); failures to write are ignored (it is only a cache)."""
        if self.path is None:
            return
        sent, learned = limiter.recent()
        if not sent and not learned:
            return
        offset = time.time() - self._clock()
        hour_ago = time.time() - LOG_SECONDS
        stored = self._load()
        earlier = _sent(stored)
        merged: dict[str, list[float]] = {}
        for bucket in {*sent, *earlier}:
            ours = [m + offset for m in sent.get(bucket, []) if m >= self._since]
            merged[bucket] = sorted(t for t in [*earlier.get(bucket, []), *ours] if t > hour_ago)[-LOG_KEEP:]
        known = _learned(stored)
        known.update(learned)
        payload = {
            "learned": {b: [[w.requests, w.seconds] for w in windows] for b, windows in known.items()},
            "sent": merged,
        }
        with contextlib.suppress(OSError):
            write_atomic(self.path, json.dumps(payload), mode=0o600, durable=False)

    def _load(self) -> dict[str, Any]:
        return read_json_object(self.path)


def _learned(stored: Mapping[str, Any]) -> dict[str, tuple[Window, ...]]:
    """The windows earlier runs learned from a 429, per bucket (what a file of another
    shape holds is learned again)."""
    learned = stored.get("learned")
    if not isinstance(learned, Mapping):
        return {}
    found: dict[str, tuple[Window, ...]] = {}
    for bucket, windows in learned.items():
        if not isinstance(windows, list):
            continue
        parsed = tuple(
            Window(int(w[0]), float(w[1]))
            for w in windows
            if isinstance(w, list) and len(w) == 2 and all(isinstance(v, (int, float)) and v > 0 for v in w)
        )
        if parsed:
            found[str(bucket)] = parsed
    return found


def _sent(stored: Mapping[str, Any]) -> dict[str, list[float]]:
    """The stored send times (wall clock) per bucket, whatever else the file holds."""
    buckets = stored.get("sent")
    if not isinstance(buckets, Mapping):
        return {}
    return {
        str(bucket): [float(t) for t in times if isinstance(t, (int, float)) and not isinstance(t, bool)]
        for bucket, times in buckets.items()
        if isinstance(times, list)
    }
