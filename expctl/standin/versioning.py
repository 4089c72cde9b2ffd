"""Optimistic concurrency on experiment writes (current Cloud, from September 2026).

Read in PR #71032 (merged July 2026) and its follow-ups #77437 (three-way merge of scalar
fields) and #78580 (false 409s), the model (``version = models.IntegerField(default=0,
null=True)``: "bumped on every user-facing update"), ``presentation/serializers.py``
(``version`` and the write-only ``original_experiment``; both dropped on create; list rows
carry no ``version``) and ``presentation/views.py`` ("Structured 409 body ({detail,
current_version, conflicting_*})"), all at commit ecc44e34. PostHog's own
``experiment_service.py`` with this logic was not in the stored source; the merge below
follows a fork's copy of it (hanzoai/insights, marked [fork] in docs/posthog-api.md):

* no ``version`` sent: no check, last write wins, the version still bumps;
* ``version`` current: applied, bumped;
* stale, no ``original_experiment``: 409 "This experiment changed since you loaded it.
  Review the latest changes and try again." with ``current_version``;
* stale with ``original_experiment``: field by field "an echo of the current value is a
  no-op; if only this write changed it, it applies; if only the other side changed it (the
  payload echoes the base), the field is dropped so the concurrent edit survives; both
  sides changing it differently is a conflict" (409 naming ``conflicting_fields``); metric
  arrays merge per ``uuid`` (``fingerprint`` ignored), an edit on both sides or an edit
  against a delete conflicts (``conflicting_metric_uuids``).

The 409 body has no ``code``/``type``/``attr``: the viewset returns it itself.
``FakePostHog.versioned = False`` is a server from before (no ``version`` at all).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from expctl.standin.state import clone
from expctl.standin.wire import FakeResponse, HttpError

if TYPE_CHECKING:
    from expctl.standin.server import Ctx

STALE = "This experiment changed since you loaded it. Review the latest changes and try again."
METRIC_ARRAYS = ("metrics", "metrics_secondary")
MERGEABLE = (*METRIC_ARRAYS, "saved_metrics_ids", "primary_metrics_ordered_uuids", "secondary_metrics_ordered_uuids")
BASE_ALIASES = {"holdout": "holdout_id"}  # [fork] _SCALAR_BASE_ALIASES


def versioned(ctx: Ctx) -> bool:
    return ctx.flavour == "cloud" and ctx.server.versioned


def bump(ctx: Ctx, experiment: dict[str, Any]) -> None:
    """Every save of the experiment row moves its version (lifecycle saves too, #71032)."""
    if versioned(ctx):
        experiment["version"] = int(experiment.get("version") or 0) + 1


def resolve_concurrent_update(
    ctx: Ctx, experiment: dict[str, Any], body: dict[str, Any], shown: dict[str, Any]
) -> None:
    """Check ``body``'s ``version`` against the experiment's, merging a stale write against
    its ``original_experiment`` (``body`` is changed in place) or refusing it with 409."""
    client_version = body.pop("version", None)
    original = body.pop("original_experiment", None)
    if not versioned(ctx) or client_version is None:
        return
    current = int(experiment.get("version") or 0)
    if client_version == current:
        return
    if not isinstance(original, dict):
        raise HttpError(_conflict(STALE, current))
    conflicts = _merge_scalars(body, original, shown)
    if conflicts:
        detail = (
            "This experiment changed since you loaded it, and your update changes fields that can't be merged "
            f"({', '.join(conflicts)}). Review the latest changes and try again."
        )
        raise HttpError(_conflict(detail, current, conflicting_fields=conflicts))
    metric_conflicts: list[str] = []
    for name in METRIC_ARRAYS:
        if name in body and name in original:
            merged, clashes = _merge_metrics(original.get(name) or [], shown.get(name) or [], body[name] or [])
            body[name] = merged
            metric_conflicts.extend(clashes)
    if metric_conflicts:
        detail = "A metric on this experiment changed since you loaded it. Review the latest changes and try again."
        raise HttpError(_conflict(detail, current, conflicting_metric_uuids=metric_conflicts))


def _merge_scalars(body: dict[str, Any], original: dict[str, Any], shown: dict[str, Any]) -> list[str]:
    conflicts = []
    for field in [f for f in body if f not in MERGEABLE]:
        mine, now = _canon(body[field]), _canon(shown.get(field))
        if mine == now:
            continue  # an echo of the current value
        base_key = BASE_ALIASES.get(field, field)
        if base_key not in original:
            conflicts.append(field)
            continue
        base = _canon(original[base_key])
        if base == now:
            continue  # only this write changed it: it applies
        if mine == base:
            body.pop(field)  # only the other side changed it: theirs survives
            continue
        conflicts.append(field)
    return conflicts


def _merge_metrics(base: list[Any], theirs: list[Any], mine: list[Any]) -> tuple[list[Any], list[str]]:
    """[fork] ``_merge_metric_arrays``: "Per uuid: whichever side changed it wins; both
    sides changing it differently (including edit-vs-delete) is a conflict." Metrics sent
    without a uuid are additions."""
    by_base, by_theirs, by_mine = _by_uuid(base), _by_uuid(theirs), _by_uuid(mine)
    order = [*by_mine, *(u for u in by_theirs if u not in by_mine)]
    merged: list[Any] = [m for m in mine if not (isinstance(m, dict) and m.get("uuid"))]
    conflicts: list[str] = []
    for uuid in order:
        b, t, m = by_base.get(uuid), by_theirs.get(uuid), by_mine.get(uuid)
        if _view(m) == _view(b):
            kept = t  # unchanged here: theirs stands (their edit, or their delete)
        elif _view(t) == _view(b) or _view(t) == _view(m):
            kept = m  # changed here only (or the same on both sides)
        else:
            conflicts.append(uuid)
            continue
        if kept is not None:
            merged.append(kept)
    return merged, conflicts


def _by_uuid(metrics: list[Any]) -> dict[str, Any]:
    return {m["uuid"]: m for m in metrics if isinstance(m, dict) and m.get("uuid")}


def _view(metric: Any) -> str:
    """[fork] ``_metric_merge_view``: the metric without its ``fingerprint``."""
    if metric is None:
        return "absent"
    shown = {k: v for k, v in metric.items() if k != "fingerprint"} if isinstance(metric, dict) else metric
    return json.dumps(shown, sort_keys=True, default=str)


def _canon(value: Any) -> str:
    if value is None:
        return "null"
    return json.dumps(clone(value), sort_keys=True, default=str)


def _conflict(detail: str, current: int, **extra: list[str]) -> FakeResponse:
    return FakeResponse.json(409, {"detail": detail, "current_version": current, **extra})
