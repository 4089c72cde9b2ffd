"""The apply job: read PostHog, plan, confirm, write, under the project's apply lock.

`apply`, `promote` and `diff` share it. Everything it needs comes in as dependencies
(the backend over the API, the experiment cache, the lock, the confirm and progress
hooks), so it runs without typer or a terminal; it returns an :class:`ApplyRun` whose
``ending`` is the error the run ends with (its exit code), raised by the command after
it has shown the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from expctl.errors import AlreadySaidError, ChangesPendingError, ExpctlError, InterruptedByUserError, RejectedError

if TYPE_CHECKING:
    from expctl.core.apply.backend import Backend
    from expctl.core.apply.pipeline import AnyOutcome, Applied
    from expctl.core.apply.plan import Plan
    from expctl.core.specs.load import SpecSet

OutcomeHook = Callable[["AnyOutcome"], None]


class ExperimentStore(Protocol):
    """The experiment cache (``cli/state/experiment_cache.py``) as the job uses it: full
    objects that may stand in for a GET, and the write answers kept for the next run."""

    def full(self, row: Any) -> dict[str, Any] | None: ...

    def remember(self, experiment: Any) -> None: ...

    def save(self) -> None: ...


@dataclass(frozen=True)
class ApplyOptions:
    dry_run: bool = False
    parallel: int = 8


@dataclass
class ApplyDeps:
    backend: Backend
    cache: ExperimentStore
    lock: Callable[[], AbstractContextManager[Any]] = nullcontext
    on_plan: Callable[[Plan], None] = lambda plan: None  # the plan is known (shown in table mode)
    confirm: Callable[[Plan], None] = lambda plan: None  # asks; raises when declined
    reading: Callable[[int], AbstractContextManager[Any]] = lambda count: nullcontext()
    applying: Callable[[int, threading.Event], AbstractContextManager[OutcomeHook]] | None = None
    note: Callable[[str], None] = lambda text: None


@dataclass
class ApplyRun:
    """What happened: the specs' problems (nothing read or sent), or the plan, and what
    applying it did (None: nothing written); ``ending`` is how the run ends."""

    problems: SpecSet | None = None
    plan: Plan | None = None
    applied: Applied | None = None
    ending: ExpctlError | None = None
    planned_only: bool = False  # diff and --dry-run: nothing was to be written
    uncomputable: list[tuple[str, str]] = field(default_factory=list)


def plan_only(load: Callable[[], SpecSet], options: ApplyOptions, deps: ApplyDeps) -> ApplyRun:
    """`diff` and `--dry-run`: the plan, and exit 6 when a spec asks for what PostHog
    refuses, 8 when changes are pending, else 0."""
    specs = load()
    if specs.problems:
        return ApplyRun(problems=specs)
    made = _plan(specs, options, deps)
    deps.on_plan(made)
    return ApplyRun(plan=made, ending=plan_ending(made), planned_only=True)


def run_apply(load: Callable[[], SpecSet], options: ApplyOptions, deps: ApplyDeps) -> ApplyRun:
    """Read, plan, confirm, write: under the apply lock unless only showing the plan."""
    if options.dry_run:
        return plan_only(load, options, deps)
    specs = load()
    if specs.problems:
        return ApplyRun(problems=specs)
    with deps.lock():
        return _locked(specs, options, deps)


def _locked(specs: SpecSet, options: ApplyOptions, deps: ApplyDeps) -> ApplyRun:
    try:
        made = _plan(specs, options, deps)
    except KeyboardInterrupt:
        raise InterruptedByUserError(
            "interrupted while reading PostHog's experiments; nothing was applied", hint="run the same apply again"
        ) from None
    deps.on_plan(made)
    if not made.pending:
        return ApplyRun(plan=made, ending=RejectedError() if made.has_errors else None)
    deps.confirm(made)
    applied = _execute(made, options, deps)
    for outcome in applied.execution.outcomes:  # what PostHog answered is the newest version
        if outcome.experiment is not None:
            deps.cache.remember(outcome.experiment)
    deps.cache.save()
    return ApplyRun(
        plan=made, applied=applied, ending=outcome_ending(made, applied), uncomputable=_uncomputable(applied)
    )


def _plan(specs: SpecSet, options: ApplyOptions, deps: ApplyDeps) -> Plan:
    from expctl.core.apply.pipeline import plan_specs

    with deps.reading(len(specs.specs)):
        made = plan_specs(specs, deps.backend, parallel=options.parallel, known=deps.cache)
    deps.cache.save()
    for text in made.notes:
        deps.note(text)
    return made


def _execute(made: Plan, options: ApplyOptions, deps: ApplyDeps) -> Applied:
    from expctl.core.apply.pipeline import apply_plan

    stop = threading.Event()
    count = sum(1 for item in made.items if item.pending)
    applying = deps.applying or _silent
    with applying(count, stop) as on_outcome:
        return apply_plan(made, deps.backend, parallel=options.parallel, stop=stop, on_outcome=on_outcome)


@contextmanager
def _silent(count: int, stop: threading.Event) -> Iterator[OutcomeHook]:
    yield lambda outcome: None


def plan_ending(made: Plan) -> ExpctlError | None:
    if made.has_errors:
        return RejectedError()
    if made.pending:
        return ChangesPendingError()
    return None


def outcome_ending(made: Plan, applied: Applied) -> ExpctlError | None:
    """130 interrupted, the first failure's code, 6 when the plan refused a spec, else 0."""
    from expctl.core.apply.pipeline import interrupted_summary

    if applied.execution.interrupted:
        _finished, not_applied = interrupted_summary(applied.execution.outcomes)
        return InterruptedByUserError(
            f"interrupted; not applied: {not_applied}", hint="run the same apply again to finish"
        )
    failures = applied.failures
    if failures and failures[0].error is not None:
        return AlreadySaidError(failures[0].error.exit_code)
    return RejectedError() if made.has_errors else None


def _uncomputable(applied: Applied) -> list[tuple[str, str]]:
    """Experiments this apply created with metrics the release cannot compute: the plan
    could not know the release before it answered (it warns for existing ones)."""
    from expctl.core.specs.fields import not_computable_warning

    found = []
    for outcome in applied.execution.outcomes:
        if outcome.item.current is None and outcome.experiment is not None:
            warning = not_computable_warning(outcome.item.spec.data, outcome.experiment)
            if warning:
                found.append((outcome.key, warning))
    return found
