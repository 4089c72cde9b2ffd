"""The variants of an experiment spec, checked with PostHog's rules: keys, whole
percentages summing to 100, a control, and what ``excluded_variants`` may leave out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.core.specs.fields import suggest
from expctl.core.specs.yaml_source import PathKey
from expctl.model.flagkeys import is_flag_key

MAX_VARIANTS = 20  # PostHog's limit of variants per experiment flag


def check_variants(variants: list[Any], path: PathKey, problem: Any) -> None:
    keys: list[str] = []
    total = 0.0
    for index, variant in enumerate(variants):
        here = (*path, index)
        if not isinstance(variant, dict):
            problem(here, "each variant must be a mapping with key and rollout_percentage")
            continue
        unknown = set(variant) - {"key", "name", "rollout_percentage", "split_percent"}
        for extra in sorted(unknown):
            problem(
                (*here, extra),
                f"unknown variant field '{extra}'{suggest(extra, ['key', 'name', 'rollout_percentage'])}",
            )
        key = variant.get("key")
        if not isinstance(key, str) or not is_flag_key(key):
            problem((*here, "key"), "each variant needs a key of letters, digits, '-' and '_'")
            continue
        share = variant.get("split_percent", variant.get("rollout_percentage"))
        if not isinstance(share, (int, float)) or isinstance(share, bool):
            problem(here, f"variant '{key}' needs rollout_percentage (a number)")
            continue
        if not 0 <= share <= 100:
            problem((*here, "rollout_percentage"), f"variant '{key}': rollout_percentage must be between 0 and 100")
        elif not float(share).is_integer():
            # the flag's variant rollout_percentage is an IntegerField(min_value=0, max_value=100)
            problem((*here, "rollout_percentage"), f"variant '{key}': PostHog takes whole percentages, not {share:g}")
        keys.append(key)
        total += float(share)
    if len(variants) < 2:
        problem(path, "an experiment needs at least 2 variants: control and a test variant")
    if len(variants) > MAX_VARIANTS:
        problem(path, f"PostHog allows at most {MAX_VARIANTS} variants")
    if keys and "control" not in keys and not any(k.lower() == "control" for k in keys):
        problem(path, f"one variant must have the key 'control' (got {', '.join(keys)})")
    if len(set(keys)) != len(keys):
        problem(path, "variant keys must be unique")
    if keys and len(keys) == len([v for v in variants if isinstance(v, dict)]) and abs(total - 100) > 1e-6:
        problem(path, f"variant percentages must sum to 100, not {total:g}")


def check_excluded_variants(value: Mapping[str, Any], problem: Any) -> None:
    """PostHog's rules for ``excluded_variants`` (ExperimentService): a list of the
    experiment's variant keys, never the baseline, and at least one test variant left."""
    excluded = value.get("excluded_variants")
    if excluded is None:
        return
    here = ("excluded_variants", "=")
    if not isinstance(excluded, list) or not all(isinstance(key, str) for key in excluded):
        problem(here, "excluded_variants must be a list of variant keys")
        return
    variants = value.get("variants")
    if variants is None:
        variants = [{"key": "control"}, {"key": "test"}]  # a spec's default split
    if not isinstance(variants, list):
        return
    keys = [str(v.get("key")) for v in variants if isinstance(v, Mapping)]
    unknown = [key for key in excluded if key not in keys]
    baseline = (
        (value.get("stats_config") or {}).get("baseline_variant_key")
        if isinstance(value.get("stats_config"), Mapping)
        else None
    )
    baseline = baseline or ("control" if "control" in keys else (keys[0] if keys else None))
    if unknown:
        problem(here, f"excluded_variants: unknown variants for this experiment: {', '.join(unknown)}")
    elif baseline in excluded:
        problem(here, f"excluded_variants: the baseline variant cannot be excluded ('{baseline}')")
    elif not [key for key in keys if key != baseline and key not in excluded]:
        problem(here, "excluded_variants: at least one test variant must remain in the analysis")
