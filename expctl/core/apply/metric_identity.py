"""Keep each metric's identity when a spec rewrites an experiment's metrics.

PostHog identifies a metric by its ``uuid``: precomputed daily results
(``timeseries_results``) and the display order (``primary_metrics_ordered_uuids``,
``secondary_metrics_ordered_uuids``) are keyed by it, and ``ExperimentService`` gives a
fresh ``uuid4()`` to every metric written without one. Specs usually leave uuids out
(``export`` does), so a PATCH of the spec's metrics as written would re-create every
metric. Before sending, each spec metric is matched to the existing metric it stands
for, in this order:

1. the spec gives a ``uuid``: that metric (and nothing else claims it);
2. the same metric, field for field (uuid and fingerprint aside), anywhere in the list:
   an unchanged metric keeps its uuid even when the list was reordered;
3. the same ``name``, when exactly one unclaimed existing metric has it: an edited metric;
4. the same position with the same ``metric_type`` and ``kind``: a renamed metric.

What matches nothing is new and goes without a uuid. The serializer then drops the
uuids that disappeared from the ordering arrays and appends the new ones
(``products/experiments/backend/presentation/serializers.py``, ``update``); when the spec
puts kept metrics in another order, the ordering array is sent in the spec's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from expctl.core.specs.readback import strip_server_keys, without_action_names

ORDERING_FIELDS = {"metrics": "primary_metrics_ordered_uuids", "metrics_secondary": "secondary_metrics_ordered_uuids"}


def _content(metric: Mapping[str, Any]) -> Any:
    """What a metric says, without what PostHog adds or rewrites (uuid, fingerprint, action names)."""
    return without_action_names(strip_server_keys(metric))


def _unchanged(metric: Mapping[str, Any], other: Mapping[str, Any], same_place: bool) -> bool:
    return bool(_content(metric) == _content(other))


def _same_name(metric: Mapping[str, Any], other: Mapping[str, Any], same_place: bool) -> bool:
    return bool(metric.get("name")) and metric.get("name") == other.get("name")


def _same_place_and_type(metric: Mapping[str, Any], other: Mapping[str, Any], same_place: bool) -> bool:
    return (
        same_place and metric.get("metric_type") == other.get("metric_type") and metric.get("kind") == other.get("kind")
    )


def match_existing(wanted: Sequence[Any], existing: Sequence[Any]) -> list[str | None]:
    """For each wanted metric, the uuid of the existing metric it stands for, or None."""
    current = [m if isinstance(m, Mapping) and isinstance(m.get("uuid"), str) else None for m in existing]
    claimed: set[int] = set()
    result: list[str | None] = [None] * len(wanted)

    def claim(index: int, position: int) -> None:
        claimed.add(position)
        metric = current[position]
        result[index] = str(metric["uuid"]) if metric is not None else None

    def unclaimed() -> list[tuple[int, Mapping[str, Any]]]:
        return [(i, m) for i, m in enumerate(current) if m is not None and i not in claimed]

    mine = [m if isinstance(m, Mapping) else {} for m in wanted]
    for index, metric in enumerate(mine):  # 1. explicit uuid
        if metric.get("uuid"):
            result[index] = str(metric["uuid"])
            claimed.update(i for i, m in enumerate(current) if m is not None and m["uuid"] == metric["uuid"])
    for rule in (_unchanged, _same_name, _same_place_and_type):
        for index, metric in enumerate(mine):
            if metric.get("uuid") or result[index] is not None:
                continue
            candidates = [pos for pos, other in unclaimed() if rule(metric, other, index == pos)]
            # An unchanged metric may stand twice (a copy); names and places must be unique.
            if len(candidates) == 1 or (candidates and rule is _unchanged):
                claim(index, candidates[0])
    return result


def with_identities(wanted: Sequence[Any], existing: Sequence[Any]) -> list[Any]:
    """The spec's metrics as they are sent: each carries the uuid of the metric it stands for."""
    sent: list[Any] = []
    for metric, uuid in zip(wanted, match_existing(wanted, existing), strict=True):
        if isinstance(metric, Mapping) and uuid is not None and not metric.get("uuid"):
            sent.append({**metric, "uuid": uuid})
        else:
            sent.append(metric)
    return sent


def ordering_for(sent: Sequence[Any], existing: Sequence[Any], ordering: Sequence[Any] | None) -> list[str] | None:
    """The ordering array to send with ``sent``, or None when PostHog's own upkeep gives the
    spec's order anyway (kept metrics in the same relative order)."""
    current = [u for u in ordering or [] if isinstance(u, str)]
    kept = [str(m["uuid"]) for m in sent if isinstance(m, Mapping) and m.get("uuid")]
    inline_before = {str(m.get("uuid")) for m in existing if isinstance(m, Mapping)}
    kept_in_current_order = [u for u in current if u in kept]
    if kept_in_current_order == [u for u in kept if u in current]:
        return None
    others = [u for u in current if u not in inline_before]  # shared metrics' uuids keep their places after
    return kept + others
