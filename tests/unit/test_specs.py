"""Spec files: parsing with positions, validation, comparison and planning (no network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from expctl.core.apply.items import CREATE, ERROR, UNCHANGED, UPDATE
from expctl.core.apply.plan import moves_between, plan
from expctl.core.specs.load import SPEC_FIELDS, load_specs

MINIMAL = """\
apiVersion: expctl/v1
kind: Experiment
name: Checkout redesign
feature_flag_key: checkout-redesign      # identity: how a spec finds its experiment
description: New one-page checkout
type: product
variants:                                # default: control/test at 50/50
  - key: control
    rollout_percentage: 50
  - key: test
    rollout_percentage: 50
metrics: []                              # PostHog metric objects, as the API takes them
state: draft                             # draft | running | paused | stopped
archived: false
"""
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "expctl" / "schema" / "experiment-spec.schema.json").read_text()
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, "spec.yaml", text)
    return [str(p).replace(str(tmp_path) + "/", "") for p in load_specs([str(path)]).problems]


def test_the_minimal_form_is_accepted_as_written(tmp_path: Path) -> None:
    result = load_specs([str(write(tmp_path, "a.yaml", MINIMAL))])
    assert result.problems == []
    spec = result.specs[0]
    assert spec.flag_key == "checkout-redesign" and spec.state == "draft"
    assert spec.data["variants"] == [
        {"key": "control", "rollout_percentage": 50},
        {"key": "test", "rollout_percentage": 50},
    ]
    assert "apiVersion" not in spec.data and "kind" not in spec.data


def test_apiversion_and_kind_may_be_omitted(tmp_path: Path) -> None:
    assert problems(tmp_path, "name: x\nfeature_flag_key: x\n") == []


def test_every_problem_at_once_with_line_and_column(tmp_path: Path) -> None:
    text = """\
name: Broken
feature_flag_key: broken
descripton: typo
state: finished
variants:
  - key: a
    rollout_percentage: 60
  - key: b
    rollout_percentage: 30
metrics: {}
"""
    assert problems(tmp_path, text) == [
        "spec.yaml:3:1: unknown key 'descripton' (did you mean 'description'?)",
        "spec.yaml:4:8: state must be one of draft, running, paused, stopped",
        "spec.yaml:5:1: one variant must have the key 'control' (got a, b)",
        "spec.yaml:5:1: variant percentages must sum to 100, not 90",
        "spec.yaml:10:10: 'metrics' must be array, not object",
    ]


def test_yaml_errors_have_positions(tmp_path: Path) -> None:
    assert problems(tmp_path, "name: x\nfeature_flag_key: [oops\n") == [
        "spec.yaml:3:1: invalid YAML: did not find expected ',' or ']'"
    ]
    assert problems(tmp_path, "name: a\nname: b\nfeature_flag_key: k\n") == [
        "spec.yaml:2:1: duplicate key 'name' (first at line 1)"
    ]


def test_duplicate_flag_keys_across_files(tmp_path: Path) -> None:
    write(tmp_path, "dir/a.yaml", "name: a\nfeature_flag_key: same\n")
    write(tmp_path, "dir/sub/b.yml", "name: b\nfeature_flag_key: same\n")
    write(tmp_path, "dir/notes.txt", "ignored")
    result = load_specs([str(tmp_path / "dir")])
    assert result.files == 2
    assert [p.message for p in result.problems] == [
        f"duplicate feature_flag_key 'same' (also at {tmp_path}/dir/a.yaml:2:1)"
    ]


def test_refused_fields_say_what_to_use(tmp_path: Path) -> None:
    assert problems(tmp_path, "name: x\nfeature_flag_key: x\nstart_date: 2026-01-01\n") == [
        "spec.yaml:3:1: 'start_date' cannot be set in a spec: the start date is set by launching: use state: running"
    ]


def test_empty_and_binary_files(tmp_path: Path) -> None:
    assert problems(tmp_path, "# only a comment\n") == ["spec.yaml:1:1: no experiment specs in this file (empty?)"]
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"name: x\n\x00\x01\x02")
    assert [str(p.message) for p in load_specs([str(path)]).problems] == ["binary file (contains NUL bytes), not YAML"]
    path.write_bytes("name: é\n".encode("latin-1"))
    result = load_specs([str(path)])
    assert [f"{p.position.line}:{p.position.column} {p.message}" for p in result.problems] == ["1:7 not UTF-8 text"]


def test_capitalised_control_and_split_percent_are_normalised(tmp_path: Path) -> None:
    text = "name: x\nfeature_flag_key: x\nvariants:\n  - {key: Control, split_percent: 50.0}\n  - {key: test, split_percent: 50}\n"
    result = load_specs([str(write(tmp_path, "a.yaml", text))])
    assert result.problems == []
    assert result.specs[0].data["variants"] == [
        {"key": "control", "rollout_percentage": 50},
        {"key": "test", "rollout_percentage": 50},
    ]


def test_schema_lists_every_spec_field_and_agrees_with_the_validator(tmp_path: Path) -> None:
    import yaml

    assert set(SCHEMA["definitions"]["Experiment"]["properties"]) == set(SPEC_FIELDS)
    jsonschema.validate(yaml.safe_load(MINIMAL), SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "feature_flag_key": "x", "descripton": "typo"}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "feature_flag_key": "x", "state": "finished"}, SCHEMA)


# -- comparison and planning ----------------------------------------------------------------


def spec_of(tmp_path: Path, text: str) -> Any:
    result = load_specs([str(write(tmp_path, "s.yaml", text))])
    assert result.problems == []
    return result.specs[0]


def experiment(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 5,
        "name": "Checkout redesign",
        "feature_flag_key": "checkout-redesign",
        "description": "New one-page checkout",
        "type": "product",
        "start_date": None,
        "end_date": None,
        "archived": False,
        "feature_flag": {
            "id": 1,
            "active": False,
            "filters": {
                "multivariate": {
                    "variants": [
                        {"key": "control", "name": "Control Group", "rollout_percentage": 50},
                        {"key": "test", "name": "Test Variant", "rollout_percentage": 50},
                    ]
                }
            },
        },
        "parameters": {"feature_flag_variants": [], "rollout_percentage": 100, "minimum_detectable_effect": 5},
        "metrics": [],
        "stats_config": {"method": "bayesian", "bayesian": {"ci_level": 0.95}},
        "exposure_criteria": {"filterTestAccounts": True},
    }
    base.update(overrides)
    return base


def test_server_assigned_and_defaulted_parts_are_not_drift(tmp_path: Path) -> None:
    spec = spec_of(
        tmp_path,
        MINIMAL.replace(
            "metrics: []",
            "metrics:\n  - {kind: ExperimentMetric, metric_type: mean, source: {kind: EventsNode, event: purchase}}",
        )
        + "stats_config: {method: bayesian}\nexposure_criteria: {filterTestAccounts: true}\ndescription: New one-page checkout\n".replace(
            "description: New one-page checkout\n", ""
        ),
    )
    metric = {
        "kind": "ExperimentMetric",
        "metric_type": "mean",
        "uuid": "u1",
        "fingerprint": "f",
        "source": {"kind": "EventsNode", "event": "purchase"},
    }
    item = plan([spec], {"checkout-redesign": experiment(metrics=[metric])}).items[0]
    assert item.action == UNCHANGED and item.changes == [] and item.moves == []


def test_split_drift_from_the_flag_is_seen(tmp_path: Path) -> None:
    exp = experiment()
    exp["feature_flag"]["filters"]["multivariate"]["variants"][0]["rollout_percentage"] = 70
    exp["feature_flag"]["filters"]["multivariate"]["variants"][1]["rollout_percentage"] = 30
    item = plan([spec_of(tmp_path, MINIMAL)], {"checkout-redesign": exp}).items[0]
    assert item.action == UPDATE and [c.field for c in item.changes] == ["variants"]
    assert item.patch["parameters"]["feature_flag_variants"] == [
        {"key": "control", "rollout_percentage": 50},
        {"key": "test", "rollout_percentage": 50},
    ]
    assert item.patch["parameters"]["minimum_detectable_effect"] == 5, "parameters are replaced whole: keep the rest"
    assert "update_feature_flag_params" not in item.patch, "a draft syncs its flag by itself"


def test_split_change_on_a_running_experiment_is_flagged_and_warned(tmp_path: Path) -> None:
    running = experiment(start_date="2026-11-01T00:00:00Z")
    running["feature_flag"]["active"] = True
    spec = spec_of(
        tmp_path,
        MINIMAL.replace(
            "rollout_percentage: 50\n  - key: test\n    rollout_percentage: 50",
            "rollout_percentage: 60\n  - key: test\n    rollout_percentage: 40",
        ).replace("state: draft", "state: running"),
    )
    item = plan([spec], {"checkout-redesign": running}).items[0]
    assert item.action == UPDATE and item.patch["update_feature_flag_params"] is True
    assert any("biases the results" in w for w in item.warnings)


def test_refused_changes_are_caught_in_the_plan(tmp_path: Path) -> None:
    running = experiment(start_date="2026-11-01T00:00:00Z", end_date="2026-11-20T00:00:00Z")
    spec = spec_of(tmp_path, MINIMAL.replace("key: test", "key: treatment").replace("type: product", "type: web"))
    item = plan([spec], {"checkout-redesign": running}).items[0]
    assert item.action == ERROR
    assert any("variant keys cannot change once an experiment is launched" in e for e in item.errors)
    assert any("type cannot change after creation" in e for e in item.errors)
    assert any(
        "cannot move from stopped back to draft" in e and "expctl reset checkout-redesign" in e for e in item.errors
    )


def test_fields_a_spec_leaves_out_are_never_touched(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, "name: Checkout redesign\nfeature_flag_key: checkout-redesign\n")
    item = plan([spec], {"checkout-redesign": experiment(description="changed in the UI", metrics=[])}).items[0]
    assert item.action == UNCHANGED


def test_create_and_moves(tmp_path: Path) -> None:
    item = plan([spec_of(tmp_path, MINIMAL.replace("state: draft", "state: paused"))], {}).items[0]
    assert item.action == CREATE and item.moves == ["launch", "pause"]
    assert (
        item.create_body is not None and item.create_body["parameters"]["feature_flag_variants"][0]["key"] == "control"
    )
    assert moves_between("running", "paused") == ["pause"]
    assert moves_between("paused", "running") == ["resume"]
    assert moves_between("paused", "stopped") == ["end"]
    assert moves_between("stopped", "running") is None
