"""Specs in git on both server flavours: apply, re-apply, change, drift, export.

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_apply_story.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from expctl.standin.demo import call
from tests.conftest import Server
from tests.support.area_apply import SPECS, by_key, flag_of, write_specs


def test_drift_behind_expctls_back_shows_up(server: Server, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", {"hero.yaml": SPECS["hero.yaml"]})
    assert server.run("apply", "-f", str(specs), "--yes").returncode == 0
    flag = flag_of(server, "hero-banner")
    call(
        server.fake,
        "PATCH",
        f"/api/projects/{{project}}/feature_flags/{flag['id']}/",
        {
            "filters": {
                **flag["filters"],
                "multivariate": {
                    "variants": [{"key": "control", "rollout_percentage": 10}, {"key": "big", "rollout_percentage": 90}]
                },
            }
        },
    )
    exp_id = by_key(server)["hero-banner"]["id"]
    call(server.fake, "PATCH", f"/api/projects/{{project}}/experiments/{exp_id}/", {"description": "edited in the UI"})
    diff = server.run("diff", "-f", str(specs), "-o", "json")
    assert diff.returncode == 8, diff
    item = json.loads(diff.stdout)[0]
    assert {c["field"] for c in item["changes"]} == {"description", "variants"}
    assert item["request"]["update_feature_flag_params"] is True


def test_export_then_diff_round_trips(server: Server, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    exported = server.run("export", "--all", "-f", str(out))
    assert exported.returncode == 0, exported
    files = sorted(p.name for p in out.iterdir())
    resources = ["holdout-global-holdout-1.yaml", "shared-metric-revenue-per-user-1.yaml"]
    assert files == sorted([*(f"{k}.yaml" for k in server.ids), *resources])
    spec = yaml.safe_load((out / "checkout-redesign.yaml").read_text())
    assert spec["apiVersion"] == "expctl/v1" and spec["state"] == "running"
    assert "uuid" not in json.dumps(spec) and "fingerprint" not in json.dumps(spec)
    validated = server.run("validate", "-f", str(out))
    assert validated.returncode == 0, validated
    server.fake.clear_log()
    diff = server.run("diff", "-f", str(out))
    assert diff.returncode == 0, diff.stdout
    assert server.run("apply", "-f", str(out)).returncode == 0
    assert server.fake.writes() == []
    one = server.run("export", "pricing-copy")
    assert yaml.safe_load(one.stdout)["feature_flag_key"] == "pricing-copy"


def test_partial_failure_leaves_the_others_applied(server: Server, tmp_path: Path) -> None:
    docs = [f"name: Good {i}\nfeature_flag_key: good-{i}\nstate: running\n" for i in range(4)]
    docs.insert(2, "name: Bad\nfeature_flag_key: bad-holdout\nholdout_id: 999\n")
    specs = write_specs(tmp_path / "specs", {"five.yaml": "---\n".join(docs)})
    result = server.run("apply", "-f", str(specs), "--yes")
    assert result.returncode == 6, result
    assert "✗ bad-holdout" in result.stdout
    assert 'Invalid pk "999" - object does not exist.' in result.stderr
    assert "Applied: 4 created, 4 launched, 1 failed." in result.stderr
    live = by_key(server)
    assert all(f"good-{i}" in live and live[f"good-{i}"]["start_date"] for i in range(4))
    assert "bad-holdout" not in live


def test_backwards_state_is_refused_with_the_reset_command(cloud: Server, tmp_path: Path) -> None:
    specs = write_specs(
        tmp_path / "specs", {"x.yaml": "name: Checkout redesign\nfeature_flag_key: checkout-redesign\nstate: draft\n"}
    )
    result = cloud.run("diff", "-f", str(specs))
    assert result.returncode == 6
    assert (
        "cannot move from running back to draft" in result.stdout and "expctl reset checkout-redesign" in result.stdout
    )
    cloud.fake.clear_log()
    applied = cloud.run("apply", "-f", str(specs), "--yes")
    assert applied.returncode == 6
    assert cloud.fake.writes() == []


def test_new_variant_keys_on_a_running_experiment_are_refused_before_sending(cloud: Server, tmp_path: Path) -> None:
    text = "name: Checkout redesign\nfeature_flag_key: checkout-redesign\nvariants:\n  - {key: control, rollout_percentage: 50}\n  - {key: b, rollout_percentage: 50}\n"
    specs = write_specs(tmp_path / "specs", {"x.yaml": text})
    result = cloud.run("diff", "-f", str(specs))
    assert result.returncode == 6
    assert "variant keys cannot change once an experiment is launched" in result.stdout


def test_invalid_specs_exit_2_with_positions(cloud: Server, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", {"bad.yaml": "name: x\nfeature_flag_key: x\nsate: running\n"})
    for command in ("validate", "diff", "apply"):
        result = cloud.run(command, "-f", str(specs))
        assert result.returncode == 2, result
        assert f"{specs}/bad.yaml:3:1: unknown key 'sate' (did you mean 'state'?)" in result.stdout
    assert cloud.fake.requests() == [], "invalid specs never reach PostHog"


def test_schema_command(cloud: Server) -> None:
    result = cloud.run("schema")
    schema = json.loads(result.stdout)
    experiment = schema["definitions"]["Experiment"]["properties"]
    assert experiment["state"]["enum"] == ["draft", "running", "paused", "stopped"]
    assert {"MetricShorthand", "SharedMetric", "Holdout"} <= set(schema["definitions"])
    assert cloud.run("schema", "--path").stdout.strip().endswith("experiment-spec.schema.json")


def test_a_flag_key_shared_by_experiments(cloud: Server, tmp_path: Path) -> None:
    # Re-running a test on the same flag leaves the old run archived: specs manage the
    # live one, and export writes that one without overwriting it with the old run.
    rerun = cloud.run("duplicate", "checkout-redesign", "--name", "Checkout rerun", "-o", "json")
    assert rerun.returncode == 0, rerun
    rerun_id = json.loads(rerun.stdout)["id"]
    assert cloud.run("archive", str(cloud.ids["checkout-redesign"])).returncode == 0
    out = tmp_path / "exported"
    exported = cloud.run("export", "--all", "-f", str(out))
    assert exported.returncode == 0, exported
    assert yaml.safe_load((out / "checkout-redesign.yaml").read_text())["name"] == "Checkout rerun"
    assert f"not exporting id {cloud.ids['checkout-redesign']} (archived, sharing it)" in exported.stderr
    diff = cloud.run("diff", "-f", str(out))
    assert diff.returncode == 0, diff.stdout + diff.stderr

    # Two live experiments on one key: no spec can say which it means, so none is touched.
    assert cloud.run("unarchive", str(cloud.ids["checkout-redesign"])).returncode == 0
    cloud.fake.clear_log()
    refused = cloud.run("apply", "-f", str(out), "--yes")
    assert refused.returncode == 6, refused
    ids = sorted([cloud.ids["checkout-redesign"], rerun_id])
    assert f"2 experiments use the flag key 'checkout-redesign' (ids {ids[0]}, {ids[1]})" in refused.stdout
    assert cloud.fake.writes() == []
    both_live = cloud.run("export", "--all", "-f", str(tmp_path / "again"))
    assert not (tmp_path / "again" / "checkout-redesign.yaml").exists()
    assert "several experiments not archived share it" in both_live.stderr
