"""Plan and apply the Holdout and SharedMetric documents of a spec set, before experiments.

Each document is matched by name to what PostHog has (shared metrics case-insensitively,
as PostHog keeps their names unique; holdouts exactly, and a name several holdouts share
is refused, not guessed). Only the fields a document gives are compared; nothing that
the specs leave out is ever deleted. They are applied one after the other, before any
experiment, so an experiment can refer to a holdout or shared metric the same apply
creates; the ids they get are what the experiments' references are resolved to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from expctl.core.apply.backend import Backend
from expctl.core.apply.items import CREATE, ERROR, UNCHANGED, UPDATE, PlanItem, field_changes
from expctl.core.metrics.schema import LEGACY_METRIC_KINDS
from expctl.core.specs.kinds import ResourceSpec, holdout_groups
from expctl.core.specs.readback import strip_server_keys, without_action_names
from expctl.core.specs.references import Directory, fold
from expctl.errors import ExpctlError, RejectedError
from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

ResourceItem = PlanItem[ResourceSpec]  # a holdout's or shared metric's item


def directory_of(holdouts: Sequence[Mapping[str, Any]], shared: Sequence[Mapping[str, Any]]) -> Directory:
    directory = Directory()
    for row in holdouts:
        directory.add(HOLDOUT, row)
    for row in shared:
        directory.add(SHARED_METRIC, row)
    return directory


def plan_resources(
    specs: Sequence[ResourceSpec],
    holdouts: Sequence[Mapping[str, Any]],
    shared: Sequence[Mapping[str, Any]],
    directory: Directory,
) -> list[ResourceItem]:
    """One item per document; the names to create are marked pending in ``directory``."""
    rows = {HOLDOUT: list(holdouts), SHARED_METRIC: list(shared)}
    items = []
    for spec in specs:
        matches = [dict(r) for r in rows[spec.kind] if fold(spec.kind, str(r.get("name") or "")) == spec.key]
        if len(matches) > 1:
            ids = ", ".join(str(r.get("id")) for r in matches)
            message = f"{len(matches)} {spec.kind}s are named {spec.name!r} (ids {ids}); rename all but one in PostHog"
            items.append(PlanItem(spec, ERROR, errors=[message]))
        elif matches:
            items.append(_update(spec, matches[0]))
        else:
            directory.pending.add((spec.kind, spec.key))
            items.append(PlanItem(spec, CREATE, create_body=_create_body(spec)))
    return items


def _create_body(spec: ResourceSpec) -> dict[str, Any]:
    return {k: v for k, v in spec.data.items() if v is not None or k == "description"}


def comparable(name: str, value: Any) -> Any:
    """A holdout's or shared metric's field as compared with a spec or a new value: without
    what PostHog adds or rewrites itself (a holdout's ``variant``, action names, uuids)."""
    if name == "query" and isinstance(value, Mapping):
        return without_action_names(strip_server_keys(value))
    if name == "filters" and isinstance(value, list):
        return holdout_groups(value)
    if name == "tags":
        return sorted(value or [])
    if name == "description":
        return value or ""
    return value


def _update(spec: ResourceSpec, existing: dict[str, Any]) -> ResourceItem:
    item: ResourceItem = PlanItem(spec, UNCHANGED, current=existing)
    item.changes = field_changes(
        spec.data,
        existing.get,
        same=lambda name, wanted, actual: comparable(name, wanted) == comparable(name, actual),
        shown=lambda name, wanted, actual: comparable(name, actual) if name in ("query", "filters") else actual,
    )
    item.patch = {change.field: change.after for change in item.changes}
    if not item.changes:
        return item
    item.action = UPDATE
    legacy = (existing.get("query") or {}).get("kind") in LEGACY_METRIC_KINDS
    if spec.kind == SHARED_METRIC and legacy:
        item.action = ERROR
        item.errors.append(
            "this shared metric uses a legacy query format, and PostHog refuses any change to it; "
            "create a new shared metric (another name) in the ExperimentMetric format instead"
        )
    return item


def _create_once(item: ResourceItem, backend: Backend, outcome: ResourceOutcome) -> dict[str, Any]:
    """Create a holdout or shared metric at most once, as experiments are: when another
    run made one of that name first (it was not there when the plan was made), that one
    is used (PostHog refuses a second shared metric of a name; a second holdout of a name
    is made, and ours is deleted again so that the oldest stays)."""
    assert item.create_body is not None
    kind, name = item.spec.kind, str(item.create_body.get("name") or "")
    try:
        made = backend.create_resource(kind, item.create_body)
    except RejectedError:
        others = _named(backend, kind, name)
        if not others:
            raise
        outcome.found_existing = True
        return others[0]
    others = _named(backend, kind, name)
    oldest = others[0] if others else made
    if int(oldest["id"]) != int(made["id"]):
        backend.delete_resource(kind, int(made["id"]))
        outcome.found_existing = True
        return oldest
    return made


def _named(backend: Backend, kind: str, name: str) -> list[dict[str, Any]]:
    """The project's holdouts or shared metrics called ``name`` (any case, as PostHog
    compares shared metrics' names), oldest first."""
    wanted = name.casefold()
    found = [row for row in backend.list_resources(kind) if str(row.get("name") or "").casefold() == wanted]
    return sorted(found, key=lambda row: int(row.get("id") or 0))


@dataclass
class ResourceOutcome:
    item: ResourceItem
    result: dict[str, Any] | None = None
    error: ExpctlError | None = None
    found_existing: bool = False  # another run made it first: that one is used

    @property
    def key(self) -> str:
        return self.item.key


def apply_resources(
    items: Sequence[ResourceItem],
    backend: Backend,
    *,
    on_outcome: Callable[[ResourceOutcome], None] | None = None,
) -> list[ResourceOutcome]:
    """Create and update, one at a time, each outcome told as it comes. The ids of what
    was made are the only ones a :class:`Ref` in an experiment's request can need: names
    PostHog already had were resolved to their ids when the plan was made."""
    outcomes = []
    for item in items:
        if not item.pending:
            continue
        outcome = ResourceOutcome(item)
        try:
            if item.action == CREATE:
                outcome.result = _create_once(item, backend, outcome)
            else:
                assert item.current is not None
                outcome.result = backend.update_resource(item.spec.kind, int(item.current["id"]), item.patch)
        except ExpctlError as exc:
            outcome.error = exc
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes
