"""The metric shorthand (issue 16): exact expansion, lossless compression, offline checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from expctl.core.metrics.compress import compress
from expctl.core.metrics.from_spec import parse_metric_option
from expctl.core.metrics.schema import SCHEMA_FILE, metric_problems
from expctl.core.metrics.shorthand import ShorthandError, expand, parse_window
from expctl.core.specs.load import load_specs
from expctl.errors import UsageError

SPEC_SCHEMA = json.loads((SCHEMA_FILE.parent / "experiment-spec.schema.json").read_text())
EVENT = {"kind": "EventsNode", "event": "purchase", "name": "purchase"}
PAGEVIEW = {"kind": "EventsNode", "event": "$pageview", "name": "$pageview"}

CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "{funnel: [$pageview, purchase], name: Checkout conversion}",
        {
            "kind": "ExperimentMetric",
            "metric_type": "funnel",
            "name": "Checkout conversion",
            "series": [PAGEVIEW, EVENT],
        },
    ),
    (
        "mean: {event: purchase, sum: revenue}",
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "source": {**EVENT, "math": "sum", "math_property": "revenue"},
        },
    ),
    (
        "{ratio: {numerator: {event: purchase, sum: revenue}, denominator: $pageview}, goal: decrease}",
        {
            "kind": "ExperimentMetric",
            "metric_type": "ratio",
            "numerator": {**EVENT, "math": "sum", "math_property": "revenue"},
            "denominator": PAGEVIEW,
            "goal": "decrease",
        },
    ),
    (
        "retention: {start: signup, completion: purchase, window: [1, 7], unit: week}",
        {
            "kind": "ExperimentMetric",
            "metric_type": "retention",
            "start_event": {"kind": "EventsNode", "event": "signup", "name": "signup"},
            "completion_event": EVENT,
            "retention_window_start": 1,
            "retention_window_end": 7,
            "retention_window_unit": "week",
            "start_handling": "first_seen",
        },
    ),
    (
        "{mean: {action: 7, unique: users, where: {plan: pro}}, window: 14d, outliers: {upper: 0.95}, uuid: u-1}",
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "uuid": "u-1",
            "source": {
                "kind": "ActionsNode",
                "id": 7,
                "math": "dau",
                "properties": [{"key": "plan", "value": "pro", "operator": "exact", "type": "event"}],
            },
            "conversion_window": 14,
            "conversion_window_unit": "day",
            "upper_bound_percentile": 0.95,
        },
    ),
    (
        "mean: {table: charges, timestamp: created, table_key: email, events_key: person.properties.email, max: amount}",
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "source": {
                "kind": "ExperimentDataWarehouseNode",
                "table_name": "charges",
                "timestamp_field": "created",
                "data_warehouse_join_key": "email",
                "events_join_key": "person.properties.email",
                "math": "max",
                "math_property": "amount",
            },
        },
    ),
    (
        "{funnel: [{event: a, name: null}, {event: b, unique: sessions}], order: strict, window: 2h}",
        {
            "kind": "ExperimentMetric",
            "metric_type": "funnel",
            "series": [
                {"kind": "EventsNode", "event": "a"},
                {"kind": "EventsNode", "event": "b", "name": "b", "math": "unique_session"},
            ],
            "funnel_order_type": "strict",
            "conversion_window": 2,
            "conversion_window_unit": "hour",
        },
    ),
    (
        "mean: {event: purchase, unique: {group: 1}}",
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "source": {
                "kind": "EventsNode",
                "event": "purchase",
                "name": "purchase",
                "math": "unique_group",
                "math_group_type_index": 1,
            },
        },
    ),
    (
        "funnel: [{event: $pageview, where: {person.plan: pro, $browser: Chrome}}, purchase]",
        {
            "kind": "ExperimentMetric",
            "metric_type": "funnel",
            "series": [
                {
                    "kind": "EventsNode",
                    "event": "$pageview",
                    "name": "$pageview",
                    "properties": [
                        {"key": "plan", "value": "pro", "operator": "exact", "type": "person"},
                        {"key": "$browser", "value": "Chrome", "operator": "exact", "type": "event"},
                    ],
                },
                {"kind": "EventsNode", "event": "purchase", "name": "purchase"},
            ],
        },
    ),
    (
        "mean: {event: purchase, math: total}",
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "source": {"kind": "EventsNode", "event": "purchase", "name": "purchase", "math": "total"},
        },
    ),
]


@pytest.mark.parametrize(
    ("metric", "problem"),
    [
        (
            {
                "kind": "ExperimentMetric",
                "metric_type": "mean",
                "source": {**EVENT, "math": "p90", "math_property": "x"},
            },
            ((("source", "math", "=")), "math 'p90' is not one PostHog's experiments compute"),
        ),
        (
            {"kind": "ExperimentMetric", "metric_type": "funnel", "series": [EVENT, {**EVENT, "math": "unique_group"}]},
            ((("series", 1, "math", "=")), "math unique_group needs math_group_type_index"),
        ),
    ],
)
def test_maths_posthogs_experiments_do_not_compute_are_refused_in_posthogs_form_too(
    metric: dict[str, Any], problem: tuple[Any, str]
) -> None:
    found = metric_problems(metric)
    assert len(found) == 1 and found[0][0] == problem[0] and found[0][1].startswith(problem[1]), found


def test_an_event_property_that_looks_like_a_person_one_is_not_written_as_where() -> None:
    filters = [{"key": "person.plan", "value": "pro", "operator": "exact", "type": "event"}]
    short = compress({"kind": "ExperimentMetric", "metric_type": "mean", "source": {**EVENT, "properties": filters}})
    assert short == {"mean": {"event": "purchase", "properties": filters}}


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_each_shorthand_expands_to_exactly_one_valid_posthog_metric(text: str, expected: dict[str, Any]) -> None:
    short = yaml.safe_load(text)
    metric = expand(short)
    assert metric == expected
    assert metric_problems(metric) == []
    jsonschema.validate({"name": "x", "feature_flag_key": "x", "metrics": [short]}, SPEC_SCHEMA)


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_compression_gives_back_the_shorthand_and_round_trips(text: str, expected: dict[str, Any]) -> None:
    short = compress({**expected, "fingerprint": "server-side"})
    assert short is not None
    assert expand(short) == expected
    assert short == yaml.safe_load(text)


@pytest.mark.parametrize(
    "metric",
    [
        {"kind": "ExperimentMetric", "metric_type": "mean", "source": {**EVENT, "math_property_type": "numerical"}},
        {"kind": "ExperimentMetric", "metric_type": "funnel", "series": [EVENT], "breakdownFilter": {}},
        {"kind": "ExperimentMetric", "metric_type": "mean", "source": EVENT, "conversion_window": 3},
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "source": {**EVENT, "properties": [{"key": "a", "value": 1, "operator": "gt", "type": "event"}]},
        },
        {"kind": "ExperimentTrendsQuery", "count_query": {}},
    ],
)
def test_what_the_shorthand_cannot_say_exactly_stays_in_posthogs_form(metric: dict[str, Any]) -> None:
    short = compress(metric)
    if short is not None:  # only when it round-trips exactly, as with the gt filter kept under properties
        assert expand(short) == metric
    else:
        assert short is None


def test_a_node_with_other_filters_keeps_them_under_properties() -> None:
    metric = {
        "kind": "ExperimentMetric",
        "metric_type": "mean",
        "source": {**EVENT, "properties": [{"key": "a", "value": 1, "operator": "gt", "type": "event"}]},
    }
    assert compress(metric) == {
        "mean": {"event": "purchase", "properties": [{"key": "a", "value": 1, "operator": "gt", "type": "event"}]}
    }


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("funnel: []", [(("funnel",), "funnel needs a list of at least one step")]),
        (
            "{mean: a, funnel: [b]}",
            [((), "a metric needs exactly one of mean, funnel, ratio, retention (found mean and funnel)")],
        ),
        ("mean: {event: a, summ: b}", [(("mean", "summ"), "unknown key 'summ' (did you mean 'sum'?)")]),
        ("{mean: a, window: 3m}", [(("window",), "window '3m' is not like 14d, 12h, 30min, 2w or 1mo")]),
        ("ratio: {numerator: a}", [(("ratio",), "ratio needs exactly numerator and denominator")]),
        (
            "mean: {event: a, unique: people}",
            [(("mean", "unique", "="), "unique is one of users, sessions, or {group: N} (a group type)")],
        ),
        (
            "mean: {event: a, p95: load_ms}",
            [
                (
                    ("mean", "p95"),
                    "PostHog's experiments do not compute p95 (only sum, avg, min, max of a property); use avg, "
                    "with outliers: {upper: 0.95} to trim the top",
                )
            ],
        ),
        ("mean: {event: a, sum: x, avg: y}", [(("mean",), "give one math, not sum and avg")]),
        (
            "mean: {table: t}",
            [
                (("mean",), "a data-warehouse source needs 'timestamp'"),
                (("mean",), "a data-warehouse source needs 'table_key'"),
                (("mean",), "a data-warehouse source needs 'events_key'"),
            ],
        ),
    ],
)
def test_mistakes_are_named_where_they_are(text: str, problems: list[Any]) -> None:
    with pytest.raises(ShorthandError) as caught:
        expand(yaml.safe_load(text))
    assert caught.value.problems == problems


def test_windows() -> None:
    assert parse_window("14d") == (14, "day")
    assert parse_window("30 min") == (30, "minute")
    assert parse_window("1mo") == (1, "month")
    assert parse_window("2 weeks") == (2, "week")
    assert parse_window("3m") is None  # minute or month: say which


def test_specs_expand_shorthand_and_report_positions(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: Checkout v3\nfeature_flag_key: checkout-v3\nmetrics:\n"
        "  - funnel: [$pageview, purchase]\n    name: Checkout conversion\n"
        "  - mean: {event: purchase, summ: revenue}\n"
        "  - {mean: purchase, goal: up}\n"
    )
    result = load_specs([str(path)])
    shown = [str(p).replace(str(tmp_path) + "/", "") for p in result.problems]
    assert shown == [
        "s.yaml:6:29: unknown key 'summ' (did you mean 'sum'?)",
        "s.yaml:7:28: 'up' is not one of increase, decrease",
    ]
    path.write_text("name: Checkout v3\nfeature_flag_key: checkout-v3\nmetrics:\n  - funnel: [$pageview, purchase]\n")
    result = load_specs([str(path)])
    assert result.problems == []
    assert result.specs[0].data["metrics"] == [
        {"kind": "ExperimentMetric", "metric_type": "funnel", "series": [PAGEVIEW, {**EVENT, "event": "purchase"}]}
    ]


def test_the_command_line_reads_the_same_shorthand() -> None:
    assert parse_metric_option("funnel: [$pageview, purchase]", "--metric") == expand(
        {"funnel": ["$pageview", "purchase"]}
    )
    raw = {"kind": "ExperimentMetric", "metric_type": "mean", "source": {"kind": "EventsNode", "event": "x"}}
    assert parse_metric_option(json.dumps(raw), "--metric") == raw
    with pytest.raises(UsageError, match=r"--metric 'mean: \{event: a, summ: b\}': mean.summ: unknown key 'summ'"):
        parse_metric_option("mean: {event: a, summ: b}", "--metric")
    with pytest.raises(UsageError, match="not valid YAML"):
        parse_metric_option("mean: {event: a", "--metric")


def test_the_editor_schema_takes_every_kind_of_document() -> None:
    documents = list(
        yaml.safe_load_all(
            "kind: Holdout\nname: Global holdout\npercentage: 10\n---\n"
            "kind: SharedMetric\nname: Revenue per user\nmetric: {mean: {event: purchase, sum: revenue}}\n---\n"
            "kind: Experiment\nname: Checkout v3\nfeature_flag_key: checkout-v3\nholdout: Global holdout\n"
            "metrics: [{funnel: [$pageview, purchase], name: Checkout conversion}]\n"
            "shared_metrics: [Revenue per user, {name: Orders per user, type: secondary}]\n"
        )
    )
    for document in documents:
        jsonschema.validate(document, SPEC_SCHEMA)
    for broken in (
        {"kind": "Holdout", "name": "H", "percentage": 120},
        {"kind": "SharedMetric", "name": "M", "metric": {"mean": "a", "funnel": ["b"]}},
        {"name": "E", "feature_flag_key": "e", "metrics": [{"funnel": [], "name": "x"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SPEC_SCHEMA)
