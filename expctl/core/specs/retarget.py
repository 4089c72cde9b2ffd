"""Moving an experiment's spec to another project: its actions and cohorts by name.

An action's or cohort's id means nothing in another project (another organisation,
even); its name is what a person recognises. A spec read from one project names each by
id (a metric's ``ActionsNode`` or the shorthand's ``action:``; a cohort property filter
``{type: cohort, value: N}``); before it is planned against another project, each id is
replaced by the id the one of the same name has there. One the target lacks (or has
twice) is a problem, said before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

ACTION = "action"
COHORT = "cohort"


def referenced_ids(value: Any, kind: str) -> set[int]:
    """Every action (or cohort) id a spec refers to."""
    return {int(node[field]) for node, field in _references(value, kind)}


def retarget(
    value: Any, kind: str, source_names: Mapping[int, str], target_ids: Mapping[str, list[int]], where: str
) -> list[str]:
    """Rewrite, in place, each ``kind`` id of the source project to the target's id of the
    one with the same name; the problems (``where`` names the experiment)."""
    problems = []
    for node, field in list(_references(value, kind)):
        source_id = int(node[field])
        name = source_names.get(source_id)
        found = target_ids.get(name, []) if name is not None else []
        if name is None:
            problems.append(f"{where}: {kind} {source_id} is not in the source project")
        elif len(found) != 1:
            count = f"no {kind}" if not found else f"{len(found)} {kind}s"
            problems.append(f"{where}: the target project has {count} named {name!r} (id {source_id} here)")
        else:
            node[field] = found[0]
    return problems


def _references(value: Any, kind: str) -> Iterator[tuple[dict[str, Any], str]]:
    """(node, field) for each reference: ``{"kind": "ActionsNode", "id": N}`` in PostHog's
    form or ``{"action": N}`` in the shorthand; ``{"type": "cohort", "value": N}``."""
    if isinstance(value, dict):
        if kind == ACTION and value.get("kind") == "ActionsNode" and _is_id(value.get("id")):
            yield value, "id"
        elif kind == ACTION and _is_id(value.get("action")) and "kind" not in value:
            yield value, "action"
        elif kind == COHORT and value.get("type") == "cohort" and _is_id(value.get("value")):
            yield value, "value"
        for item in value.values():
            yield from _references(item, kind)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item, kind)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
