"""diff and apply across kinds: holdouts and shared metrics, planned and applied before experiments.

PostHog is asked for its holdouts and shared metrics only when the specs have such
documents or an experiment refers to one, so experiment-only spec sets cost no extra
request (and need no extra scope).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from expctl.cli.runtime import Runtime
from expctl.render.words import plural

if TYPE_CHECKING:
    from expctl.core.plan import Plan
    from expctl.core.resource_plan import ResourceOutcome
    from expctl.core.spec import SpecSet


def plan_with_resources(
    rt: Runtime, result: SpecSet, state: Mapping[str, Any], shared: Mapping[str, Sequence[int]]
) -> Plan:
    from expctl.core.plan import plan
    from expctl.core.references import Directory
    from expctl.core.resource_plan import directory_of, plan_resources

    refers = any("holdout" in s.data or "shared_metrics" in s.data for s in result.specs)
    if not result.resources and not refers:
        return plan(result.specs, state, shared)
    from expctl.api.resources import HOLDOUTS, SHARED_METRICS, ResourceApi

    with rt.progress("Reading holdouts and shared metrics from PostHog"):
        holdouts = ResourceApi(rt.client, HOLDOUTS).all()
        metrics = ResourceApi(rt.client, SHARED_METRICS).all()
    directory: Directory = directory_of(holdouts, metrics)
    resources = plan_resources(result.resources, holdouts, metrics, directory)
    made = plan(result.specs, state, shared, directory)
    made.resources = resources
    return made


def what_changes(plan: Plan) -> str:
    experiments = sum(1 for item in plan.items if item.pending)
    others = sum(1 for item in plan.resources if item.pending)
    parts = [plural(experiments, "experiment")] if experiments else []
    if others:
        parts.append(f"{others} {'holdout or shared metric' if others == 1 else 'holdouts or shared metrics'}")
    return " and ".join(parts)


def apply_resources_first(rt: Runtime, plan: Plan, mode: str) -> list[ResourceOutcome]:
    """Create and update the holdouts and shared metrics, then put their ids into the
    experiments' requests; an experiment whose reference could not be made is refused."""
    from expctl.api.resources import HOLDOUTS, SHARED_METRICS, ResourceApi
    from expctl.core.plan import ERROR
    from expctl.core.references import resolve, unresolved
    from expctl.core.resource_plan import ResourceBackend, apply_resources
    from expctl.core.spec_kinds import HOLDOUT, SHARED_METRIC
    from expctl.render.plan import resource_outcome_line
    from expctl.render.style import Styler

    if not plan.resources:  # then no request names a holdout or shared metric still to make
        return []
    apis = {HOLDOUT: ResourceApi(rt.client, HOLDOUTS), SHARED_METRIC: ResourceApi(rt.client, SHARED_METRICS)}
    backend = ResourceBackend(
        create=lambda kind, body: apis[kind].create(body),
        update=lambda kind, rid, body: apis[kind].update(rid, body),
    )
    outcomes, ids = apply_resources(plan.resources, backend)
    if mode == "text":
        style = Styler(rt.stdout_color)
        for outcome in outcomes:
            rt.output("plain").text(resource_outcome_line(outcome, style) + "\n", flush=True)
    for item in plan.items:
        missing = unresolved(item.create_body, ids) + unresolved(item.patch, ids)
        if missing:
            item.action = ERROR
            item.errors.append(f"not applied: {', '.join(f'{m.kind} {m.key!r}' for m in missing)} could not be made")
            continue
        if item.create_body is not None:
            item.create_body = resolve(item.create_body, ids)
        item.patch = resolve(item.patch, ids)
    return outcomes


def resource_counts(plan: Plan, made: Sequence[ResourceOutcome]) -> dict[str, int]:
    from expctl.core.plan import CREATE, ERROR, UNCHANGED

    counts: dict[str, int] = {}

    def bump(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    for outcome in made:
        bump("failed" if outcome.error is not None else "created" if outcome.item.action == CREATE else "updated")
    for item in plan.resources:
        if item.action == UNCHANGED:
            bump("unchanged")
        elif item.action == ERROR:
            bump("refused")
    return counts


def resources_json(made: Sequence[ResourceOutcome]) -> list[dict[str, Any]]:
    return [
        {
            "kind": o.item.spec.kind,
            "name": o.item.spec.name,
            "id": (o.result or o.item.existing or {}).get("id"),
            "steps": [] if o.error else ["created" if o.item.action == "create" else "updated"],
            "error": o.error.message if o.error else None,
        }
        for o in made
    ]
