"""Existing experiments as specs, in the exact format `apply` reads.

What is exported is what `diff` compares, so `export` followed by `diff` reports no
changes. Server-assigned parts (metric uuids and fingerprints, ids, dates) are left out;
settings are exported only when they say something (no nulls, no empty objects).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.core.compare import current, strip_server_keys
from expctl.core.spec import API_VERSION, KIND

_OPTIONAL_FIELDS = (
    "holdout_id",
    "exposure_criteria",
    "stats_config",
    "scheduling_config",
    "only_count_matured_users",
    "conclusion",
    "conclusion_comment",
    "excluded_variants",
)


def to_spec(experiment: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": experiment.get("name"),
        "feature_flag_key": experiment.get("feature_flag_key"),
        "description": experiment.get("description") or "",
        "type": experiment.get("type") or "product",
    }
    variants = current("variants", experiment)
    if variants:
        spec["variants"] = variants
    spec["metrics"] = [strip_server_keys(m) for m in experiment.get("metrics") or []]
    secondary = [strip_server_keys(m) for m in experiment.get("metrics_secondary") or []]
    if secondary:
        spec["metrics_secondary"] = secondary
    saved = current("saved_metrics_ids", experiment)
    if saved:
        spec["saved_metrics_ids"] = saved
    for name in _OPTIONAL_FIELDS:
        value = current(name, experiment)
        if value in (None, {}, [], False, ""):
            continue
        spec[name] = value
    extra_parameters = {
        k: v
        for k, v in (experiment.get("parameters") or {}).items()
        if k
        not in (
            "feature_flag_variants",
            "rollout_percentage",
            "ensure_experience_continuity",
            "feature_flag_payloads",
            "aggregation_group_type_index",
        )
        and v not in (None, {}, [])
    }
    if extra_parameters:
        spec["parameters"] = extra_parameters
    filters = experiment.get("filters")
    if isinstance(filters, Mapping) and (filters.get("events") or filters.get("actions")):
        spec["filters"] = dict(filters)
        if experiment.get("secondary_metrics"):
            spec["secondary_metrics"] = experiment["secondary_metrics"]
    spec["state"] = current("state", experiment)
    spec["archived"] = bool(experiment.get("archived"))
    return spec


def to_yaml(spec: Mapping[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(dict(spec), sort_keys=False, allow_unicode=True, default_flow_style=False, width=100))
