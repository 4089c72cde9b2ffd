"""Holdouts and shared metrics in plans, references to them, and in-place metric edits (issue 16)."""

from __future__ import annotations

from typing import Any

import pytest

from expctl.core.apply.items import CREATE, ERROR, UNCHANGED, UPDATE
from expctl.core.apply.resources import directory_of, plan_resources
from expctl.core.metrics.edit import entries, find, move_patch, remove_patch
from expctl.core.specs.kinds import ResourceSpec
from expctl.core.specs.references import Directory, Ref, holdout_change, json_safe, resolve, unresolved
from expctl.core.specs.yaml_source import Document
from expctl.errors import NotFoundError, UsageError
from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

QUERY = {
    "kind": "ExperimentMetric",
    "metric_type": "mean",
    "source": {"kind": "ActionsNode", "id": 7},
}


def spec(kind: str, **data: Any) -> ResourceSpec:
    return ResourceSpec(kind, Document("s.yaml", 0, {"kind": kind, **data}), dict(data))


def test_matching_by_name_and_only_written_fields() -> None:
    holdouts = [
        {"id": 1, "name": "Global", "filters": [{"properties": [], "rollout_percentage": 10, "variant": "holdout-1"}]}
    ]
    metrics = [
        {
            "id": 4,
            "name": "Revenue",
            "description": "old",
            # PostHog's read: its uuid, a fingerprint, and the action's current name.
            "query": {**QUERY, "uuid": "u", "source": {"kind": "ActionsNode", "id": 7, "name": "Purchased"}},
        }
    ]
    directory = directory_of(holdouts, metrics)
    items = plan_resources(
        [
            spec(HOLDOUT, name="Global", filters=[{"properties": [], "rollout_percentage": 10}]),
            spec(SHARED_METRIC, name="REVENUE", query=QUERY, description="new"),
            spec(SHARED_METRIC, name="Fresh", query=QUERY),
        ],
        holdouts,
        metrics,
        directory,
    )
    assert [i.action for i in items] == [UNCHANGED, UPDATE, CREATE]
    assert items[1].patch == {"name": "REVENUE", "description": "new"}  # the query is the same metric
    assert directory.lookup(SHARED_METRIC, "fresh") == Ref(SHARED_METRIC, "fresh")
    assert directory.lookup(SHARED_METRIC, "revenue") == 4
    assert directory.lookup(HOLDOUT, "global") is None  # holdout names are exact


def test_refusals_in_the_plan() -> None:
    legacy = [{"id": 2, "name": "Old", "query": {"kind": "ExperimentTrendsQuery", "count_query": {}}}]
    twins = [{"id": 1, "name": "Twin", "filters": []}, {"id": 2, "name": "Twin", "filters": []}]
    items = plan_resources([spec(SHARED_METRIC, name="Old", query=QUERY)], [], legacy, directory_of([], legacy))
    assert items[0].action == ERROR and "legacy query format" in items[0].errors[0]
    items = plan_resources([spec(HOLDOUT, name="Twin", filters=[])], twins, [], directory_of(twins, []))
    assert items[0].action == ERROR and items[0].errors == [
        "2 Holdouts are named 'Twin' (ids 1, 2); rename all but one in PostHog"
    ]


def test_holdout_references() -> None:
    directory = directory_of([{"id": 3, "name": "Global"}], [])
    experiment = {"holdout": {"id": 3, "name": "Global"}, "holdout_id": 3}
    assert holdout_change("Global", experiment, directory) == (False, 3, "Global")
    assert holdout_change(3, experiment, directory) == (False, 3, 3)
    assert holdout_change(None, experiment, directory) == (True, None, 3)
    assert holdout_change("Other", experiment, directory) == (True, None, "Global")


def test_refs_are_resolved_once_their_ids_exist() -> None:
    ref = Ref(HOLDOUT, "Q4", "'Q4'")
    body = {"holdout_id": ref, "saved_metrics_ids": [{"id": 5, "metadata": {"type": "primary"}}]}
    assert unresolved(body, {}) == [ref]
    assert json_safe(body)["holdout_id"] == "(id of the new Holdout 'Q4')"
    assert resolve(body, {(HOLDOUT, "Q4"): 9})["holdout_id"] == 9
    assert Directory().lookup(HOLDOUT, 9) is None


EXPERIMENT = {
    "id": 1,
    "metrics": [
        {"kind": "ExperimentMetric", "metric_type": "mean", "name": "A", "uuid": "aaaaaaaa-1", "source": {}},
        {"kind": "ExperimentMetric", "metric_type": "mean", "name": "B", "uuid": "bbbbbbbb-2", "source": {}},
    ],
    "saved_metrics": [
        {"saved_metric": 7, "metadata": {"type": "primary"}, "name": "S", "query": {"uuid": "cccccccc-3", "name": "S"}}
    ],
    "primary_metrics_ordered_uuids": ["bbbbbbbb-2", "aaaaaaaa-1", "cccccccc-3"],
}


def test_metrics_are_found_by_name_uuid_or_place() -> None:
    assert [(e.role, e.position, e.name) for e in entries(EXPERIMENT)] == [
        ("primary", 1, "B"),
        ("primary", 2, "A"),
        ("primary", 3, "S"),
    ]
    assert find(EXPERIMENT, "a").uuid == "aaaaaaaa-1"
    assert find(EXPERIMENT, "bbbbbbbb").name == "B"
    assert find(EXPERIMENT, "primary:3").shared_id == 7
    with pytest.raises(NotFoundError):
        find(EXPERIMENT, "Z")
    twice = {**EXPERIMENT, "metrics": [*EXPERIMENT["metrics"], {**EXPERIMENT["metrics"][0], "uuid": "dddddddd-4"}]}
    with pytest.raises(UsageError, match="2 metrics are named 'A'"):
        find(twice, "A")


def test_edits_send_uuids_links_and_the_ordering_array() -> None:
    shared = find(EXPERIMENT, "S")
    assert move_patch(EXPERIMENT, shared, 1) == {
        "primary_metrics_ordered_uuids": ["cccccccc-3", "bbbbbbbb-2", "aaaaaaaa-1"]
    }
    assert remove_patch(EXPERIMENT, shared) == {"saved_metrics_ids": []}
    assert remove_patch(EXPERIMENT, find(EXPERIMENT, "A")) == {"metrics": [EXPERIMENT["metrics"][1]]}
    older = {k: v for k, v in EXPERIMENT.items() if k not in ("saved_metrics", "primary_metrics_ordered_uuids")}
    assert move_patch(older, find(older, "B"), 1) == {"metrics": [older["metrics"][1], older["metrics"][0]]}
    with pytest.raises(UsageError, match="--to must be between 1 and 3"):
        move_patch(EXPERIMENT, shared, 4)


def test_a_shared_metric_linked_in_both_roles_is_removed_from_one() -> None:
    from expctl.core.metrics.edit import link_patch, unlink_patch

    twice = {
        "id": 3,
        "saved_metrics": [
            {"saved_metric": 7, "metadata": {"type": "primary"}, "name": "S", "query": {"uuid": "s-uuid"}},
            {"saved_metric": 7, "metadata": {"type": "secondary"}, "name": "S", "query": {"uuid": "s-uuid"}},
        ],
    }
    assert remove_patch(twice, find(twice, "secondary:1")) == {
        "saved_metrics_ids": [{"id": 7, "metadata": {"type": "primary"}}]
    }
    assert unlink_patch(twice, 7) == {"saved_metrics_ids": []}
    with pytest.raises(UsageError, match=r"already a primary metric .*; PostHog links a shared metric .* once"):
        link_patch(twice, 7, "secondary")
    once = {"id": 4, "saved_metrics": [twice["saved_metrics"][0]]}
    with pytest.raises(UsageError, match="already a primary metric") as refused:
        link_patch(once, 7, "secondary")  # PostHog would answer 400: refused before sending
    assert refused.value.hint == "unlink it first to make it a secondary metric"


def test_the_not_applied_list_after_ctrl_c_is_in_natural_order() -> None:
    from expctl.core.apply.execute import Outcome
    from expctl.core.apply.items import CREATE, PlanItem
    from expctl.core.apply.pipeline import interrupted_summary
    from expctl.core.specs.load import load_specs

    def outcome(key: str, **state: object) -> Outcome:
        spec = load_specs(["-"], stdin_text=f"name: {key}\nfeature_flag_key: {key}\n").specs[0]
        return Outcome(PlanItem(spec, CREATE), **state)  # type: ignore[arg-type]

    outcomes = [
        outcome("bulk-1", steps=["created"]),
        outcome("bulk-10", skipped=True),
        outcome("bulk-11", skipped=True, steps=["created"]),
        outcome("bulk-2", skipped=True),
        outcome("bulk-3", finished_after_stop=True, steps=["created"]),
    ]
    finished, not_applied = interrupted_summary(outcomes)
    assert finished == "bulk-3"
    assert not_applied == "bulk-11 (created; not finished), bulk-2, bulk-10"
