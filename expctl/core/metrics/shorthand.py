"""The metric shorthand: short to write, exact, and one-to-one with PostHog's metrics.

PostHog stores an experiment metric as an ``ExperimentMetric`` object; writing one by
hand means spelling ``kind``, ``metric_type``, nodes and math fields. The shorthand says
the same in the words a person would use, and maps onto exactly one ``ExperimentMetric``::

    funnel: [$pageview, purchase]                  # steps, in order
    mean: {event: purchase, sum: revenue}           # sum | avg | min | max
    ratio: {numerator: {event: purchase, sum: revenue}, denominator: $pageview}
    retention: {start: signup, completion: purchase, window: [1, 7], unit: day}

beside ``name``, ``goal`` (increase | decrease), ``window`` (conversion window: ``14d``,
``12h``, ``30min``, ``2w``, ``1mo``, ``45s``), ``order`` (funnels: ordered | strict |
unordered), ``outliers`` (means: ``{lower: 0.05, upper: 0.95, ignore_zeros: true}``)
and ``uuid``. A node (a step, a source) is an event name, or a mapping with one of
``event``, ``action`` (an id) or ``table`` (a data-warehouse table, with ``timestamp``,
``table_key`` and ``events_key``), plus ``unique: users | sessions | {group: N}``, a
property math, ``math`` (another math PostHog's experiments compute), ``hogql``,
``where: {property: value}`` (exact matches; ``person.NAME`` for a person property) or
``properties`` (PostHog's filters as they are), and ``name``. Only the maths PostHog's
experiments compute (``ExperimentMetricMathType``) are offered: median and percentiles
are not among them.

Event nodes carry ``name`` = the event, as PostHog's web app writes them; ``name: null``
leaves it out. ``metric_compress.compress`` is the inverse: it gives a shorthand only when expanding
it gives back the very same metric, so export never changes what PostHog has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from expctl.core.specs.fields import json_type_of, suggest

METRIC_TYPES = ("mean", "funnel", "ratio", "retention")
PROPERTY_MATHS = ("sum", "avg", "min", "max")
# Maths PostHog has for insights but its experiments do not compute: refused by name, with
# what to use instead, rather than taken as an unknown key.
NOT_COMPUTED_MATHS = ("median", "p75", "p90", "p95", "p99")
PERSON_PREFIX = "person."
UNIQUE_MATHS = {"users": "dau", "sessions": "unique_session"}
UNITS = {"second": "s", "minute": "min", "hour": "h", "day": "d", "week": "w", "month": "mo"}
_UNIT_WORDS = {
    **{short: unit for unit, short in UNITS.items()},
    **{unit: unit for unit in UNITS},
    **{f"{unit}s": unit for unit in UNITS},
    "sec": "second",
    "secs": "second",
    "mins": "minute",
}
METRIC_KEYS = (*METRIC_TYPES, "name", "goal", "window", "order", "outliers", "uuid")
NODE_KEYS = ("event", "action", "table", "name", "unique", *PROPERTY_MATHS, "math", "hogql", "where", "properties")
NODE_KEYS_TABLE = ("timestamp", "table_key", "events_key")
_TABLE_FIELDS = ("timestamp_field", "data_warehouse_join_key", "events_join_key")
RETENTION_DEFAULTS = {"unit": "day", "start_handling": "first_seen"}

Path = tuple[str | int, ...]
Problem = tuple[Path, str]


class ShorthandError(Exception):
    """Every problem of one shorthand, as (path within it, message), and what could be
    expanded despite them (``partial``), for checks of the keys that had none."""

    def __init__(self, problems: list[Problem], partial: dict[str, Any] | None = None) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems
        self.partial = partial


def is_shorthand(value: Any) -> bool:
    """A metric written in the shorthand (no ``kind``) rather than PostHog's form."""
    return isinstance(value, Mapping) and "kind" not in value


def expand(short: Any) -> dict[str, Any]:
    """The ``ExperimentMetric`` a shorthand stands for; raises :class:`ShorthandError`."""
    problems: list[Problem] = []
    metric = _expand_metric(short, problems)
    if problems:
        raise ShorthandError(problems, metric or None)
    return metric


def _expand_metric(short: Any, problems: list[Problem]) -> dict[str, Any]:
    if not isinstance(short, Mapping):
        problems.append(((), f"a metric must be a mapping, not {json_type_of(short)}"))
        return {}
    types = [t for t in METRIC_TYPES if t in short]
    for key in short:
        if key not in METRIC_KEYS:
            problems.append(((str(key),), f"unknown metric key '{key}'{suggest(str(key), METRIC_KEYS)}"))
    if len(types) != 1:
        found = " and ".join(types) if types else "none"
        problems.append(((), f"a metric needs exactly one of {', '.join(METRIC_TYPES)} (found {found})"))
        return {}
    metric_type = types[0]
    metric: dict[str, Any] = {"kind": "ExperimentMetric", "metric_type": metric_type}
    if short.get("uuid") is not None:
        metric["uuid"] = short["uuid"]
    if short.get("name") is not None:
        metric["name"] = short["name"]
    body = short[metric_type]
    here: Path = (metric_type,)
    if metric_type == "mean":
        metric["source"] = _expand_node(body, here, problems)
    elif metric_type == "funnel":
        if not isinstance(body, list) or not body:
            problems.append((here, "funnel needs a list of at least one step"))
        else:
            metric["series"] = [_expand_node(step, (*here, i), problems) for i, step in enumerate(body)]
    elif metric_type == "ratio":
        _expand_ratio(body, metric, here, problems)
    else:
        _expand_retention(body, metric, here, problems)
    if short.get("goal") is not None:
        metric["goal"] = short["goal"]
    if short.get("window") is not None:
        window = parse_window(short["window"])
        if window is None:
            problems.append((("window",), f"window {short['window']!r} is not like 14d, 12h, 30min, 2w or 1mo"))
        else:
            metric["conversion_window"], metric["conversion_window_unit"] = window
    if short.get("order") is not None:
        if metric_type != "funnel":
            problems.append((("order",), "order applies to funnel metrics only"))
        metric["funnel_order_type"] = short["order"]
    if short.get("outliers") is not None:
        _expand_outliers(short["outliers"], metric_type, metric, problems)
    return metric


def _expand_ratio(body: Any, metric: dict[str, Any], here: Path, problems: list[Problem]) -> None:
    if not isinstance(body, Mapping) or set(body) != {"numerator", "denominator"}:
        problems.append((here, "ratio needs exactly numerator and denominator"))
        return
    metric["numerator"] = _expand_node(body["numerator"], (*here, "numerator"), problems)
    metric["denominator"] = _expand_node(body["denominator"], (*here, "denominator"), problems)


def _expand_retention(body: Any, metric: dict[str, Any], here: Path, problems: list[Problem]) -> None:
    allowed = ("start", "completion", "window", "unit", "start_handling")
    before = len(problems)
    if not isinstance(body, Mapping):
        problems.append((here, "retention needs start, completion and window: [from, to]"))
        return
    for key in body:
        if key not in allowed:
            problems.append(((*here, str(key)), f"unknown retention key '{key}'{suggest(str(key), allowed)}"))
    for key in ("start", "completion", "window"):
        if key not in body:
            problems.append((here, f"retention needs '{key}'"))
    window = body.get("window")
    if "window" in body and not (isinstance(window, list) and len(window) == 2):
        problems.append(((*here, "window"), "retention window is [from, to], e.g. [1, 7] with unit day"))
    if len(problems) > before or not isinstance(window, list):
        return
    metric["start_event"] = _expand_node(body["start"], (*here, "start"), problems)
    metric["completion_event"] = _expand_node(body["completion"], (*here, "completion"), problems)
    metric["retention_window_start"], metric["retention_window_end"] = window
    metric["retention_window_unit"] = body.get("unit", RETENTION_DEFAULTS["unit"])
    metric["start_handling"] = body.get("start_handling", RETENTION_DEFAULTS["start_handling"])


def _expand_outliers(value: Any, metric_type: str, metric: dict[str, Any], problems: list[Problem]) -> None:
    names = {"lower": "lower_bound_percentile", "upper": "upper_bound_percentile", "ignore_zeros": "ignore_zeros"}
    if metric_type != "mean":
        problems.append((("outliers",), "outliers apply to mean metrics only"))
        return
    if not isinstance(value, Mapping) or not value or not set(value) <= set(names):
        problems.append((("outliers",), "outliers is a mapping of lower, upper (0 to 1) and ignore_zeros"))
        return
    for key, field in names.items():
        if key in value:
            bound = value[key]
            if key != "ignore_zeros" and not (isinstance(bound, (int, float)) and 0 <= bound <= 1):
                problems.append((("outliers", key), f"outliers.{key} is a percentile between 0 and 1, e.g. 0.95"))
            metric[field] = bound


def _expand_node(node: Any, here: Path, problems: list[Problem]) -> dict[str, Any]:
    if isinstance(node, str):
        return {"kind": "EventsNode", "event": node, "name": node}
    if not isinstance(node, Mapping):
        problems.append((here, f"a step or source is an event name or a mapping, not {json_type_of(node)}"))
        return {}
    allowed = (*NODE_KEYS, *NODE_KEYS_TABLE) if "table" in node else NODE_KEYS
    for key in node:
        if key in NOT_COMPUTED_MATHS:
            problems.append(
                (
                    (*here, str(key)),
                    f"PostHog's experiments do not compute {key} (only sum, avg, min, max of a property); "
                    "use avg, with outliers: {upper: 0.95} to trim the top",
                )
            )
        elif key not in allowed:
            problems.append(((*here, str(key)), f"unknown key '{key}'{suggest(str(key), allowed)}"))
    what = [k for k in ("event", "action", "table") if k in node]
    if len(what) != 1:
        problems.append((here, "give exactly one of event, action (an id) or table"))
        return {}
    out: dict[str, Any]
    if what == ["event"]:
        out = {"kind": "EventsNode", "event": node["event"], "name": node.get("name", node["event"])}
    elif what == ["action"]:
        out = {"kind": "ActionsNode", "id": node["action"], "name": node.get("name")}
    else:
        out = {"kind": "ExperimentDataWarehouseNode", "table_name": node["table"], "name": node.get("name")}
        for short_key, field in zip(NODE_KEYS_TABLE, _TABLE_FIELDS, strict=True):
            if short_key not in node:
                problems.append((here, f"a data-warehouse source needs '{short_key}'"))
            out[field] = node.get(short_key)
    if out.get("name") is None:
        out.pop("name", None)
    _expand_math(node, out, here, problems)
    if "where" in node and "properties" in node:
        problems.append((here, "use where or properties, not both"))
    elif isinstance(node.get("where"), Mapping):
        out["properties"] = [_exact_match(str(key), value) for key, value in node["where"].items()]
    elif "where" in node:
        problems.append(((*here, "where"), "where is a mapping of property: value"))
    elif "properties" in node:
        out["properties"] = node["properties"]
    return out


def _exact_match(key: str, value: Any) -> dict[str, Any]:
    """One ``where`` entry as PostHog's property filter: an event property, or with the
    ``person.`` prefix a person property (any other kind: write ``properties``)."""
    if key.startswith(PERSON_PREFIX) and len(key) > len(PERSON_PREFIX):
        return {"key": key[len(PERSON_PREFIX) :], "value": value, "operator": "exact", "type": "person"}
    return {"key": key, "value": value, "operator": "exact", "type": "event"}


def _expand_math(node: Mapping[str, Any], out: dict[str, Any], here: Path, problems: list[Problem]) -> None:
    chosen = [k for k in ("unique", *PROPERTY_MATHS, "math", "hogql") if k in node]
    if len(chosen) > 1:
        problems.append((here, f"give one math, not {' and '.join(chosen)}"))
        return
    if not chosen:
        return
    key = chosen[0]
    value = node[key]
    if key == "unique":
        group = value.get("group") if isinstance(value, Mapping) and set(value) == {"group"} else None
        if isinstance(group, int) and not isinstance(group, bool) and group >= 0:
            out["math"], out["math_group_type_index"] = "unique_group", group
            return
        if not isinstance(value, str) or value not in UNIQUE_MATHS:
            problems.append(
                ((*here, "unique", "="), f"unique is one of {', '.join(UNIQUE_MATHS)}, or {{group: N}} (a group type)")
            )
            return
        out["math"] = UNIQUE_MATHS[value]
    elif key in PROPERTY_MATHS:
        out["math"], out["math_property"] = key, value
    elif key == "hogql":
        out["math"], out["math_hogql"] = "hogql", value
    else:
        out["math"] = value


def parse_window(value: Any) -> tuple[int, str] | None:
    """``14d`` -> (14, "day"); None when it is not a window."""
    match = re.fullmatch(r"\s*(\d+)\s*([a-z]+)\s*", str(value)) if isinstance(value, (str, int)) else None
    if not match or match.group(2) not in _UNIT_WORDS:
        return None
    return int(match.group(1)), _UNIT_WORDS[match.group(2)]
