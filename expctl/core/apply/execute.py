"""Carry out a plan: create, patch and move experiments, concurrently and safely.

The API is reached through the :class:`~expctl.core.apply.backend.Backend` protocol, so this module stays free of HTTP
and printing. Independent experiments are applied in parallel (the client's rate limiter
paces them); each experiment's own steps run in order. A failure on one experiment does
not stop the others. When ``stop`` is set (Ctrl-C), no new write starts; writes already
in flight finish.

Creates are never doubled: a create whose flag key turns out to be taken is resolved by
looking the key up, and after every create the experiments using that key are listed; if
a concurrent run created one too, the oldest wins and the newer one is deleted, so two
simultaneous applies of one spec leave exactly one experiment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from expctl.core.apply.backend import Backend
from expctl.core.apply.items import CREATE, ERROR, PlanItem
from expctl.core.apply.plan import Plan
from expctl.core.lifecycle import check_move
from expctl.core.specs.load import Spec
from expctl.core.specs.readback import needs_full_object
from expctl.errors import ExpctlError, RejectedError

PAST = {"launch": "launched", "pause": "paused", "resume": "resumed", "end": "ended"}
Row = TypeVar("Row", bound=Mapping[str, Any])


class FullObjects(Protocol):
    """Full experiments kept from earlier runs (``cli/state/experiment_cache.py``): one whose version
    matches a list row stands in for a GET."""

    def full(self, row: Mapping[str, Any]) -> dict[str, Any] | None: ...

    def remember(self, experiment: Mapping[str, Any]) -> None: ...


@dataclass
class LoadStats:
    listed: int = 0
    fetched: int = 0
    cached: int = 0


def load_state(
    backend: Backend,
    specs: Sequence[Spec],
    *,
    parallel: int = 8,
    stats: LoadStats | None = None,
    shared: dict[str, list[int]] | None = None,
    known: FullObjects | None = None,
) -> dict[str, dict[str, Any]]:
    """Flag key -> experiment, for every spec that has one: one pass over the list (a
    second over archived experiments only if some spec is still unmatched), then a GET
    only where the list row lacks a field the spec manages.

    A key that several experiments use is matched by :func:`managed_experiment`; when
    that cannot decide, the key goes into ``shared`` (key -> ids) instead, and the plan
    refuses it rather than guess. ``known`` answers for a GET where it holds the very
    version the list row shows, and keeps what is fetched.
    """
    stats = stats if stats is not None else LoadStats()
    wanted = {spec.flag_key: spec for spec in specs}
    if not wanted:  # only holdouts or shared metrics: no experiment to read
        return {}
    users: dict[str, list[dict[str, Any]]] = {}
    for archived in (False, True):
        if archived and len(users) == len(wanted):
            break
        for row in backend.list_experiments(archived=archived):
            stats.listed += 1
            key = row.get("feature_flag_key")
            if key in wanted and (not archived or key not in users):
                users.setdefault(key, []).append(row)
    found: dict[str, dict[str, Any]] = {}
    for key, rows in users.items():
        chosen, ambiguous = managed_experiment(rows)
        if chosen is not None:
            found[key] = chosen
        elif shared is not None:
            shared[key] = ambiguous
    needing = [key for key, row in found.items() if needs_full_object(list(wanted[key].data), row)]
    _fill_in(found, needing, backend, parallel, stats, known)
    return found


def _fill_in(
    found: dict[str, dict[str, Any]],
    keys: Sequence[str],
    backend: Backend,
    parallel: int,
    stats: LoadStats,
    known: FullObjects | None,
) -> None:
    """Replace these list rows by full experiments: kept ones where their version matches,
    the rest fetched in parallel (and kept)."""
    to_fetch = []
    for key in keys:
        cached = known.full(found[key]) if known is not None else None
        if cached is None:
            to_fetch.append(key)
        else:
            found[key] = cached
            stats.cached += 1
    if not to_fetch:
        return
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="expctl-get") as pool:
        fulls = pool.map(lambda key: backend.get(int(found[key]["id"])), to_fetch)
        for key, full in zip(to_fetch, fulls, strict=True):
            found[key] = full
            stats.fetched += 1
            if known is not None:
                known.remember(full)


def managed_experiment(rows: Sequence[Row]) -> tuple[Row | None, list[int]]:
    """Which of the experiments sharing one flag key a spec manages: the one not archived
    (re-running a test on the same flag leaves the old runs archived), else the only one.
    Returns (that experiment, []), or (None, the ids in question) when it is ambiguous."""
    live = [row for row in rows if not row.get("archived")]
    pool = live or list(rows)
    if len(pool) == 1:
        return pool[0], []
    return None, sorted(int(row.get("id") or 0) for row in pool)


@dataclass
class Outcome:
    item: PlanItem[Spec]
    experiment: dict[str, Any] | None = None
    steps: list[str] = field(default_factory=list)  # created, updated, launched, ...
    error: ExpctlError | None = None
    skipped: bool = False  # interrupted before it started, or before its last step
    found_existing: bool = False  # another run created it first
    finished_after_stop: bool = False  # in flight at Ctrl-C and let finish its write
    corrected: bool = False  # reported once already, then found created by another run first

    @property
    def key(self) -> str:
        return self.item.key


@dataclass
class Execution:
    outcomes: list[Outcome]
    interrupted: bool = False


def execute(
    plan: Plan,
    backend: Backend,
    *,
    parallel: int = 8,
    stop: threading.Event | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Execution:
    """Apply every pending item. When ``stop`` is set (the command's Ctrl-C handler) or
    Python's KeyboardInterrupt arrives: start nothing new, let running items finish their
    current write, and report the rest as not started."""
    stop = stop or threading.Event()
    work = [item for item in plan.items if item.pending and item.action != ERROR]
    runs = _Runs(backend, stop, on_outcome)
    pool = ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="expctl-apply")
    try:
        futures = [pool.submit(runs.run, index, item) for index, item in enumerate(work)]
        for future in futures:
            future.result()
    except KeyboardInterrupt:  # no handler of the command's: Python's own Ctrl-C
        stop.set()
    finally:
        _wait_for_writes_in_flight(pool, stop)
    outcomes = [runs.done.get(index) or Outcome(item, skipped=True) for index, item in enumerate(work)]
    for outcome in _settle_races(outcomes, backend):
        outcome.corrected = True
        if on_outcome is not None:
            on_outcome(outcome)  # said again: what this run's line for it said has changed
    return Execution(outcomes, interrupted=stop.is_set())


class _Runs:
    """The items of one execution as the pool's threads carry them out."""

    def __init__(self, backend: Backend, stop: threading.Event, on_outcome: Callable[[Outcome], None] | None) -> None:
        self.backend = backend
        self.stop = stop
        self.on_outcome = on_outcome
        self.done: dict[int, Outcome] = {}
        self._lock = threading.Lock()

    def run(self, index: int, item: PlanItem[Spec]) -> None:
        outcome = Outcome(item)
        if self.stop.is_set():
            outcome.skipped = True
        else:
            try:
                _apply_item(item, self.backend, outcome, self.stop)
            except ExpctlError as exc:
                outcome.error = exc
            outcome.finished_after_stop = self.stop.is_set()
        with self._lock:
            self.done[index] = outcome
        if self.on_outcome is not None:
            self.on_outcome(outcome)


def _wait_for_writes_in_flight(pool: ThreadPoolExecutor, stop: threading.Event) -> None:
    """Let running items finish their current write. A second (or third) Ctrl-C while
    they do must not cut the summary off: it is noted and the wait goes on."""
    while True:
        try:
            pool.shutdown(wait=True, cancel_futures=True)
            return
        except KeyboardInterrupt:
            stop.set()


def _apply_item(item: PlanItem[Spec], backend: Backend, outcome: Outcome, stop: threading.Event) -> None:
    experiment = item.current
    if item.action == CREATE:
        assert item.create_body is not None
        experiment = _create_once(item, backend, outcome)
        if outcome.found_existing:
            return
    elif item.patch:
        assert experiment is not None
        experiment = backend.update(int(experiment["id"]), item.patch, read=experiment, notes=outcome.steps)
        outcome.steps.append("updated")
    outcome.experiment = experiment
    for verb in item.moves:
        if stop.is_set():
            outcome.skipped = True
            return
        assert experiment is not None
        check_move(verb, experiment, item.key)  # the plan chose legal moves; the state may have changed since
        experiment = backend.move(verb, experiment)
        outcome.experiment = experiment
        outcome.steps.append(PAST[verb])


def _create_once(item: PlanItem[Spec], backend: Backend, outcome: Outcome) -> dict[str, Any]:
    assert item.create_body is not None
    key = item.key
    try:
        created = backend.create(item.create_body, notes=outcome.steps)
    except RejectedError:
        existing = backend.experiments_with_key(key)
        if not existing:
            raise
        outcome.found_existing = True
        outcome.experiment = backend.get(int(existing[0]["id"]))  # the full object: a list row is not one
        return outcome.experiment
    outcome.steps.append("created")
    return created


def _settle_races(outcomes: Sequence[Outcome], backend: Backend) -> list[Outcome]:
    """Never twice, at the price of one scan a run: another run (another machine: the
    lock is per machine) may have created the same spec while this one did. Once every
    create is done, the flag keys this run created are looked up together; where an
    older experiment has the key, theirs is kept and ours removed. What we remember of
    theirs is what a GET answers, never its list row (which lacks metrics: a later plan
    would think this PostHog has no such field). Returns the outcomes it changed."""
    created = {o.key: o for o in outcomes if "created" in o.steps and o.experiment is not None and o.error is None}
    if not created:
        return []
    try:
        found = backend.experiments_with_keys(list(created))
    except ExpctlError:
        return []  # PostHog cannot be asked now: this run's creates stand, as they would alone
    changed = []
    for key, outcome in created.items():
        assert outcome.experiment is not None
        winner = (found.get(key) or [outcome.experiment])[0]
        if int(winner["id"]) == int(outcome.experiment["id"]):
            continue
        try:
            backend.delete(int(outcome.experiment["id"]))
            outcome.experiment = backend.get(int(winner["id"]))
        except ExpctlError as exc:
            outcome.error = exc
        outcome.steps.remove("created")
        outcome.found_existing = True
        changed.append(outcome)
    return changed


def summary(plan: Plan, outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}

    def bump(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    for outcome in outcomes:
        if outcome.error is not None:
            bump("failed")
        elif outcome.skipped and not outcome.steps:
            bump("not started")
        elif outcome.found_existing:
            bump("found existing")
        for step in outcome.steps:
            bump(step)
    unchanged = sum(1 for item in plan.items if not item.pending and item.action != ERROR)
    if unchanged:
        counts["unchanged"] = unchanged
    refused = sum(1 for item in plan.items if item.action == ERROR)
    if refused:
        counts["refused"] = refused
    return counts
