"""What the client tells the person running it, through the hooks it was given: each line
once, however many threads meet the same thing, and every wait counted down."""

from __future__ import annotations

import threading
from collections.abc import Callable

REPEAT_SECONDS = 5.0  # the same line again within this is the same event, said once


class Notices:
    def __init__(
        self,
        notice: Callable[[str], None] | None,
        waiting: Callable[[float, str], None] | None,
        clock: Callable[[], float],
    ) -> None:
        self._notice = notice
        self._waiting = waiting
        self._clock = clock
        self._lock = threading.Lock()
        self._said: dict[str, float] = {}
        self._announced_until = 0.0

    def say(self, text: str | None) -> None:
        """Said once: eight reads throttled together, each about to wait the same, make
        one line on stderr."""
        if not text or self._notice is None:
            return
        now = self._clock()
        with self._lock:
            if now - self._said.get(text, float("-inf")) < REPEAT_SECONDS:
                return
            self._said[text] = now
        self._notice(text)

    def budget_wait(self, seconds: float, reason: str) -> None:
        """A wait the rate budget imposes: said once per wait (the limiter reports it from
        each thread it holds, and again every second while it lasts), counted down always."""
        until = self._clock() + seconds
        with self._lock:
            new = until > self._announced_until + 2.0
            self._announced_until = max(self._announced_until, until)
        if new:
            self.say(f"waiting {seconds:.0f} s to stay within PostHog's rate limit ({reason})")
        self.show_wait(seconds, reason)

    def show_wait(self, seconds: float, reason: str) -> None:
        if self._waiting is not None:
            self._waiting(seconds, reason)
