"""Back from PostHog's ``ExperimentMetric`` to the shorthand (see ``metric_shorthand``).

:func:`compress` gives a shorthand only when expanding it gives back the very same metric,
so ``export`` and ``diff`` never show a metric other than the one PostHog has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.core.metrics.shorthand import (
    METRIC_TYPES,
    PERSON_PREFIX,
    PROPERTY_MATHS,
    RETENTION_DEFAULTS,
    UNIQUE_MATHS,
    UNITS,
    ShorthandError,
    expand,
)


def compress(metric: Mapping[str, Any]) -> dict[str, Any] | None:
    """The shorthand of a PostHog metric, or None when the shorthand cannot say it exactly.

    ``fingerprint`` is PostHog's and is left out; everything else must come back."""
    target = {k: v for k, v in metric.items() if k != "fingerprint"}
    try:
        short = _compress(target)
    except _UnsayableError:
        return None
    try:
        again = expand(short)
    except ShorthandError:
        return None
    return short if again == target else None


class _UnsayableError(Exception):
    pass


def _compress(metric: Mapping[str, Any]) -> dict[str, Any]:
    metric_type = metric.get("metric_type")
    if metric.get("kind") != "ExperimentMetric" or metric_type not in METRIC_TYPES:
        raise _UnsayableError
    short: dict[str, Any] = {}
    if metric.get("name") is not None:
        short["name"] = metric["name"]
    if metric_type == "mean":
        short["mean"] = _compress_node(metric.get("source"))
    elif metric_type == "funnel":
        short["funnel"] = [_compress_node(step) for step in metric.get("series") or []]
    elif metric_type == "ratio":
        short["ratio"] = {
            "numerator": _compress_node(metric.get("numerator")),
            "denominator": _compress_node(metric.get("denominator")),
        }
    else:
        body: dict[str, Any] = {
            "start": _compress_node(metric.get("start_event")),
            "completion": _compress_node(metric.get("completion_event")),
            "window": [metric.get("retention_window_start"), metric.get("retention_window_end")],
        }
        for key, default in RETENTION_DEFAULTS.items():
            field = "retention_window_unit" if key == "unit" else key
            if metric.get(field) != default:
                body[key] = metric.get(field)
        short["retention"] = body
    if metric.get("goal") is not None:
        short["goal"] = metric["goal"]
    if metric.get("conversion_window") is not None:
        unit = UNITS.get(str(metric.get("conversion_window_unit")))
        if unit is None or not isinstance(metric["conversion_window"], int):
            raise _UnsayableError
        short["window"] = f"{metric['conversion_window']}{unit}"
    if metric.get("funnel_order_type") is not None:
        short["order"] = metric["funnel_order_type"]
    outliers = {
        key: metric[field]
        for key, field in (("lower", "lower_bound_percentile"), ("upper", "upper_bound_percentile"))
        if metric.get(field) is not None
    }
    if metric.get("ignore_zeros") is not None:
        outliers["ignore_zeros"] = metric["ignore_zeros"]
    if outliers:
        short["outliers"] = outliers
    if metric.get("uuid") is not None:
        short["uuid"] = metric["uuid"]
    return short


def _compress_node(node: Any) -> Any:
    if not isinstance(node, Mapping):
        raise _UnsayableError
    kind = node.get("kind")
    short: dict[str, Any]
    if kind == "EventsNode" and isinstance(node.get("event"), str):
        short = {"event": node["event"]}
        if node.get("name") != node["event"]:
            short["name"] = node.get("name")
    elif kind == "ActionsNode":
        short = {"action": node.get("id")}
        if node.get("name") is not None:
            short["name"] = node["name"]
    elif kind == "ExperimentDataWarehouseNode":
        short = {"table": node.get("table_name")}
        if node.get("name") is not None:
            short["name"] = node["name"]
        short["timestamp"] = node.get("timestamp_field")
        short["table_key"] = node.get("data_warehouse_join_key")
        short["events_key"] = node.get("events_join_key")
    else:
        raise _UnsayableError
    short.update(_compress_math(node))
    properties = node.get("properties")
    if properties is not None:
        where = _where_of(properties)
        if where is not None:
            short["where"] = where
        else:
            short["properties"] = properties
    if list(short) == ["event"]:
        return short["event"]
    return short


def _compress_math(node: Mapping[str, Any]) -> dict[str, Any]:
    math = node.get("math")
    if math is None:
        return {}
    for word, value in UNIQUE_MATHS.items():
        if math == value:
            return {"unique": word}
    if math == "unique_group" and isinstance(node.get("math_group_type_index"), int):
        return {"unique": {"group": node["math_group_type_index"]}}
    if math in PROPERTY_MATHS and node.get("math_property") is not None:
        return {str(math): node["math_property"]}
    if math == "hogql" and node.get("math_hogql") is not None:
        return {"hogql": node["math_hogql"]}
    return {"math": math}


def _where_of(properties: Any) -> dict[str, Any] | None:
    """``where`` for a list of exact event-property matches on distinct keys; else None."""
    if not isinstance(properties, list) or not properties:
        return None
    where: dict[str, Any] = {}
    for item in properties:
        if not isinstance(item, Mapping) or set(item) != {"key", "value", "operator", "type"}:
            return None
        if item["operator"] != "exact" or item["type"] not in ("event", "person"):
            return None
        key = f"{PERSON_PREFIX}{item['key']}" if item["type"] == "person" else str(item["key"])
        if key in where or (item["type"] == "event" and key.startswith(PERSON_PREFIX)):
            return None  # an event property named person.… would read back as a person's
        where[key] = item["value"]
    return where
