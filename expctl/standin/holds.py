"""Requests held in the stand-in until something happens: how a test proves overlap and
order without measuring time.

A :class:`Barrier` holds the first ``count`` matching requests until all ``count`` have
arrived, then lets them go together: if it is ``met``, that many were in flight at once,
whatever the machine's speed. A :class:`Gate` holds every matching request until the
test opens it, and tells the test how many are waiting: the test acts (sends Ctrl-C, reads
a process's arguments, reads a pipe) at a known point of the client's work.

Both give up after a generous ``deadline`` (the request then proceeds, and a barrier is
not ``met``), so a client that never sends what the test expects fails the test instead
of hanging it. Not PostHog behaviour: test machinery, shared by both tiers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

DEADLINE = 60.0  # seconds; only ever reached when the client does not do what the test expects
UNHELD = "x-standin-unheld"  # a request header (lower case, as FakeRequest keeps them): never held


@dataclass
class _Match:
    method: str | None
    path_contains: str | tuple[str, ...]  # a part of the path, or any of several
    query_has: str | None = None  # a query parameter that must be present (e.g. "offset")

    def matches(self, method: str, path: str, query: dict[str, list[str]]) -> bool:
        if self.method is not None and method != self.method:
            return False
        needles = (self.path_contains,) if isinstance(self.path_contains, str) else self.path_contains
        if not any(needle in path for needle in needles):
            return False
        return self.query_has is None or self.query_has in query


@dataclass
class Barrier(_Match):
    count: int = 2
    deadline: float = DEADLINE
    arrived: int = 0
    met: bool = False
    timed_out: bool = False  # one gave up waiting: they came one after another
    _all_here: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hold(self) -> None:
        with self._lock:
            if self.arrived >= self.count:
                return  # the barrier has done its job; later requests pass
            self.arrived += 1
            if self.arrived == self.count:
                self.met = not self.timed_out  # met only while every one before was held
                self._all_here.set()
                return
        if not self._all_here.wait(self.deadline):
            with self._lock:
                self.timed_out = True


@dataclass
class Gate(_Match):
    let_through: int = 0  # the first this many matching requests pass; the rest wait
    deadline: float = DEADLINE
    waiting: int = 0
    passed: int = 0
    _open: threading.Event = field(default_factory=threading.Event)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def hold(self) -> None:
        if self._open.is_set():
            return
        with self._changed:
            if self.passed < self.let_through:
                self.passed += 1
                return
            self.waiting += 1
            self._changed.notify_all()
        self._open.wait(self.deadline)

    def wait_for(self, count: int, timeout: float = DEADLINE) -> bool:
        """Block the test until ``count`` requests wait at the gate (True), or ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: self.waiting >= count, timeout)

    def open(self) -> None:
        self._open.set()


class Holds:
    """The barriers and gates a test has set on one stand-in."""

    def __init__(self) -> None:
        self._holds: list[Barrier | Gate] = []
        self._lock = threading.Lock()

    def barrier(
        self,
        count: int,
        *,
        method: str | None = None,
        path_contains: str | tuple[str, ...] = "",
        query_has: str | None = None,
    ) -> Barrier:
        made = Barrier(method, path_contains, query_has, count=count)
        with self._lock:
            self._holds.append(made)
        return made

    def gate(
        self, *, method: str | None = None, path_contains: str = "", query_has: str | None = None, let_through: int = 0
    ) -> Gate:
        made = Gate(method, path_contains, query_has, let_through=let_through)
        with self._lock:
            self._holds.append(made)
        return made

    def wait(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        """Hold one request at every barrier and gate it matches, in the order they were set."""
        with self._lock:
            matching = [hold for hold in self._holds if hold.matches(method, path, query)]
        for hold in matching:
            hold.hold()

    def release_all(self) -> None:
        """Open every gate (a stopping server must not keep a request forever)."""
        with self._lock:
            holds = list(self._holds)
        for hold in holds:
            if isinstance(hold, Gate):
                hold.open()
