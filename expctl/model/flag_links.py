"""Creating an experiment on a flag that already exists: link it as it is, and say so (pure).

Newest PostHog (``presentation/serializers.py``, ``_normalize_feature_flag_input``) links
an existing flag of the same key "as-is" and refuses a flag config sent beside it: "A
feature flag with key '…' already exists; the experiment links to it as-is, so its config
cannot be set here. Omit feature_flag to reuse the existing flag, or edit the flag
directly." The deprecated ``parameters`` flag keys count as config. expctl then sends the
experiment without them and says the flag's split, flagging one that differs from what was
asked or serves a single variant to everyone (as ``ship`` leaves it): the flag must be
edited for that, never silently kept. The late-2024 release refuses a taken key outright.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.model.experiment import variants_of

FLAG_PARAMETERS = (
    "feature_flag_variants",
    "rollout_percentage",
    "aggregation_group_type_index",
    "feature_flag_payloads",
    "ensure_experience_continuity",
)


def without_flag_config(body: Mapping[str, Any]) -> dict[str, Any]:
    sent = {k: v for k, v in body.items() if k != "feature_flag"}
    params = {k: v for k, v in (body.get("parameters") or {}).items() if k not in FLAG_PARAMETERS}
    sent["parameters"] = params
    return sent


def linked_flag_note(created: Mapping[str, Any], asked: Mapping[str, Any]) -> str:
    flag = created.get("feature_flag") if isinstance(created.get("feature_flag"), Mapping) else {}
    assert isinstance(flag, Mapping)
    split = {str(v.get("key")): v.get("rollout_percentage") for v in variants_of(created)}
    shown = " · ".join(f"{k} {p}%" for k, p in split.items())
    state = "active" if flag.get("active") else "inactive"
    rollout = _rollout(flag)
    note = f"linked the existing flag '{created.get('feature_flag_key')}' as it is: {shown}, {state}, {rollout}"
    wanted = (asked.get("parameters") or {}).get("feature_flag_variants")
    wanted_split = (
        {str(v.get("key")): v.get("split_percent", v.get("rollout_percentage")) for v in wanted}
        if isinstance(wanted, list)
        else None
    )
    if wanted_split and wanted_split != split:
        asked_shown = " · ".join(f"{k} {p}%" for k, p in wanted_split.items())
        note += f"; NOT the split asked for ({asked_shown}): edit the flag in PostHog (or its variants while a draft)"
    if any(
        group.get("variant") for group in (flag.get("filters") or {}).get("groups") or [] if isinstance(group, Mapping)
    ):
        note += "; the flag serves one variant to some users (a release left by `ship`): edit the flag first"
    return note


def _rollout(flag: Mapping[str, Any]) -> str:
    groups = (flag.get("filters") or {}).get("groups") or []
    shares = [
        100.0 if g.get("rollout_percentage") is None else float(g["rollout_percentage"])
        for g in groups
        if isinstance(g, Mapping)
    ]
    return f"rolled out to {max(shares):g}%" if shares else "no release conditions"


def planned_link_note(key: str, flag: Mapping[str, Any], asked: Mapping[str, Any]) -> str:
    """What a plan says of a create whose flag key is an existing flag's."""
    as_created = {"feature_flag": flag, "feature_flag_key": key, "parameters": {}}
    return "will " + linked_flag_note(as_created, asked).replace(
        "linked the existing flag", "link the existing flag", 1
    )
