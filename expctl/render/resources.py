"""Columns and summaries for metrics, shared metrics and holdouts.

A metric is shown as its shorthand (``funnel: [$pageview, purchase]``) wherever the
shorthand says it exactly, so what a person reads is what they would write; otherwise
as PostHog's kind and type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.core.metrics.compress import compress
from expctl.core.specs.kinds import holdout_percentage
from expctl.render.columns import Column


def metric_summary(metric: Any) -> str:
    """One line: the shorthand without name, uuid and goal (shown apart), else kind/type."""
    if not isinstance(metric, Mapping):
        return ""
    short = compress(metric)
    if short is None:
        return f"{metric.get('kind')}/{metric.get('metric_type') or '?'} (PostHog's form)"
    body = {k: v for k, v in short.items() if k not in ("name", "uuid", "goal")}
    return ", ".join(f"{key}: {_flow(value)}" for key, value in body.items())


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        shown = [f"{k}: {_flow(v)}" for k, v in value.items() if v is not None]  # a null label says nothing here
        if list(value) == ["event", "name"] and value["name"] is None:
            return str(value["event"])
        return "{" + ", ".join(shown) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _goal(metric: Mapping[str, Any]) -> str:
    return "lower is better" if metric.get("goal") == "decrease" else "higher is better"


METRIC_ROW_COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("role", "ROLE", lambda r: r["role"]),
        Column("position", "#", lambda r: r["position"], "number"),
        Column("name", "NAME", lambda r: r["name"], flexible=True),
        Column("source", "FROM", lambda r: "shared" if r.get("shared_metric_id") else "inline"),
        Column("goal", "GOAL", lambda r: _goal(r["metric"]), drop_rank=2),
        Column("metric", "METRIC", lambda r: metric_summary(r["metric"]), flexible=True),
        Column("uuid", "UUID", lambda r: (r.get("uuid") or "")[:8], drop_rank=1),
    )
}

SHARED_METRIC_COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("id", "ID", lambda m: m.get("id"), "number"),
        Column("name", "NAME", lambda m: m.get("name") or "", flexible=True),
        Column("type", "TYPE", lambda m: (m.get("query") or {}).get("metric_type") or ""),
        Column("metric", "METRIC", lambda m: metric_summary(m.get("query")), flexible=True),
        Column("tags", "TAGS", lambda m: ",".join(m.get("tags") or []), drop_rank=2),
        Column("updated", "UPDATED", lambda m: m.get("updated_at"), "time", drop_rank=1),
        Column("description", "DESCRIPTION", lambda m: m.get("description") or "", flexible=True),
    )
}
SHARED_METRIC_DEFAULT = ["id", "name", "type", "metric", "tags", "updated"]


def _percentage(holdout: Mapping[str, Any]) -> str:
    share = holdout_percentage(holdout.get("filters"))
    if share is None:
        groups = holdout.get("filters") or []
        return f"{len(groups)} groups" if isinstance(groups, list) else ""
    return f"{share:g}%"


HOLDOUT_COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("id", "ID", lambda h: h.get("id"), "number"),
        Column("name", "NAME", lambda h: h.get("name") or "", flexible=True),
        Column("held_back", "HELD BACK", _percentage),
        Column("description", "DESCRIPTION", lambda h: h.get("description") or "", flexible=True, drop_rank=2),
        Column("created", "CREATED", lambda h: h.get("created_at"), "time", drop_rank=1),
    )
}
HOLDOUT_DEFAULT = ["id", "name", "held_back", "description", "created"]


def shared_metric_detail(metric: Mapping[str, Any], color: bool) -> str:
    query = metric.get("query") or {}
    lines = [
        f"{metric.get('name')}  (shared metric {metric.get('id')})",
        f"  metric       {metric_summary(query)}",
        f"  goal         {_goal(query)}",
    ]
    if metric.get("description"):
        lines.append(f"  description  {metric['description']}")
    if metric.get("tags"):
        lines.append(f"  tags         {', '.join(metric['tags'])}")
    lines.append(f"  uuid         {query.get('uuid') or '-'}")
    return "\n".join(lines) + "\n"


def holdout_detail(holdout: Mapping[str, Any], color: bool) -> str:
    lines = [
        f"{holdout.get('name')}  (holdout {holdout.get('id')})",
        f"  held back    {_percentage(holdout)} of users, from every experiment that uses it",
    ]
    if holdout.get("description"):
        lines.append(f"  description  {holdout['description']}")
    return "\n".join(lines) + "\n"
