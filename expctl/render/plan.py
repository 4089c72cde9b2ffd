"""A plan as people review it: what `apply` will create, change and move, field by field."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from expctl.core.apply.execute import Outcome
from expctl.core.apply.items import CREATE, ERROR, UNCHANGED, UPDATE, FieldChange, PlanItem
from expctl.core.apply.plan import Plan
from expctl.core.apply.resources import ResourceItem, ResourceOutcome
from expctl.core.metrics.compress import compress
from expctl.core.specs.export import to_yaml
from expctl.core.specs.load import Spec
from expctl.core.specs.references import json_safe
from expctl.render.style import Styler
from expctl.render.words import plural

MARKS = {CREATE: "+", UPDATE: "~", UNCHANGED: "=", ERROR: "!"}
CONTEXT_LINES = 2


def _yaml(value: Any) -> list[str]:
    """YAML as ``expctl export`` writes specs, so a diff reads like the file being edited."""
    return to_yaml(value).rstrip("\n").splitlines()


def field_diff(name: str, before: Any, after: Any) -> list[str]:
    """YAML of ``{name: before}`` against ``{name: after}``, as -/+ lines with some context.

    Every field's lines start under its own ``name:`` heading, even when the change lies
    deeper than the context reaches, and separate stretches of one field are parted by a
    ``…`` line: a reviewer always sees which field, and that lines were left out."""
    old, new = _yaml({name: before}), _yaml({name: after})
    lines: list[str] = []
    for line in difflib.unified_diff(old, new, lineterm="", n=CONTEXT_LINES):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if lines:
                lines.append(" …")
            continue
        lines.append(line)
    heading = f" {old[0]}" if old[0] == new[0] else None
    if heading is not None and lines and lines[0] != heading:
        lines.insert(0, heading)
    return lines


def _as_written(name: str, value: Any) -> Any:
    """Metrics in the shorthand when every one of them says exactly what PostHog holds,
    as the user wrote them (``docs/metrics.md``); PostHog's form otherwise."""
    if name not in ("metrics", "metrics_secondary") or not isinstance(value, list):
        return value
    short = [compress(metric) if isinstance(metric, Mapping) else None for metric in value]
    return value if any(s is None for s in short) else short


def render_plan(plan: Plan, *, color: bool, show_unchanged: bool = False) -> str:
    style = Styler(color)
    out: list[str] = []
    for resource in plan.resources:
        if resource.action != UNCHANGED or show_unchanged:
            out.extend(_resource_lines(resource, style))
    for item in plan.items:
        if item.action == UNCHANGED and not item.moves and not show_unchanged:
            continue
        out.extend(_item_lines(item, style))
    out.append(plan_summary(plan))
    return "\n".join(out) + "\n"


def _title(item: PlanItem[Spec]) -> str:
    exp = item.current or {}
    ident = f" (id {exp.get('id')})" if exp.get("id") is not None else ""
    return f"{item.key} '{item.spec.name}'{ident}"


def _item_lines(item: PlanItem[Spec], style: Styler) -> list[str]:
    action = item.action if not (item.action == UNCHANGED and item.moves) else "move"
    colors = {CREATE: ("green",), UPDATE: ("yellow",), ERROR: ("red",), "move": ("cyan",), UNCHANGED: ("dim",)}
    mark = MARKS.get(item.action, "~")
    lines = [style(f"{mark} {action} {_title(item)}", "bold", *colors.get(action, ()))]
    lines.append(style(f"    from {item.spec.origin}", "dim"))
    if item.action == CREATE and item.create_body is not None:
        body = {k: v for k, v in item.create_body.items() if k not in ("feature_flag_key",)}
        for line in _yaml(json_safe(body)):
            lines.append(style(f"    + {line}", "green"))
    lines.extend(_change_lines(item.changes, style))
    if item.moves:
        lines.append(style(f"    then: {' → '.join(item.moves)}", "cyan"))
    for error in item.errors:
        lines.append(style(f"    ✗ {error}", "red"))
    for warning in item.warnings:
        lines.append(style(f"    ⚠ {warning}", "yellow"))
    return lines


def _change_lines(changes: Sequence[FieldChange], style: Styler) -> list[str]:
    lines = []
    for change in changes:
        before, after = _as_written(change.field, change.before), _as_written(change.field, change.after)
        for line in field_diff(change.field, before, after):
            if line.startswith("-"):
                lines.append(style(f"    - {line[1:]}", "red"))
            elif line.startswith("+"):
                lines.append(style(f"    + {line[1:]}", "green"))
            else:
                lines.append(f"      {line[1:]}")
    return lines


def _resource_lines(item: ResourceItem, style: Styler) -> list[str]:
    colors = {CREATE: ("green",), UPDATE: ("yellow",), ERROR: ("red",), UNCHANGED: ("dim",)}
    ident = f" (id {item.current.get('id')})" if item.current else ""
    lines = [style(f"{MARKS[item.action]} {item.action} {item.key}{ident}", "bold", *colors[item.action])]
    lines.append(style(f"    from {item.spec.where()}", "dim"))
    if item.action == CREATE:
        lines.extend(style(f"    + {line}", "green") for line in _yaml(item.create_body))
    lines.extend(_change_lines(item.changes, style))
    lines.extend(style(f"    ✗ {error}", "red") for error in item.errors)
    return lines


def plan_summary(plan: Plan) -> str:
    unchanged = sum(1 for i in plan.items if i.action == UNCHANGED and not i.moves)
    unchanged += sum(1 for r in plan.resources if r.action == UNCHANGED)
    parts = [
        f"{plan.count(CREATE)} to create",
        f"{plan.count(UPDATE)} to update",
        plural(plan.moves, "lifecycle move"),
        f"{unchanged} unchanged",
    ]
    if plan.has_errors:
        parts.append(f"{plan.count(ERROR)} refused")
    return "Plan: " + ", ".join(parts) + "."


def plan_json(plan: Plan) -> list[dict[str, Any]]:
    resources = [
        {
            "kind": item.spec.kind,
            "name": item.spec.name,
            "action": item.action,
            "id": (item.current or {}).get("id"),
            "source": str(item.spec.where()),
            "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in item.changes],
            "errors": item.errors,
            "request": item.request,
        }
        for item in plan.resources
    ]
    return resources + [
        {
            "kind": "Experiment",
            "feature_flag_key": item.key,
            "action": item.action,
            "id": (item.current or {}).get("id"),
            "source": item.spec.origin,
            "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in item.changes],
            "moves": item.moves,
            "errors": item.errors,
            "warnings": item.warnings,
            "unsupported": item.unsupported,
            "request": json_safe(item.create_body if item.action == CREATE else (item.patch or None)),
        }
        for item in plan.items
    ]


def outcome_line(outcome: Outcome, style: Styler) -> str:
    exp = outcome.experiment or outcome.item.current or {}
    ident = f" (id {exp.get('id')})" if exp.get("id") is not None else ""
    label = f"{outcome.key}{ident}"
    if outcome.error is not None:
        return style(f"✗ {label}: {outcome.error.message}", "red")
    if outcome.found_existing:
        return f"= {label}: already created by another run; nothing more to do now"
    done = ", ".join(outcome.steps)
    if outcome.skipped:
        return style(f"… {label}: {done + '; ' if done else ''}not finished (interrupted)", "yellow")
    return style(f"✓ {label}: {done}", "green")


def resource_outcome_line(outcome: ResourceOutcome, style: Styler) -> str:
    result = outcome.result or outcome.item.current or {}
    label = f"{outcome.key}" + (f" (id {result.get('id')})" if result.get("id") is not None else "")
    if outcome.error is not None:
        return style(f"✗ {label}: {outcome.error.message}", "red")
    if outcome.found_existing:
        return style(f"✓ {label}: found existing (another run made it a moment before)", "green")
    return style(f"✓ {label}: {'created' if outcome.item.action == CREATE else 'updated'}", "green")


def summary_line(counts: dict[str, int]) -> str:
    order = [
        "created",
        "updated",
        "launched",
        "paused",
        "resumed",
        "ended",
        "found existing",
        "unchanged",
        "refused",
        "failed",
        "not started",
    ]
    parts = [f"{counts[name]} {name}" for name in order if counts.get(name)]
    return ", ".join(parts) if parts else "nothing to do"


def outcomes_json(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    return [
        {
            "feature_flag_key": o.key,
            "id": (o.experiment or o.item.current or {}).get("id"),
            "steps": o.steps,
            "found_existing": o.found_existing,
            "skipped": o.skipped,
            "error": o.error.message if o.error else None,
        }
        for o in outcomes
    ]


def what_changes(plan: Plan) -> str:
    """``3 experiments and 1 holdout or shared metric``: what the confirmation names."""
    experiments = sum(1 for item in plan.items if item.pending)
    others = sum(1 for item in plan.resources if item.pending)
    parts = [plural(experiments, "experiment")] if experiments else []
    if others:
        parts.append(f"{others} {'holdout or shared metric' if others == 1 else 'holdouts or shared metrics'}")
    return " and ".join(parts)


def resources_json(made: Sequence[ResourceOutcome]) -> list[dict[str, Any]]:
    return [
        {
            "kind": o.item.spec.kind,
            "name": o.item.spec.name,
            "id": (o.result or o.item.current or {}).get("id"),
            "steps": [] if o.error else ["created" if o.item.action == CREATE else "updated"],
            "error": o.error.message if o.error else None,
        }
        for o in made
    ]
