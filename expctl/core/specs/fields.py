"""Experiment fields as PostHog's serializer defines them (shared/reference/experiment-fields.json).

Used to check ``--set FIELD=JSON`` and spec keys before anything is sent.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

# field -> JSON type ("string", "integer", "boolean", "object", "array")
WRITABLE_FIELDS: dict[str, str] = {
    "name": "string",
    "description": "string",
    "start_date": "string",
    "end_date": "string",
    "feature_flag_key": "string",
    "holdout_id": "integer",
    "parameters": "object",
    "running_time_calculation": "object",
    "excluded_variants": "array",
    "secondary_metrics": "array",
    "saved_metrics_ids": "array",
    "filters": "object",
    "archived": "boolean",
    "deleted": "boolean",
    "type": "string",
    "exposure_criteria": "object",
    "metrics": "array",
    "metrics_secondary": "array",
    "stats_config": "object",
    "scheduling_config": "object",
    "allow_unknown_events": "boolean",
    "_create_in_folder": "string",
    "conclusion": "string",
    "conclusion_comment": "string",
    "primary_metrics_ordered_uuids": "array",
    "secondary_metrics_ordered_uuids": "array",
    "only_count_matured_users": "boolean",
    "update_feature_flag_params": "boolean",
    "tags": "array",  # TaggedItemSerializerMixin (PR #74331): current Cloud
}
NULLABLE = {
    "description",
    "start_date",
    "end_date",
    "holdout_id",
    "parameters",
    "running_time_calculation",
    "excluded_variants",
    "secondary_metrics",
    "saved_metrics_ids",
    "type",
    "exposure_criteria",
    "metrics",
    "metrics_secondary",
    "stats_config",
    "scheduling_config",
    "conclusion",
    "conclusion_comment",
    "primary_metrics_ordered_uuids",
    "secondary_metrics_ordered_uuids",
    "deleted",
}
READ_ONLY_FIELDS = frozenset(
    {
        "id",
        "feature_flag",
        "holdout",
        "exposure_cohort",
        "saved_metrics",
        "created_by",
        "created_at",
        "updated_at",
        "status",
        "is_legacy",
        "user_access_level",
    }
)
# Fields the server accepts but never returns.
WRITE_ONLY_FIELDS = frozenset(
    {"allow_unknown_events", "update_feature_flag_params", "_create_in_folder", "saved_metrics_ids"}
)
# Fields current PostHog refuses in a PATCH ("Can't update keys: ... on Experiment").
CREATE_ONLY_FIELDS = frozenset({"feature_flag_key", "type"})
CONCLUSIONS = ("won", "lost", "inconclusive", "stopped_early", "invalid")
TYPES = ("product", "web")


# How alike a name and a suggestion must be (difflib's ratio): a typo or a plural is about
# 0.9; at 0.6, 'colour' would be offered 'holdout', which helps nobody.
SUGGEST_CUTOFF = 0.75


def suggest(name: str, candidates: Iterable[object]) -> str:
    """A " (did you mean 'x'?)" suffix for messages, or "": a close spelling, else a
    candidate the name is a part of (``flag_key`` → ``feature_flag_key``)."""
    names = [str(n) for n in candidates]
    matches = difflib.get_close_matches(name, names, n=1, cutoff=SUGGEST_CUTOFF)
    if not matches and len(name) >= 4:
        matches = [n for n in names if name.lower() in n.lower()][:1]
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def non_finite_at(value: object, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where a value holds a number JSON cannot carry: infinity or NaN (``1e400`` reads as
    infinity). Sent, it is no JSON at all, and a strict parser refuses the whole body."""
    if isinstance(value, float) and not math.isfinite(value):
        return path
    if isinstance(value, dict):
        items: Iterable[tuple[str | int, object]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = non_finite_at(item, (*path, key))
        if found is not None:
            return found
    return None


def json_type_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def type_matches(field: str, value: object) -> bool:
    expected = WRITABLE_FIELDS[field]
    actual = json_type_of(value)
    if actual == "null":
        return field in NULLABLE
    if expected == "integer":
        return actual == "integer"
    return actual == expected


def predates_experiment_metrics(experiment: Mapping[str, Any]) -> bool:
    """Whether a (full) experiment comes from a release before 2025, which stores
    ``metrics`` of kind ``ExperimentMetric`` but cannot compute them: its query schema
    has no ``ExperimentQuery``, so the query endpoint refuses it (a pydantic
    ``union_tag_invalid``). The sign is an experiment with ``metrics`` and no
    ``stats_config`` (added in January 2025); slim list rows of current Cloud carry
    neither, so they are never taken for old."""
    return "metrics" in experiment and "stats_config" not in experiment


def not_computable_warning(sent: Mapping[str, Any], answer: Mapping[str, Any]) -> str | None:
    """The warning for a write whose metrics of kind ExperimentMetric the release that
    answered stores but cannot compute (see ``predates_experiment_metrics``), or None."""
    if not predates_experiment_metrics(answer):
        return None
    fields = [name for name in ("metrics", "metrics_secondary") if has_experiment_metric(sent.get(name))]
    return not_computable_message(fields) if fields else None


def not_computable_message(fields: list[str]) -> str:
    """The warning for metrics a release from before 2025 stores but cannot compute."""
    return (
        f"this PostHog release (from before 2025: no stats_config) stores {' and '.join(fields)} of kind "
        "ExperimentMetric but cannot compute them, so `expctl results` will say so; give such a release a goal in "
        "`filters` (see docs/older-releases.md)"
    )


def has_experiment_metric(metrics: Any) -> bool:
    return isinstance(metrics, list) and any(
        isinstance(m, Mapping) and m.get("kind") == "ExperimentMetric" for m in metrics
    )


def fields_not_stored(sent: Mapping[str, Any], answer: Mapping[str, Any]) -> list[str]:
    """Fields of a write that the server does not have at all.

    DRF drops fields its serializer does not define and answers 200, so an older release
    (late 2024: no ``stats_config``, ``conclusion``, ``exposure_criteria``, …) takes such
    a write without a word. Its answer, the serialized experiment, then lacks the field:
    that is the sign. Write-only fields never come back and are not judged."""
    return sorted(name for name in sent if name not in WRITE_ONLY_FIELDS and name not in answer)
