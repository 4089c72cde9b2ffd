"""Which metrics an experiment has, and what PostHog answered for each, before reading.

An experiment's metrics are its inline ``metrics`` and ``metrics_secondary``, the shared
metrics linked to it (``saved_metrics``), and, for experiments from before 2025, the
goal in ``filters`` and its ``secondary_metrics``. :func:`metric_specs` lists them in
PostHog's display order; the API fetches one :class:`MetricAnswer` for each; core turns
the answers into results (``expctl.core.results.verdicts.read_results``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from expctl.errors import ExpctlError

QUERY = "query"  # an ExperimentQuery result
LEGACY = "legacy"  # a legacy results/ payload ({"result": ..., "last_refresh", "is_cached"})
LEGACY_NO_DATA = "legacy-no-data"  # legacy results/ refused with a JSON string of what is missing
FAILED = "failed"


@dataclass
class MetricSpec:
    """One metric to fetch: where it came from and what to send."""

    key: str
    name: str
    role: str
    query: dict[str, Any] | None  # the metric object for ExperimentQuery
    legacy_index: int | None = None  # secondary_results ?id=N, or None for the primary legacy goal
    legacy: bool = False


@dataclass(frozen=True)
class MetricAnswer:
    """What PostHog answered for one metric, as it came."""

    kind: str  # QUERY | LEGACY | LEGACY_NO_DATA | FAILED
    payload: Any = None
    detail: str = ""
    error: ExpctlError | None = None


ORDERINGS = {"metrics": "primary_metrics_ordered_uuids", "metrics_secondary": "secondary_metrics_ordered_uuids"}


def in_display_order(experiment: Mapping[str, Any], field_name: str) -> list[Any]:
    """An experiment's inline metrics (``metrics`` or ``metrics_secondary``) in the order
    PostHog shows them: its ordering array (which `metrics move` and the web app set)
    decides, the stored order breaks ties and places what the array lacks last."""
    metrics = list(experiment.get(field_name) or [])
    order = [u for u in experiment.get(ORDERINGS[field_name]) or [] if isinstance(u, str)]
    if not order:
        return metrics

    def place(metric: Any) -> int:
        uuid = metric.get("uuid") if isinstance(metric, Mapping) else None
        return order.index(uuid) if uuid in order else len(order)

    return sorted(metrics, key=place)


def metric_specs(experiment: Mapping[str, Any]) -> list[MetricSpec]:
    """Every metric of an experiment, primary first, in PostHog's display order."""
    specs: list[MetricSpec] = []
    for role, field_name, ordering in (
        ("primary", "metrics", "primary_metrics_ordered_uuids"),
        ("secondary", "metrics_secondary", "secondary_metrics_ordered_uuids"),
    ):
        metrics = [dict(m) for m in experiment.get(field_name) or [] if isinstance(m, Mapping)]
        for saved in experiment.get("saved_metrics") or []:
            if not isinstance(saved, Mapping) or not isinstance(saved.get("query"), Mapping):
                continue
            if ((saved.get("metadata") or {}).get("type") or "primary") == role:
                metrics.append({**dict(saved["query"]), "name": saved["query"].get("name") or saved.get("name")})
        order = [u for u in experiment.get(ordering) or [] if isinstance(u, str)]
        metrics.sort(key=lambda m: order.index(m["uuid"]) if m.get("uuid") in order else len(order))
        for index, metric in enumerate(metrics):
            key = str(metric.get("uuid") or f"{role}-{index}")
            specs.append(MetricSpec(key, _metric_name(metric, role, index), role, metric))
    # A legacy experiment migrated to ``metrics`` keeps its old ``filters``: the metrics are
    # the goal list then, and the filters count only when there are no metrics at all.
    filters = experiment.get("filters")
    has_goal = isinstance(filters, Mapping) and bool(filters.get("events") or filters.get("actions"))
    if has_goal and isinstance(filters, Mapping) and not any(s.role == "primary" for s in specs):
        specs.append(MetricSpec("primary", _legacy_name(filters, "Primary goal"), "primary", None, None, legacy=True))
    if not any(s.role == "secondary" for s in specs):
        for index, secondary in enumerate(experiment.get("secondary_metrics") or []):
            name = secondary.get("name") if isinstance(secondary, Mapping) else None
            specs.append(
                MetricSpec(
                    f"secondary-{index}", str(name or f"Secondary {index + 1}"), "secondary", None, index, legacy=True
                )
            )
    return specs


def _metric_name(metric: Mapping[str, Any], role: str, index: int) -> str:
    if metric.get("name"):
        return str(metric["name"])
    source = metric.get("source") or {}
    legacy_query = metric.get("count_query") or metric.get("funnels_query") or {}
    series = metric.get("series") or (legacy_query.get("series") if isinstance(legacy_query, Mapping) else None) or []
    if isinstance(source, Mapping) and source.get("event"):
        return str(source["event"])
    if series and isinstance(series[-1], Mapping) and series[-1].get("event"):
        return " → ".join(str(s.get("event") or s.get("name") or "?") for s in series if isinstance(s, Mapping))
    return f"{role.capitalize()} metric {index + 1}"


def _legacy_name(filters: Mapping[str, Any], default: str) -> str:
    entities = list(filters.get("events") or []) + list(filters.get("actions") or [])
    names = [str(e.get("name") or e.get("id")) for e in entities if isinstance(e, Mapping)]
    return " → ".join(names) if names else default
