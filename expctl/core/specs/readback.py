"""How a spec field is read back from PostHog and compared, so only real drift counts.

PostHog changes what it stores in small ways: it assigns metric ``uuid``s and
``fingerprint``s, fills settings defaults (``stats_config.method``,
``exposure_criteria.filterTestAccounts``), projects the flag's variants into
``parameters`` with ``split_percent``, and lower-cases ``Control``. None of that is drift.
Variants are read from the linked feature flag, so a split changed in the web app shows up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from expctl.core.specs.fields import WRITE_ONLY_FIELDS
from expctl.core.specs.load import normalize_variants
from expctl.model.concurrency import machine_view
from expctl.model.experiment import status_of, variants_of
from expctl.model.metrics import in_display_order

# Fields newest Cloud's list rows leave out; managing one of them needs a GET.
SLIM_LIST_OMITS = frozenset(
    {
        "metrics",
        "metrics_secondary",
        "saved_metrics",
        "secondary_metrics",
        "filters",
        "stats_config",
        "scheduling_config",
        "exposure_criteria",
        "primary_metrics_ordered_uuids",
        "secondary_metrics_ordered_uuids",
        "holdout_id",
        "saved_metrics_ids",
        "only_count_matured_users",
    }
)
SERVER_METRIC_KEYS = ("uuid", "fingerprint")
# Settings objects PostHog fills with defaults: keys the spec sets are compared, the rest not.
SUBSET_FIELDS = frozenset({"exposure_criteria", "stats_config", "scheduling_config", "running_time_calculation"})


def source_field(spec_field: str) -> str:
    """Which key of the experiment object a spec field is read from."""
    return {
        "variants": "feature_flag",
        "state": "start_date",
        "saved_metrics_ids": "saved_metrics",
    }.get(spec_field, spec_field)


def needs_full_object(spec_fields: Sequence[str], experiment: Mapping[str, Any]) -> bool:
    """True when a managed field is missing from this (list) row."""
    for name in spec_fields:
        key = source_field(name)
        if key in SLIM_LIST_OMITS and key not in experiment and name not in ("holdout_id",):
            return True
        if name == "holdout_id" and "holdout_id" not in experiment and "holdout" not in experiment:
            return True
    return False


def has_field(spec_field: str, experiment: Mapping[str, Any]) -> bool:
    """Whether this server's (full) experiment object has the field a spec field is read from.

    Older releases lack newer fields altogether (late 2024: ``stats_config``,
    ``conclusion``, ``exposure_criteria``, …). Write-only fields never come back."""
    if spec_field in WRITE_ONLY_FIELDS or spec_field == "saved_metrics_ids":
        return True
    if spec_field == "holdout_id":
        return "holdout_id" in experiment or "holdout" in experiment
    return source_field(spec_field) in experiment


def current(spec_field: str, experiment: Mapping[str, Any]) -> Any:
    """The experiment's value for a spec field, in the spec's shape."""
    if spec_field == "variants":
        return normalize_variants(variants_of(experiment))
    if spec_field == "state":
        status = status_of(experiment)
        return "running" if status == "exposure_frozen" else status
    if spec_field == "holdout_id":
        if experiment.get("holdout_id") is not None:
            return experiment.get("holdout_id")
        holdout = experiment.get("holdout")
        return holdout.get("id") if isinstance(holdout, Mapping) else None
    if spec_field == "saved_metrics_ids":
        return [
            {"id": s.get("saved_metric"), "metadata": {"type": (s.get("metadata") or {}).get("type", "primary")}}
            for s in experiment.get("saved_metrics") or []
            if isinstance(s, Mapping)
        ]
    if spec_field in ("metrics", "metrics_secondary"):
        return in_display_order(experiment, spec_field)  # a spec lists them as PostHog shows them
    if spec_field == "parameters":
        params = dict(experiment.get("parameters") or {})
        if isinstance(params.get("feature_flag_variants"), list):
            params["feature_flag_variants"] = normalize_variants(params["feature_flag_variants"])
        return params
    return experiment.get(spec_field)


def same(spec_field: str, wanted: Any, actual: Any) -> bool:
    """Whether a managed field is in sync (semantic comparison, see module docstring)."""
    if spec_field == "tags":
        return sorted({str(t).strip().lower() for t in wanted or []}) == sorted(str(t) for t in actual or [])
    if spec_field == "description":
        return (wanted or "") == (actual or "")
    if spec_field == "variants":
        return _same_variants(wanted, actual)
    if spec_field in ("metrics", "metrics_secondary"):
        return _same_metrics(wanted or [], actual or [])
    if spec_field == "saved_metrics_ids":
        return _saved_set(wanted) == _saved_set(actual)
    if spec_field in SUBSET_FIELDS:
        if spec_field == "running_time_calculation":
            # The web app rewrites recommended_* on every results load (PR #77437): machine
            # churn, never drift, whatever a spec says of them.
            wanted = machine_view(spec_field, wanted) if isinstance(wanted, Mapping) else wanted
            actual = machine_view(spec_field, actual) if isinstance(actual, Mapping) else actual
        if wanted is None:
            return actual in (None, {})
        return _subset(wanted, actual or {})
    if spec_field == "parameters":
        wanted_params = dict(wanted or {})
        actual_params = dict(actual or {})
        variants_ok = True
        if "feature_flag_variants" in wanted_params:
            variants_ok = _same_variants(
                normalize_variants(wanted_params.pop("feature_flag_variants")),
                actual_params.pop("feature_flag_variants", []),
            )
        return variants_ok and _subset(wanted_params, actual_params)
    return bool(wanted == actual)


def _same_variants(wanted: Any, actual: Any) -> bool:
    if not isinstance(wanted, list) or not isinstance(actual, list):
        return bool(wanted == actual)
    if sorted(str(v.get("key")) for v in wanted) != sorted(str(v.get("key")) for v in actual):
        return False
    by_key = {v.get("key"): v for v in actual}
    for variant in wanted:
        other = by_key.get(variant.get("key"))
        if other is None:
            return False
        if float(variant.get("rollout_percentage") or 0) != float(other.get("rollout_percentage") or 0):
            return False
        if "name" in variant and variant.get("name") != other.get("name"):
            return False
    return True


def strip_server_keys(metric: Any, keep: frozenset[str] = frozenset()) -> Any:
    if not isinstance(metric, Mapping):
        return metric
    return {k: v for k, v in metric.items() if k not in SERVER_METRIC_KEYS or k in keep}


def without_action_names(value: Any) -> Any:
    """A metric without the ``name`` of its ActionsNodes, which PostHog rewrites to the
    action's current name on every read (``refresh_action_names_in_metric`` in
    ``products/experiments/backend/metric_utils.py``), so it is never drift; PostHog's own
    saved-metric service compares queries the same way."""
    if isinstance(value, Mapping):
        drop = value.get("kind") == "ActionsNode"
        return {k: without_action_names(v) for k, v in value.items() if not (drop and k == "name")}
    if isinstance(value, list):
        return [without_action_names(v) for v in value]
    return value


def _same_metrics(wanted: Sequence[Any], actual: Sequence[Any]) -> bool:
    if len(wanted) != len(actual):
        return False
    for mine, theirs in zip(wanted, actual, strict=True):
        keep = frozenset(k for k in SERVER_METRIC_KEYS if isinstance(mine, Mapping) and k in mine)
        if without_action_names(strip_server_keys(mine, keep)) != without_action_names(strip_server_keys(theirs, keep)):
            return False
    return True


def _saved_set(value: Any) -> set[tuple[Any, str]]:
    items = set()
    for item in value or []:
        if isinstance(item, Mapping):
            kind = (
                (item.get("metadata") or {}).get("type", "primary")
                if isinstance(item.get("metadata"), Mapping)
                else "primary"
            )
            items.add((item.get("id"), str(kind)))
    return items


def _subset(wanted: Any, actual: Any) -> bool:
    if isinstance(wanted, Mapping) and isinstance(actual, Mapping):
        return all(k in actual and _subset(v, actual[k]) for k, v in wanted.items())
    if isinstance(wanted, list) and isinstance(actual, list):
        return len(wanted) == len(actual) and all(_subset(a, b) for a, b in zip(wanted, actual, strict=True))
    if isinstance(wanted, (int, float)) and isinstance(actual, (int, float)) and not isinstance(wanted, bool):
        return float(wanted) == float(actual)
    return bool(wanted == actual)
