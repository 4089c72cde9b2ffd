"""Existing experiments, holdouts and shared metrics as specs, in the format `apply` reads.

What is exported is what `diff` compares, so `export` followed by `diff` reports no
changes. Server-assigned parts (metric uuids and fingerprints, ids, dates) are left out;
settings are exported only when they say something (no nulls, no empty objects).
Metrics are written in the shorthand wherever it says them exactly, else as PostHog
has them. An experiment names its holdout and shared metrics; with ``by_id`` (when the
key may not read those resources) it refers to them by PostHog id instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.core.metrics.compress import compress
from expctl.core.specs.kinds import holdout_groups, holdout_percentage
from expctl.core.specs.load import API_VERSION, KIND
from expctl.core.specs.readback import current, strip_server_keys, without_action_names
from expctl.core.specs.references import shared_as_spec, shared_current
from expctl.core.specs.statistics import to_statistics
from expctl.model.metrics import in_display_order
from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

_OPTIONAL_FIELDS = (
    "exposure_criteria",
    "stats_config",
    "scheduling_config",
    "only_count_matured_users",
    "conclusion",
    "conclusion_comment",
    "excluded_variants",
    "tags",
)


def metric_to_spec(metric: Mapping[str, Any]) -> Any:
    """The shorthand when it says the metric exactly; else PostHog's form. The uuid is
    left out: apply matches metrics to the ones PostHog has by content and name."""
    stripped = without_action_names(strip_server_keys(metric))  # PostHog rewrites those on read
    short = compress(stripped)
    return short if short is not None else stripped


def to_spec(experiment: Mapping[str, Any], *, by_id: bool = False) -> dict[str, Any]:
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
    spec["metrics"] = [metric_to_spec(m) for m in in_display_order(experiment, "metrics")]
    secondary = [metric_to_spec(m) for m in in_display_order(experiment, "metrics_secondary")]
    if secondary:
        spec["metrics_secondary"] = secondary
    spec.update(_references(experiment, by_id))
    for name in _OPTIONAL_FIELDS:
        value = current(name, experiment)
        if value in (None, {}, [], False, ""):
            continue
        readable = to_statistics(value) if name == "stats_config" else None
        if readable:  # the readable form where it says everything; else PostHog's own keys
            spec["statistics"] = readable
            continue
        spec[name] = value
    extra_parameters = _extra_parameters(experiment)
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


_FLAG_PARAMETERS = (
    "feature_flag_variants",
    "rollout_percentage",
    "ensure_experience_continuity",
    "feature_flag_payloads",
    "aggregation_group_type_index",
)


def _extra_parameters(experiment: Mapping[str, Any]) -> dict[str, Any]:
    """``parameters`` other than the flag's own (which ``variants`` covers)."""
    parameters = experiment.get("parameters") or {}
    return {k: v for k, v in parameters.items() if k not in _FLAG_PARAMETERS and v not in (None, {}, [])}


def _references(experiment: Mapping[str, Any], by_id: bool) -> dict[str, Any]:
    """``shared_metrics`` and ``holdout``, by name (or by id when names cannot be resolved)."""
    out: dict[str, Any] = {}
    links = shared_current(experiment)
    if links:
        out["shared_metrics"] = (
            [{"id": s, "type": role} for s, _n, role in links] if by_id else shared_as_spec(experiment)
        )
    holdout = experiment.get("holdout")
    holdout_id = current("holdout_id", experiment)
    if holdout_id is not None:
        named = isinstance(holdout, Mapping) and holdout.get("name") and not by_id
        out["holdout"] = holdout["name"] if named and isinstance(holdout, Mapping) else holdout_id
    return out


def resource_to_spec(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A holdout or shared metric as its spec document."""
    spec: dict[str, Any] = {"apiVersion": API_VERSION, "kind": kind, "name": row.get("name")}
    if row.get("description"):
        spec["description"] = row["description"]
    if kind == HOLDOUT:
        share = holdout_percentage(row.get("filters"))
        if share is not None:
            spec["percentage"] = share
        else:
            spec["filters"] = holdout_groups(row.get("filters"))
    else:
        assert kind == SHARED_METRIC
        spec["metric"] = metric_to_spec(row.get("query") or {})
        if row.get("tags"):
            spec["tags"] = list(row["tags"])
    return spec


FLOW_WIDTH = 60  # a list or mapping of plain values this short is written on one line


def to_yaml(spec: Mapping[str, Any]) -> str:
    """Block YAML, except that short lists and mappings of plain values are written on
    one line (``funnel: [$pageview, purchase]``), as people write them. The document's own
    mapping is always block, however short."""
    import yaml

    document = dict(spec)

    class Dumper(yaml.SafeDumper):
        pass

    def flow_when_short(dumper: Any, value: Any) -> Any:
        items = list(value.values()) if isinstance(value, dict) else value
        plain = bool(items) and all(isinstance(v, (str, int, float, bool)) or v is None for v in items)
        short = plain and len(str(value)) <= FLOW_WIDTH and value is not document
        if isinstance(value, dict):
            return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=short)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)

    Dumper.add_representer(dict, flow_when_short)
    Dumper.add_representer(list, flow_when_short)
    text = yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    return str(text)
