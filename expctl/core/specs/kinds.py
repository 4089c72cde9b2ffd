"""The spec kinds beside Experiment: ``SharedMetric`` and ``Holdout``, and references to them.

::

    kind: Holdout                  kind: SharedMetric
    name: Global holdout           name: Revenue per user
    percentage: 10                 metric: {mean: {event: purchase, sum: revenue}}
    description: …                 description: …
                                   tags: [revenue]

Both are identified by name, as people refer to them: PostHog keeps shared-metric names
unique per project, case-insensitively (``ExperimentSavedMetricSerializer.validate_name``),
so they are matched that way; holdout names are matched exactly. An experiment refers to
them by name (``holdout: Global holdout``; ``shared_metrics: [Revenue per user,
{name: …, type: secondary}]``) or, for one managed elsewhere, by PostHog id. A name must
be defined in the same set of files: that is checked offline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from expctl.core.metrics.from_spec import read_metric
from expctl.core.specs.fields import json_type_of, suggest
from expctl.core.specs.yaml_source import Document, PathKey, Position
from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

MAX_NAME = 400  # both models' CharField
MAX_METRIC_DESCRIPTION = 400  # ExperimentSavedMetricSerializer.description
HOLDOUT_FIELDS = ("apiVersion", "kind", "name", "description", "percentage", "filters")
SHARED_METRIC_FIELDS = ("apiVersion", "kind", "name", "description", "metric", "tags")
ROLES = ("primary", "secondary")

Report = Callable[[PathKey, str], None]


@dataclass
class ResourceSpec:
    """A Holdout or SharedMetric document: its identity and the body PostHog stores."""

    kind: str
    doc: Document
    data: dict[str, Any]  # name, description, and filters (holdout) or query + tags (shared metric)

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def plan_key(self) -> str:
        return f"{self.kind} '{self.name}'"

    @property
    def key(self) -> str:
        """How it is matched: exact for holdouts, case-insensitive for shared metrics."""
        return self.name.lower() if self.kind == SHARED_METRIC else self.name

    def where(self, *path: str | int) -> Position:
        return self.doc.where(tuple(path))


def check_resource(doc: Document, kind: str, problem: Report) -> ResourceSpec:
    """The document's spec; usable only if ``problem`` was not called."""
    value: dict[str, Any] = doc.value
    allowed = HOLDOUT_FIELDS if kind == HOLDOUT else SHARED_METRIC_FIELDS
    for key in value:
        if key not in allowed:
            problem((key,), f"unknown key '{key}' for a {kind}{suggest(str(key), allowed)}")
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        problem(("name",) if "name" in value else (), f"a {kind} needs a name (a non-empty string)")
    elif len(name) > MAX_NAME:
        problem(("name", "="), f"name is longer than PostHog's {MAX_NAME} characters")
    description = value.get("description")
    if description is not None and not isinstance(description, str):
        problem(("description", "="), f"description must be a string, not {json_type_of(description)}")
    data: dict[str, Any] = {"name": name}
    if "description" in value:
        data["description"] = description
    if kind == HOLDOUT:
        filters = _holdout_filters(value, problem)
        data["filters"] = filters
    else:
        if isinstance(description, str) and len(description) > MAX_METRIC_DESCRIPTION:
            problem(("description", "="), f"description is longer than PostHog's {MAX_METRIC_DESCRIPTION} characters")
        if "metric" not in value:
            problem((), "a SharedMetric needs 'metric' (shorthand or PostHog's form)")
        data["query"] = read_metric(value.get("metric"), ("metric",), problem) if "metric" in value else None
        tags = value.get("tags")
        if "tags" in value:
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                problem(("tags", "="), "tags is a list of strings")
            data["tags"] = tags
    return ResourceSpec(kind, doc, data)


def _holdout_filters(value: Mapping[str, Any], problem: Report) -> list[Any] | None:
    """``percentage: P`` as PostHog stores it: one release group holding back P% of users."""
    if ("percentage" in value) == ("filters" in value):
        problem((), "a Holdout needs percentage (0 to 100), or filters in PostHog's form, not both")
        return None
    if "percentage" in value:
        share = value["percentage"]
        if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 <= share <= 100:
            problem(("percentage", "="), "percentage is a number from 0 to 100 (the share of users held back)")
            return None
        return [{"properties": [], "rollout_percentage": share}]
    filters = value["filters"]
    if not isinstance(filters, list) or not filters:
        problem(("filters", "="), "filters is a non-empty list of groups (PostHog: Filters must not be empty.)")
        return None
    for index, group in enumerate(filters):
        share = group.get("rollout_percentage") if isinstance(group, dict) else None
        if not isinstance(share, (int, float)) or not 0 <= share <= 100:
            problem(("filters", index), "each group needs rollout_percentage between 0 and 100")
            return None
    return holdout_groups(filters)


def holdout_groups(filters: Any) -> list[Any]:
    """A holdout's release groups without ``variant``, which PostHog sets to ``holdout-{id}``
    itself (``ExperimentHoldoutSerializer._get_filters_with_holdout_id``): never the spec's."""
    if not isinstance(filters, list):
        return []
    return [{k: v for k, v in g.items() if k != "variant"} if isinstance(g, Mapping) else g for g in filters]


def holdout_percentage(filters: Any) -> Any:
    """The share a holdout holds back, as the spec writes it; None when filters say more."""
    groups = holdout_groups(filters)
    if len(groups) == 1 and isinstance(groups[0], Mapping):
        group = groups[0]
        if group.get("properties") in ([], None) and set(group) <= {"properties", "rollout_percentage"}:
            return group.get("rollout_percentage")
    return None


def read_shared_refs(value: Any, problem: Report) -> list[dict[str, Any]] | None:
    """An experiment's ``shared_metrics`` as ``[{"name"|"id": …, "type": role}]``."""
    if not isinstance(value, list):
        problem(("shared_metrics", "="), f"shared_metrics is a list of names, not {json_type_of(value)}")
        return None
    refs: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        here: PathKey = ("shared_metrics", index)
        entry = {"name": item} if isinstance(item, str) else dict(item) if isinstance(item, dict) else None
        if entry is None or set(entry) - {"name", "id", "type"} or ("name" in entry) == ("id" in entry):
            problem(here, "each shared metric is a name, or {name: NAME (or id: ID), type: primary | secondary}")
            continue
        entry.setdefault("type", "primary")
        if entry["type"] not in ROLES:
            problem((*here, "type", "="), "type is primary or secondary")
            continue
        same = next((r for r in refs if _same_shared(r, entry)), None)
        if same is not None:
            # PostHog refuses one saved metric linked twice, whatever the roles
            # (ExperimentService.validate_saved_metrics_ids counts distinct metrics).
            problem(
                here,
                f"shared metric {entry.get('name', entry.get('id'))!r} is listed twice (as {same['type']} and "
                f"{entry['type']}); PostHog links a shared metric to an experiment once, in one role",
            )
            continue
        refs.append(entry)
    return refs


def _same_shared(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Two references to one shared metric: the same id, or names alike but for case
    (PostHog keeps shared-metric names unique case-insensitively)."""
    if "id" in one and "id" in other:
        return bool(one["id"] == other["id"])
    if "name" in one and "name" in other:
        return str(one["name"]).lower() == str(other["name"]).lower()
    return False


def check_references(experiments: list[Any], resources: list[ResourceSpec], note: Callable[..., None]) -> None:
    """Names an experiment refers to that these files do not define: PostHog may have
    them (an exported experiment refers to holdouts and shared metrics by name), so they
    are no problem offline; ``diff`` and ``apply`` look them up in PostHog, and refuse a
    name PostHog does not have either. ``note`` hears of each, for ``validate`` to say
    what it could not check."""
    holdouts = {r.key: r for r in resources if r.kind == HOLDOUT}
    metrics = {r.key: r for r in resources if r.kind == SHARED_METRIC}
    for spec in experiments:
        holdout = spec.data.get("holdout")
        if isinstance(holdout, str) and holdout not in holdouts:
            note(spec.where("holdout", "="), _elsewhere(HOLDOUT, holdout, [r.name for r in holdouts.values()]))
        for index, ref in enumerate(spec.data.get("shared_metrics") or []):
            name = ref.get("name")
            if isinstance(name, str) and name.lower() not in metrics:
                known = [r.name for r in metrics.values()]
                note(spec.where("shared_metrics", index), _elsewhere(SHARED_METRIC, name, known))


def _elsewhere(kind: str, name: str, known: list[str]) -> str:
    found = suggest(name, known)
    return f"not checked offline: no {kind} named {name!r} in these files{found}; diff and apply look it up in PostHog"


def duplicate_problems(resources: list[ResourceSpec], problem: Callable[..., None]) -> list[ResourceSpec]:
    """Drop a second document with the same identity, reporting it."""
    first: dict[tuple[str, str], ResourceSpec] = {}
    keep = []
    for spec in resources:
        other = first.get((spec.kind, spec.key))
        if other is not None:
            problem(spec.where("name"), f"duplicate {spec.kind} {spec.name!r} (also at {other.where('name')})")
            continue
        first[(spec.kind, spec.key)] = spec
        keep.append(spec)
    return keep
