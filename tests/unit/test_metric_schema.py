"""Spec metrics are checked against PostHog's own ExperimentMetric definitions (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from expctl.core.metrics.schema import SCHEMA_FILE, definitions, metric_problems
from tests.support.schema_oracle import FIXTURE

SPEC_SCHEMA = json.loads((SCHEMA_FILE.parent / "experiment-spec.schema.json").read_text())
EVENT = {"kind": "EventsNode", "event": "purchase"}


def test_the_shipped_definitions_are_posthogs() -> None:
    """Each packaged definition is the fixture's copy of PostHog's, except MathType, which
    the subset leaves as a placeholder string and expctl spells out."""
    posthog = json.loads(FIXTURE.read_text())["definitions"]
    for name, definition in definitions().items():
        if name == "MathType":
            assert posthog[name] == {"type": "string"}
            assert {"total", "sum", "avg", "p95", "unique_group", "hogql"} <= set(definition["enum"])
        else:
            assert definition == posthog[name], name
    expctl_own = {"LegacyMetric", "MetricShorthand", "ShorthandNode", "Experiment", "SharedMetric", "Holdout"}
    spec_definitions = {k: v for k, v in SPEC_SCHEMA["definitions"].items() if k not in expctl_own}
    assert spec_definitions == definitions(), "expctl schema describes metrics with the same definitions"


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ({"metric_type": "ratio", "numerator": EVENT}, [((), "a ratio metric needs 'denominator'")]),
        (
            {"metric_type": "retention", "start_event": EVENT, "completion_event": EVENT, "retention_window_start": 0},
            [
                ((), "a retention metric needs 'retention_window_end'"),
                ((), "a retention metric needs 'retention_window_unit'"),
                ((), "a retention metric needs 'start_handling'"),
            ],
        ),
        ({"metric_type": "mean"}, [((), "a mean metric needs 'source'")]),
        ({"metric_type": "funnel"}, [((), "a funnel metric needs 'series'")]),
    ],
)
def test_required_fields_per_metric_type(metric: dict, expected: list) -> None:  # type: ignore[type-arg]
    assert metric_problems({"kind": "ExperimentMetric", **metric}) == expected


def test_enums_and_node_kinds_with_did_you_mean() -> None:
    metric = {
        "kind": "ExperimentMetric",
        "metric_type": "funnel",
        "series": [{"kind": "EventNode", "event": "a"}],
        "conversion_window_unit": "days",
        "funnel_order_type": "strictly",
        "goal": "down",
    }
    found = dict(metric_problems(metric))
    assert "(did you mean 'day'?)" in found[("conversion_window_unit", "=")]
    assert "(did you mean 'strict'?)" in found[("funnel_order_type", "=")]
    assert found[("goal", "=")] == "'down' is not one of increase, decrease"
    assert "(did you mean 'EventsNode'?)" in found[("series", 0, "kind", "=")]
    mean = {"kind": "ExperimentMetric", "metric_type": "mean", "source": {**EVENT, "math": "summ"}}
    assert "(did you mean 'sum'?)" in dict(metric_problems(mean))[("source", "math", "=")]
    typo = {"kind": "ExperimentMetric", "metric_type": "means", "source": EVENT}
    assert "(did you mean 'mean'?)" in dict(metric_problems(typo))[("metric_type", "=")]


def test_valid_metrics_of_every_kind_pass_and_null_means_absent() -> None:
    warehouse = {
        "kind": "ExperimentDataWarehouseNode",
        "table_name": "payments",
        "timestamp_field": "paid_at",
        "data_warehouse_join_key": "customer_id",
        "events_join_key": "person.properties.email",
        "math": "sum",
        "math_property": "amount",
    }
    metrics = [
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "source": {**EVENT, "math": "sum", "math_property": "revenue"},
            "uuid": None,
            "lower_bound_percentile": 0.01,
        },
        {"kind": "ExperimentMetric", "metric_type": "mean", "source": warehouse},
        {
            "kind": "ExperimentMetric",
            "metric_type": "funnel",
            "series": [EVENT, {"kind": "ActionsNode", "id": 7}],
            "conversion_window": 14,
            "conversion_window_unit": "day",
        },
        {
            "kind": "ExperimentMetric",
            "metric_type": "ratio",
            "numerator": EVENT,
            "denominator": {"kind": "EventsNode", "event": "$pageview"},
            "goal": "decrease",
        },
        {
            "kind": "ExperimentMetric",
            "metric_type": "retention",
            "start_event": EVENT,
            "completion_event": EVENT,
            "retention_window_start": 1,
            "retention_window_end": 7,
            "retention_window_unit": "day",
            "start_handling": "first_seen",
        },
    ]
    for metric in metrics:
        assert metric_problems(metric) == [], metric
        # An editor's JSON Schema has no pydantic reading of null: leave the nulls out there.
        plain = {k: v for k, v in metric.items() if v is not None}
        jsonschema.validate({"name": "x", "feature_flag_key": "x", "metrics": [plain]}, SPEC_SCHEMA)


def test_the_editor_schema_refuses_what_validate_refuses(tmp_path: Path) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {
                "name": "x",
                "feature_flag_key": "x",
                "metrics": [{"kind": "ExperimentMetric", "metric_type": "ratio", "numerator": EVENT}],
            },
            SPEC_SCHEMA,
        )
