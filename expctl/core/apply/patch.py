"""The PATCH an update sends: each changed spec field in the shape PostHog takes it.

``parameters`` and the settings objects (``stats_config``, ``exposure_criteria``, …) are
replaced whole by PostHog, so they start from what PostHog has; variants of a
launched experiment go with ``update_feature_flag_params``; metrics keep their identities
and ordering arrays (``metric_identity``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.core.apply.metric_identity import ORDERING_FIELDS, ordering_for, with_identities
from expctl.core.specs.load import normalize_variants
from expctl.core.specs.readback import SUBSET_FIELDS, current


def add_to_patch(
    patch: dict[str, Any],
    spec_data: Mapping[str, Any],
    name: str,
    wanted: Any,
    experiment: Mapping[str, Any],
    launched: bool,
) -> None:
    """Put one changed spec field into the PATCH, in the shape PostHog takes it."""
    if name == "variants":
        params = current_parameters(experiment)
        params["feature_flag_variants"] = wanted
        patch["parameters"] = params
        if launched:
            patch["update_feature_flag_params"] = True
        return
    if name == "parameters":
        params = current_parameters(experiment)
        wanted = dict(wanted or {})
        if "feature_flag_variants" in wanted:
            wanted["feature_flag_variants"] = normalize_variants(wanted["feature_flag_variants"])
            if launched:
                patch["update_feature_flag_params"] = True
        params.update(wanted)
        patch["parameters"] = params
        return
    if name in ORDERING_FIELDS:
        existing = experiment.get(name) or []
        sent = with_identities(wanted or [], existing)
        patch[name] = sent
        ordering_field = ORDERING_FIELDS[name]
        if ordering_field not in spec_data:
            ordering = ordering_for(sent, existing, experiment.get(ordering_field))
            if ordering is not None:
                patch[ordering_field] = ordering
        if spec_data.get("allow_unknown_events"):
            patch["allow_unknown_events"] = True
        return
    if name in SUBSET_FIELDS and isinstance(wanted, Mapping):
        # A spec names some keys of these settings (compared as a subset); PostHog replaces
        # the whole JSON field, so what the spec leaves out is sent as PostHog has it.
        patch[name] = deep_merged(experiment.get(name), wanted)
        return
    patch[name] = wanted


def deep_merged(base: Any, wanted: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base) if isinstance(base, Mapping) else {}
    for key, value in wanted.items():
        merged[key] = deep_merged(merged.get(key), value) if isinstance(value, Mapping) else value
    return merged


def split_changes(experiment: Mapping[str, Any], patch: Mapping[str, Any]) -> bool:
    """Whether the variants sent give some variant another share of users. New variant
    names do not, and new keys are refused for a launched experiment anyway (see
    ``_check_changes``), so neither is worth a warning about the split."""
    sent = (patch.get("parameters") or {}).get("feature_flag_variants")
    if not isinstance(sent, list):
        return False
    before = {str(v.get("key")): float(v.get("rollout_percentage") or 0) for v in current("variants", experiment)}
    after = {str(v.get("key")): float(v.get("rollout_percentage") or 0) for v in normalize_variants(sent)}
    return set(before) == set(after) and before != after


def current_parameters(experiment: Mapping[str, Any]) -> dict[str, Any]:
    """``parameters`` are replaced whole on update: start from what PostHog has."""
    params = dict(current("parameters", experiment) or {})
    params.pop("split_percent", None)
    variants = current("variants", experiment)
    if variants:
        params["feature_flag_variants"] = variants
    return params
