"""diff and apply across kinds: holdouts and shared metrics, planned and applied before experiments.

PostHog is asked for its holdouts (and, apart, its shared metrics) only when the specs
have such documents or an experiment names one: experiment-only spec sets, and specs that
refer to them by id (as `export` writes them for a key without those scopes), cost no
extra request and need no extra scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from expctl.cli.framework.runtime import Runtime
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
    from expctl.core.spec_kinds import HOLDOUT, SHARED_METRIC

    if not result.resources and not any("holdout" in s.data or "shared_metrics" in s.data for s in result.specs):
        return plan(result.specs, state, shared)
    from expctl.api.resources import HOLDOUTS, SHARED_METRICS

    rows: dict[str, list[dict[str, Any]]] = {}
    with rt.progress("Reading holdouts and shared metrics from PostHog"):
        for kind, resource in ((HOLDOUT, HOLDOUTS), (SHARED_METRIC, SHARED_METRICS)):
            found = _read_kind(rt, result, kind, resource)
            if found is not None:
                rows[kind] = found
    holdouts, metrics = rows.get(HOLDOUT, []), rows.get(SHARED_METRIC, [])
    directory: Directory = directory_of(holdouts, metrics)
    directory.unread = {HOLDOUT, SHARED_METRIC} - set(rows)
    resources = plan_resources(result.resources, holdouts, metrics, directory)
    made = plan(result.specs, state, shared, directory)
    made.resources = resources
    return made


def _read_kind(rt: Runtime, result: SpecSet, kind: str, resource: Any) -> list[dict[str, Any]] | None:
    """PostHog's holdouts or shared metrics, when the specs use them: needed for documents
    of the kind and for names (a name needs its id); for ids only, a check worth one
    request, skipped with a note when the key may not read them (the id is then sent as
    it is, and PostHog checks it). None: not read."""
    from expctl.core.spec_kinds import HOLDOUT
    from expctl.errors import ApiAuthError

    if kind == HOLDOUT:
        refs = [s.data["holdout"] for s in result.specs if s.data.get("holdout") is not None]
    else:
        refs = [r.get("name", r.get("id")) for s in result.specs for r in s.data.get("shared_metrics") or []]
    named = any(r.kind == kind for r in result.resources) or any(isinstance(ref, str) for ref in refs)
    if not named and not refs:
        return None
    try:
        return list(rt.resources(resource).all())
    except ApiAuthError as exc:
        if named or exc.status != 403:
            raise
        rt.messages.note(f"{kind} ids in the specs not checked: {exc.message}")
        return None


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
    from expctl.core.plan_terms import ERROR
    from expctl.core.references import resolve, unresolved
    from expctl.core.resource_plan import ResourceBackend, apply_resources
    from expctl.core.spec_kinds import HOLDOUT, SHARED_METRIC
    from expctl.render.plan import resource_outcome_line
    from expctl.render.style import Styler

    if not plan.resources:  # then no request names a holdout or shared metric still to make
        return []
    apis = {HOLDOUT: rt.holdouts, SHARED_METRIC: rt.shared_metrics}
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
    from expctl.core.plan_terms import CREATE, ERROR, UNCHANGED

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
