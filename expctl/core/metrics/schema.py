"""Check a metric against PostHog's own ``ExperimentMetric`` definitions, offline.

PostHog validates a written metric with pydantic models generated from its published
query schema (``ExperimentService`` → ``ExperimentMetric``), and refuses what does not
fit with a 400 naming pydantic's ``loc``. The definitions ship with expctl
(``schema/posthog-experiment-metric.schema.json``, copied from that schema), so a spec
is checked against the same rules before anything is sent, and each problem says where
and what to write instead.

Only what those definitions use is understood: ``$ref``, ``anyOf``, ``type``, ``enum``,
``const``, ``properties``, ``required``, ``additionalProperties: false`` and ``items``.
``anyOf`` branches told apart by a ``const`` field (``metric_type`` for metrics, ``kind``
for nodes) are chosen by it, so the message speaks of the branch the author meant. As in
pydantic, ``null`` for an optional field means absent.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from expctl.core.specs.fields import json_type_of, suggest

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "posthog-experiment-metric.schema.json"
LEGACY_METRIC_KINDS = ("ExperimentTrendsQuery", "ExperimentFunnelsQuery")
MAX_LISTED_CHOICES = 12

Path_ = tuple[str | int, ...]
Problem = tuple[Path_, str]


@functools.cache
def definitions() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["definitions"])


def metric_problems(metric: Any) -> list[Problem]:
    """Every way ``metric`` breaks PostHog's ``ExperimentMetric``, as (path, message).

    A path ending in ``"="`` points at a value; otherwise at a key (or the metric)."""
    found = list(_check({"$ref": "#/definitions/ExperimentMetric"}, metric, ()))
    return found or list(_math_problems(metric))


# Where a metric of each type keeps its nodes (steps, sources).
NODE_FIELDS = {
    "mean": ("source",),
    "funnel": ("series",),
    "ratio": ("numerator", "denominator"),
    "retention": ("start_event", "completion_event"),
}


def _math_problems(metric: Any) -> Iterator[Problem]:
    """A node's math must be one PostHog's experiments compute: the schema lets an
    EventsNode carry any of PostHog's maths (it serves insights too), but the experiment
    query runners compute only ``ExperimentMetricMathType``; another (median, p95, …)
    would be computed as something else, a wrong number without an error."""
    if not isinstance(metric, Mapping):
        return
    computed = enum_values("ExperimentMetricMathType")
    for field in NODE_FIELDS.get(str(metric.get("metric_type")), ()):
        value = metric.get(field)
        nodes = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, node in nodes:
            if not isinstance(node, Mapping) or node.get("math") is None:
                continue
            here: Path_ = (field,) if index is None else (field, index)
            math = node["math"]
            if math not in computed:
                yield (
                    (*here, "math", "="),
                    (
                        f"math {math!r} is not one PostHog's experiments compute ({', '.join(computed)}); "
                        "for a typical value use avg, with outliers to trim extremes"
                    ),
                )
            elif math == "unique_group" and node.get("math_group_type_index") is None:
                yield (*here, "math", "="), "math unique_group needs math_group_type_index (the group type: 0, 1, …)"


def enum_values(definition: str) -> list[str]:
    return [str(v) for v in definitions()[definition].get("enum") or []]


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = definitions()[str(schema["$ref"]).rsplit("/", 1)[1]]
    return schema


def _check(schema: Mapping[str, Any], value: Any, path: Path_) -> Iterator[Problem]:
    schema = _resolve(schema)
    if "anyOf" in schema:
        yield from _check_any_of([_resolve(s) for s in schema["anyOf"]], value, path)
        return
    if "const" in schema:
        if value != schema["const"]:
            yield (*path, "="), f"must be {schema['const']!r}"
        return
    if "enum" in schema:
        choices = list(schema["enum"])
        if value not in choices:
            hint = suggest(str(value), choices) if isinstance(value, str) else ""
            if len(choices) > MAX_LISTED_CHOICES:
                listed = f"PostHog's {len(choices)} values (`expctl schema` lists them)"
            else:
                listed = ", ".join(str(c) for c in choices)
            yield (*path, "="), f"{value!r} is not one of {listed}{hint}"
        return
    expected = schema.get("type")
    if expected is not None and not _type_ok(expected, value):
        names = " or ".join(expected) if isinstance(expected, list) else str(expected)
        yield (*path, "="), f"must be {_article(names)}, not {json_type_of(value)}"
        return
    if isinstance(value, dict):
        yield from _check_object(schema, value, path)
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            yield from _check(schema["items"], item, (*path, index))


def _check_object(schema: Mapping[str, Any], value: Mapping[str, Any], path: Path_) -> Iterator[Problem]:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    what = _what(schema)
    for name in schema.get("required") or []:
        if value.get(name) is None:
            yield path, f"{what} needs '{name}'"
    for name, item in value.items():
        if name not in properties:
            if schema.get("additionalProperties") is False:
                yield (*path, name), f"unknown field '{name}' for {what}{suggest(name, properties)}"
            continue
        if item is None and name not in (schema.get("required") or []):
            continue  # pydantic: null for an optional field is the field left out
        yield from _check(properties[name], item, (*path, name))


def _check_any_of(branches: list[Mapping[str, Any]], value: Any, path: Path_) -> Iterator[Problem]:
    key = _discriminator(branches)
    if key is not None and isinstance(value, dict):
        options = {str(b["properties"][key]["const"]): b for b in branches}
        chosen = options.get(str(value.get(key)))
        if chosen is None:
            listed = ", ".join(options)
            if value.get(key) is None:
                yield path, f"needs '{key}': one of {listed}"
            else:
                hint = suggest(str(value[key]), options)
                yield (*path, key, "="), f"{key} {value[key]!r} is not one of {listed}{hint}"
            return
        yield from _check(chosen, value, path)
        return
    first: list[Problem] | None = None
    for branch in branches:
        found = list(_check(branch, value, path))
        if not found:
            return
        first = found if first is None else first
    yield from first or []


def _discriminator(branches: list[Mapping[str, Any]]) -> str | None:
    """A field every branch fixes to its own constant, if there is one."""
    for key in ("metric_type", "kind"):
        consts = [((b.get("properties") or {}).get(key) or {}).get("const") for b in branches]
        if all(c is not None for c in consts) and len(set(consts)) == len(consts):
            return key
    return None


def _what(schema: Mapping[str, Any]) -> str:
    """How a message names the object: "a ratio metric", "an EventsNode"."""
    properties = schema.get("properties") or {}
    metric_type = (properties.get("metric_type") or {}).get("const")
    if metric_type:
        return f"a {metric_type} metric"
    kind = (properties.get("kind") or {}).get("const")
    return _article(str(kind)) if kind else "this object"


def _article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeio' else 'a'} {noun}"


def _type_ok(expected: Any, value: Any) -> bool:
    names = expected if isinstance(expected, list) else [expected]
    actual = json_type_of(value)
    return actual in names or (actual == "integer" and "number" in names)
