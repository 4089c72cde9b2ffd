"""Which existing metric a spec metric stands for (expctl/core/apply/metric_identity.py)."""

from __future__ import annotations

from typing import Any

from expctl.core.apply.metric_identity import match_existing, ordering_for, with_identities


def mean(name: str, event: str = "purchase", uuid: str | None = None) -> dict[str, Any]:
    metric: dict[str, Any] = {
        "kind": "ExperimentMetric",
        "metric_type": "mean",
        "name": name,
        "source": {"kind": "EventsNode", "event": event},
    }
    if uuid:
        metric["uuid"] = uuid
    return metric


def funnel(name: str, uuid: str | None = None) -> dict[str, Any]:
    metric: dict[str, Any] = {
        "kind": "ExperimentMetric",
        "metric_type": "funnel",
        "name": name,
        "series": [{"kind": "EventsNode", "event": "a"}],
    }
    if uuid:
        metric["uuid"] = uuid
    return metric


EXISTING = [mean("Revenue", uuid="u1"), funnel("Checkout", uuid="u2"), mean("Refunds", "refund", uuid="u3")]


def test_unchanged_metrics_keep_their_uuids_in_any_order() -> None:
    assert match_existing([mean("Refunds", "refund"), mean("Revenue"), funnel("Checkout")], EXISTING) == [
        "u3",
        "u1",
        "u2",
    ]


def test_an_edited_metric_is_found_by_name_and_a_renamed_one_by_place_and_type() -> None:
    edited = mean("Revenue", "order_completed")
    renamed = funnel("Checkout conversion")
    assert match_existing([edited, renamed, mean("Refunds", "refund")], EXISTING) == ["u1", "u2", "u3"]


def test_an_explicit_uuid_wins_and_is_not_claimed_twice() -> None:
    assert match_existing([mean("Anything", uuid="u3"), mean("Refunds", "refund")], EXISTING) == ["u3", None]


def test_a_new_metric_gets_no_uuid_and_a_type_change_is_a_new_metric() -> None:
    assert match_existing([funnel("Revenue as funnel"), mean("New", "signup")], EXISTING[:1]) == [None, None]


def test_with_identities_adds_uuids_without_changing_anything_else() -> None:
    sent = with_identities([mean("Revenue, renamed")], EXISTING)
    assert sent == [{**mean("Revenue, renamed"), "uuid": "u1"}]


def test_ordering_is_sent_only_when_the_spec_reorders_kept_metrics() -> None:
    ordering = ["u1", "u2", "u3", "shared-9"]
    same = with_identities([mean("Revenue"), funnel("Checkout"), mean("Refunds", "refund")], EXISTING)
    assert ordering_for(same, EXISTING, ordering) is None
    dropped = with_identities([mean("Revenue"), mean("Refunds", "refund")], EXISTING)
    assert ordering_for(dropped, EXISTING, ordering) is None, "PostHog drops a removed uuid itself"
    swapped = with_identities([funnel("Checkout"), mean("Revenue")], EXISTING)
    assert ordering_for(swapped, EXISTING, ordering) == ["u2", "u1", "shared-9"]
