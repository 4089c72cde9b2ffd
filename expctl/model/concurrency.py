"""What changed in PostHog between expctl's read and its write, and whether it matters.

Current PostHog refuses a stale write it cannot merge with 409 (``ExperimentVersionConflict``,
PR #71032: the experiment's ``version`` moves on every save). expctl then reads the
experiment again and compares: the fields a person (or the web app) changed meanwhile
are set against the fields expctl's write changes. No overlap: the planned values still
hold exactly (they were computed from values nobody touched), so the write is sent again
on the new version. Overlap: nothing is written and the conflict is shown (exit 12).

Machine-written churn is not a change: ``version`` and ``updated_at`` move on every save,
the web app rewrites ``running_time_calculation.recommended_*`` on every results load
(PR #77437), and PostHog recomputes each metric's ``fingerprint``. Pure logic: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# Keys PostHog computes or that mirror another key (read-only views, counters, health).
DERIVED = frozenset(
    {
        "version", "updated_at", "status", "health", "user_access_level", "resolved_exposure_event",
        "is_legacy", "can_freeze_exposure", "created_by", "created_at", "feature_flag_key",
        "flag_cleanup_task_id",
    }
)  # fmt: skip
MACHINE_RUNNING_TIME_KEYS = ("recommended_running_time", "recommended_sample_size")
# A PATCH key and the keys of the experiment object it is read from.
READ_FROM = {
    "parameters": ("parameters", "feature_flag"),
    "saved_metrics_ids": ("saved_metrics_ids", "saved_metrics"),
    "holdout_id": ("holdout_id", "holdout"),
}


def machine_view(name: str, value: Any) -> Any:
    """A field without what PostHog's machinery rewrites on its own."""
    if name == "running_time_calculation" and isinstance(value, Mapping):
        return {k: v for k, v in value.items() if k not in MACHINE_RUNNING_TIME_KEYS}
    if name in ("metrics", "metrics_secondary") and isinstance(value, list):
        return [{k: v for k, v in m.items() if k != "fingerprint"} if isinstance(m, Mapping) else m for m in value]
    return value


def changed_fields(read: Mapping[str, Any], fresh: Mapping[str, Any]) -> set[str]:
    """The experiment's fields whose values differ, machine churn left out."""
    names = (set(read) | set(fresh)) - DERIVED
    return {n for n in names if _canon(machine_view(n, read.get(n))) != _canon(machine_view(n, fresh.get(n)))}


def overlap(patch: Mapping[str, Any], changed: set[str]) -> list[str]:
    """The write's keys whose fields changed concurrently."""
    return sorted(key for key in patch if set(READ_FROM.get(key, (key,))) & changed)


def conflict_message(name: str, fields: list[str], read: Mapping[str, Any], fresh: Mapping[str, Any]) -> str:
    when = fresh.get("updated_at")
    said = "; ".join(f"{f}: {_short(fresh.get(f))} (was {_short(read.get(f))})" for f in fields)
    at = f" at {when}" if when else ""
    return f"'{name}' was changed in PostHog{at} since expctl read it, in what this write changes: {said}"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def _canon(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


# Keys sent with a write that are instructions, not fields of the experiment.
_WRITE_ONLY = ("update_feature_flag_params", "allow_unknown_events", "_create_in_folder")


def versioned_body(body: Mapping[str, Any], read: Mapping[str, Any] | None) -> dict[str, Any]:
    """``body`` with the ``version`` of ``read`` and the base values PostHog merges against
    (``original_experiment``: serializers.py "The metric collections as the client last
    read them"; #77437 reads scalar fields' bases from it too). Unchanged where the read has
    no ``version`` (a server before PR #71032: last write wins, as before)."""
    sent = dict(body)
    version = read.get("version") if read is not None else None
    if read is None or isinstance(version, bool) or not isinstance(version, int):
        return sent
    sent["version"] = version
    sent["original_experiment"] = {k: read.get(k) for k in body if k not in _WRITE_ONLY and k in read}
    return sent
