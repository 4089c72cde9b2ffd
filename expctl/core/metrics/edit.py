"""Edit one experiment's metric lists in place: add, remove, move; every other metric kept.

An experiment shows, per role (primary, secondary), its inline metrics (``metrics``,
``metrics_secondary``) and the shared metrics linked to it (``saved_metrics`` with
``metadata.type``), in the order of ``primary_metrics_ordered_uuids`` /
``secondary_metrics_ordered_uuids``. Each edit here is one PATCH that resends the inline
list with every uuid it had (so no other metric is re-created, and its results history
stays attached), the shared links as ``saved_metrics_ids``, and, where the order changes,
the ordering array. Releases from before the ordering arrays (late 2024) show inline
metrics in list order, so there a move reorders the list itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from expctl.errors import NotFoundError, UsageError
from expctl.model.metrics import metric_specs

FIELDS = {"primary": "metrics", "secondary": "metrics_secondary"}
ORDERINGS = {"primary": "primary_metrics_ordered_uuids", "secondary": "secondary_metrics_ordered_uuids"}


@dataclass(frozen=True)
class Entry:
    """One metric as the experiment shows it."""

    role: str
    position: int  # 1-based, within its role
    name: str
    uuid: str | None
    shared_id: int | None  # the shared metric's id, for a linked one
    metric: dict[str, Any]


def entries(experiment: Mapping[str, Any]) -> list[Entry]:
    """The experiment's metrics in display order, primary first (legacy goals left out)."""
    shared_ids = {
        str((link.get("query") or {}).get("uuid")): link.get("saved_metric")
        for link in experiment.get("saved_metrics") or []
        if isinstance(link, Mapping)
    }
    out: list[Entry] = []
    counts = {"primary": 0, "secondary": 0}
    for spec in metric_specs(experiment):
        if spec.legacy or spec.query is None:
            continue
        counts[spec.role] += 1
        uuid = spec.query.get("uuid")
        shared = shared_ids.get(str(uuid)) if uuid else None
        out.append(Entry(spec.role, counts[spec.role], spec.name, uuid, shared, dict(spec.query)))
    return out


def find(experiment: Mapping[str, Any], ref: str) -> Entry:
    """A metric by uuid (or its first 8 characters), by name, or by position like ``primary:2``."""
    found = entries(experiment)
    role, _, number = ref.partition(":")
    if role in FIELDS and number.isdigit():
        for entry in found:
            if entry.role == role and entry.position == int(number):
                return entry
    by_uuid = [e for e in found if e.uuid and (e.uuid == ref or (len(ref) >= 8 and e.uuid.startswith(ref)))]
    by_name = [e for e in found if e.name == ref] or [e for e in found if e.name.lower() == ref.lower()]
    matches = by_uuid or by_name
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(f"{e.role}:{e.position}" for e in matches)
        raise UsageError(f"{len(matches)} metrics are named {ref!r} ({listed}); give its uuid or ROLE:POSITION")
    names = ", ".join(repr(e.name) for e in found) or "none"
    raise NotFoundError(
        f"no metric {ref!r} in experiment {experiment.get('id')} (it has {names})",
        hint=f"`expctl metrics list {experiment.get('id')}` shows them",
    )


def _links(experiment: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": link.get("saved_metric"), "metadata": dict(link.get("metadata") or {"type": "primary"})}
        for link in experiment.get("saved_metrics") or []
        if isinstance(link, Mapping)
    ]


def add_patch(experiment: Mapping[str, Any], metric: Mapping[str, Any], role: str) -> dict[str, Any]:
    field = FIELDS[role]
    current = [dict(m) for m in experiment.get(field) or []]
    names = {str(m.get("name")) for m in current if m.get("name")}
    if metric.get("name") and metric["name"] in names:
        raise UsageError(f"the experiment already has a {role} metric named {metric['name']!r}; name this one apart")
    return {field: [*current, dict(metric)]}


def unlink_patch(experiment: Mapping[str, Any], shared_id: int) -> dict[str, Any]:
    """Every link to one shared metric removed, in either role."""
    return {"saved_metrics_ids": [link for link in _links(experiment) if link["id"] != shared_id]}


# PostHog counts the distinct saved metrics found against the length of saved_metrics_ids
# (ExperimentService.validate_saved_metrics_ids), so one shared metric cannot be linked
# twice, not even once as primary and once as secondary.
ONCE_PER_EXPERIMENT = "PostHog links a shared metric to an experiment once, in one role"


def link_patch(experiment: Mapping[str, Any], shared_id: int, role: str) -> dict[str, Any]:
    links = _links(experiment)
    linked = next((link for link in links if link["id"] == shared_id), None)
    if linked is not None:
        now = linked["metadata"].get("type", "primary")
        hint = f"unlink it first to make it a {role} metric" if now != role else None
        raise UsageError(
            f"shared metric {shared_id} is already a {now} metric of experiment {experiment.get('id')}; "
            f"{ONCE_PER_EXPERIMENT}",
            hint=hint,
        )
    return {"saved_metrics_ids": [*links, {"id": shared_id, "metadata": {"type": role}}]}


def remove_patch(experiment: Mapping[str, Any], entry: Entry) -> dict[str, Any]:
    if entry.shared_id is not None:  # only its link in this role; it may be linked in the other too
        kept = [
            link
            for link in _links(experiment)
            if not (link["id"] == entry.shared_id and link["metadata"].get("type", "primary") == entry.role)
        ]
        return {"saved_metrics_ids": kept}
    field = FIELDS[entry.role]
    kept = [dict(m) for m in experiment.get(field) or [] if not (entry.uuid and m.get("uuid") == entry.uuid)]
    if entry.uuid is None:  # an older release without uuids: drop it by position among inline metrics
        inline = [e for e in entries(experiment) if e.role == entry.role and e.shared_id is None]
        index = inline.index(entry)
        kept = [dict(m) for i, m in enumerate(experiment.get(field) or []) if i != index]
    return {field: kept}


def move_patch(experiment: Mapping[str, Any], entry: Entry, to: int) -> dict[str, Any]:
    same_role = [e for e in entries(experiment) if e.role == entry.role]
    if not 1 <= to <= len(same_role):
        raise UsageError(f"--to must be between 1 and {len(same_role)} (the {entry.role} metrics)")
    reordered = [e for e in same_role if e != entry]
    reordered.insert(to - 1, entry)
    ordering = ORDERINGS[entry.role]
    if ordering in experiment and all(e.uuid for e in reordered):
        return {ordering: [e.uuid for e in reordered]}
    if any(e.shared_id is not None for e in same_role):
        raise UsageError("this PostHog keeps no display order, so shared metrics cannot be moved here")
    return {FIELDS[entry.role]: [e.metric for e in reordered]}
