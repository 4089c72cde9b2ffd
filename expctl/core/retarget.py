"""Moving an experiment's spec to another project: its actions by name, not by id.

An action's id means nothing in another project (another organisation, even); its name
is what a person recognises. A spec read from one project names each action by id (the
metric's ``ActionsNode``, or the shorthand's ``action:``); before it is planned against
another project, each id is replaced by the id the action of the same name has there. An
action the target lacks (or has twice) is a problem, said before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def action_ids(value: Any) -> set[int]:
    """Every action id a spec's metrics refer to."""
    return {int(node[field]) for node, field in _references(value)}


def retarget_actions(
    value: Any, source_names: Mapping[int, str], target_ids: Mapping[str, list[int]], where: str
) -> list[str]:
    """Rewrite, in place, each action id of the source project to the target's id of the
    action with the same name; the problems (``where`` names the experiment)."""
    problems = []
    for node, field in list(_references(value)):
        source_id = int(node[field])
        name = source_names.get(source_id)
        found = target_ids.get(name, []) if name is not None else []
        if name is None:
            problems.append(f"{where}: action {source_id} is not in the source project")
        elif len(found) != 1:
            count = "no action" if not found else f"{len(found)} actions"
            problems.append(f"{where}: the target project has {count} named {name!r} (id {source_id} here)")
        else:
            node[field] = found[0]
    return problems


def _references(value: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """(node, field) for each action reference: ``{"kind": "ActionsNode", "id": N}`` in
    PostHog's form, ``{"action": N}`` in the shorthand."""
    if isinstance(value, dict):
        if value.get("kind") == "ActionsNode" and _is_id(value.get("id")):
            yield value, "id"
        elif _is_id(value.get("action")) and "kind" not in value:
            yield value, "action"
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
