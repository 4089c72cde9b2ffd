"""Actions by name when a spec moves to another project (expctl/core/specs/retarget.py)."""

from __future__ import annotations

from expctl.core.specs.retarget import ACTION, COHORT, referenced_ids, retarget


def test_both_forms_are_rewritten_and_missing_or_doubled_names_are_problems() -> None:
    spec = {
        "metrics": [
            {"name": "a", "mean": {"action": 1}},
            {"name": "b", "funnel": [{"event": "$pageview"}, {"action": 4}]},
            {"kind": "ExperimentMetric", "source": {"kind": "ActionsNode", "id": 7, "name": "Signed up"}},
        ],
        "description": "action: 1 in prose is not a reference",
    }
    assert referenced_ids(spec, ACTION) == {1, 4, 7}
    names = {1: "Purchased", 4: "Viewed", 7: "Signed up"}
    problems = retarget(spec, ACTION, names, {"Purchased": [20], "Signed up": [30, 31]}, "checkout")
    assert spec["metrics"][0]["mean"] == {"action": 20}
    assert spec["metrics"][2]["source"]["id"] == 7, "two targets: left alone, and a problem"
    assert problems == [
        "checkout: the target project has no action named 'Viewed' (id 4 here)",
        "checkout: the target project has 2 actions named 'Signed up' (id 7 here)",
    ]


def test_cohort_filters_are_rewritten_by_name() -> None:
    spec = {"metrics": [{"mean": {"event": "purchase", "properties": [{"type": "cohort", "key": "id", "value": 5}]}}]}
    assert referenced_ids(spec, COHORT) == {5} and referenced_ids(spec, ACTION) == set()
    assert retarget(spec, COHORT, {5: "Power users"}, {"Power users": [9]}, "x") == []
    assert spec["metrics"][0]["mean"]["properties"][0]["value"] == 9
