"""The one apply pipeline, for every kind a spec set holds.

    load (the command) -> plan_specs -> render and confirm (the command) -> apply_plan -> counts

``plan_specs`` reads what the specs need from PostHog (experiments by flag key; holdouts
and shared metrics only when a document or a reference needs them) and plans every kind;
``apply_plan`` makes the holdouts and shared metrics first, puts the ids they got into
the experiments' requests, then applies the experiments. PostHog is reached through one
:class:`~expctl.core.apply.backend.Backend`; nothing here prints.

Holdouts and shared metrics are read only when needed: experiment-only spec sets, and
specs that refer to them by id (as `export` writes them for a key without those scopes),
cost no extra request and need no extra scope.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from expctl.core.apply.backend import Backend
from expctl.core.apply.execute import Execution, FullObjects, Outcome, execute, load_state, summary
from expctl.core.apply.items import CREATE, ERROR, UNCHANGED
from expctl.core.apply.plan import Plan, plan
from expctl.core.apply.resources import ResourceOutcome, apply_resources, directory_of, plan_resources
from expctl.core.specs.load import SpecSet
from expctl.core.specs.references import Directory, resolve, unresolved
from expctl.errors import ApiAuthError
from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

AnyOutcome = Outcome | ResourceOutcome


def plan_specs(specs: SpecSet, backend: Backend, *, parallel: int = 8, known: FullObjects | None = None) -> Plan:
    """What applying ``specs`` would do, from PostHog's current state."""
    shared: dict[str, list[int]] = {}
    state = load_state(backend, specs.specs, parallel=parallel, shared=shared, known=known)
    new_keys = [s.flag_key for s in specs.specs if s.flag_key not in state and s.flag_key not in shared]
    flags = backend.existing_flags(new_keys)
    if not specs.resources and not any("holdout" in s.data or "shared_metrics" in s.data for s in specs.specs):
        return plan(specs.specs, state, shared, flags=flags)
    notes: list[str] = []
    rows: dict[str, list[dict[str, Any]]] = {}
    for kind in (HOLDOUT, SHARED_METRIC):
        found = _read_kind(backend, specs, kind, notes)
        if found is not None:
            rows[kind] = found
    holdouts, metrics = rows.get(HOLDOUT, []), rows.get(SHARED_METRIC, [])
    directory: Directory = directory_of(holdouts, metrics)
    directory.unread = {HOLDOUT, SHARED_METRIC} - set(rows)
    resources = plan_resources(specs.resources, holdouts, metrics, directory)
    made = plan(specs.specs, state, shared, directory, flags=flags)
    made.resources = resources
    made.notes = notes
    return made


def _read_kind(backend: Backend, specs: SpecSet, kind: str, notes: list[str]) -> list[dict[str, Any]] | None:
    """PostHog's holdouts or shared metrics, when the specs use them: needed for documents
    of the kind and for names (a name needs its id); for ids only, a check worth one
    request, skipped with a note when the key may not read them (the id is then sent as
    it is, and PostHog checks it). None: not read."""
    if kind == HOLDOUT:
        refs = [s.data["holdout"] for s in specs.specs if s.data.get("holdout") is not None]
    else:
        refs = [r.get("name", r.get("id")) for s in specs.specs for r in s.data.get("shared_metrics") or []]
    named = any(r.kind == kind for r in specs.resources) or any(isinstance(ref, str) for ref in refs)
    if not named and not refs:
        return None
    try:
        return backend.list_resources(kind)
    except ApiAuthError as exc:
        if named or exc.status != 403:
            raise
        notes.append(f"{kind} ids in the specs not checked: {exc.message}")
        return None


@dataclass
class Applied:
    resources: list[ResourceOutcome]
    execution: Execution

    @property
    def failures(self) -> list[AnyOutcome]:
        failed: list[AnyOutcome] = [o for o in self.resources if o.error is not None]
        return failed + [o for o in self.execution.outcomes if o.error is not None]


def apply_plan(
    plan: Plan,
    backend: Backend,
    *,
    parallel: int = 8,
    stop: threading.Event | None = None,
    on_outcome: Callable[[AnyOutcome], None] | None = None,
) -> Applied:
    """Holdouts and shared metrics first, one at a time; then the experiments, with the
    ids those got, in parallel. An experiment whose reference could not be made is
    refused, not sent."""
    made = apply_resources(plan.resources, backend, on_outcome=on_outcome)
    ids = {(o.item.spec.kind, o.item.spec.key): int(o.result["id"]) for o in made if o.result is not None}
    for item in plan.items if plan.resources else []:
        missing = unresolved(item.create_body, ids) + unresolved(item.patch, ids)
        if missing:
            item.action = ERROR
            item.errors.append(f"not applied: {', '.join(f'{m.kind} {m.key!r}' for m in missing)} could not be made")
            continue
        if item.create_body is not None:
            item.create_body = resolve(item.create_body, ids)
        item.patch = resolve(item.patch, ids)
    execution = execute(plan, backend, parallel=parallel, stop=stop, on_outcome=on_outcome)
    return Applied(made, execution)


def counts(plan: Plan, applied: Applied) -> dict[str, int]:
    """What happened, by word (created, updated, launched, unchanged, refused, failed…)."""
    counted = summary(plan, applied.execution.outcomes)

    def bump(name: str) -> None:
        counted[name] = counted.get(name, 0) + 1

    for outcome in applied.resources:
        if outcome.error is not None:
            bump("failed")
        elif outcome.found_existing:
            bump("found existing")
        else:
            bump("created" if outcome.item.action == CREATE else "updated")
    for item in plan.resources:
        if item.action == UNCHANGED:
            bump("unchanged")
        elif item.action == ERROR:
            bump("refused")
    return counted


def interrupted_summary(outcomes: Sequence[Outcome]) -> tuple[str, str]:
    """After Ctrl-C: the experiments in flight that finished, and those not applied (the
    partly done first), each list in natural order (bulk-2 before bulk-10)."""
    ordered = sorted(outcomes, key=lambda o: _natural_key(o.key))
    finished = [o.key for o in ordered if o.finished_after_stop and not o.skipped]
    partly = [f"{o.key} ({', '.join(o.steps)}; not finished)" for o in ordered if o.skipped and o.steps]
    not_done = [o.key for o in ordered if o.skipped and not o.steps]
    return ", ".join(finished), ", ".join(partly + not_done) or "nothing"


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting bulk-2 before bulk-10, as people count."""
    import re

    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)
