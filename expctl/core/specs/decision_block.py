"""A spec's ``decision:`` block: the policy `expctl decide` applies, checked offline with
positions like every other field (its settings, then its metric names against the
spec's own metrics and shared metrics, and its correction against the spec's method).

The block is expctl's, not PostHog's: it is never sent, so plans and diffs ignore it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from expctl.core.decision import Policy, check_policy_against, read_policy
from expctl.core.specs.yaml_source import PathKey

DECISION = "decision"


def check_decision(
    value: Mapping[str, Any], expanded: Mapping[str, Any], problem: Callable[[PathKey, str], None]
) -> Policy | None:
    """The spec's policy (the default one when there is no block); each problem said at
    its place in the block. ``expanded``: the spec's metrics in PostHog's form."""
    if DECISION not in value:
        return Policy()
    if not isinstance(value[DECISION], Mapping):
        return None  # the field's type check says it once
    policy, problems = read_policy(value[DECISION])
    if policy is None:
        for found in problems:
            problem((DECISION, *found.path), found.message)
        return None
    for found in check_policy_against(policy, _as_experiment(value, expanded)):
        problem((DECISION, *found.path), found.message)
    return policy


def _as_experiment(value: Mapping[str, Any], expanded: Mapping[str, Any]) -> dict[str, Any]:
    """The spec as the policy sees an experiment: its metrics (expanded), its shared
    metrics by name in their roles, and its statistics settings."""
    shared = [
        {"name": ref["name"], "query": {"name": ref["name"]}, "metadata": {"type": ref.get("type", "primary")}}
        for ref in expanded.get("shared_metrics") or []
        if isinstance(ref, Mapping) and isinstance(ref.get("name"), str)
    ]
    experiment: dict[str, Any] = {
        name: expanded.get(name, value.get(name)) for name in ("metrics", "metrics_secondary", "stats_config")
    }
    experiment["saved_metrics"] = shared
    return experiment
