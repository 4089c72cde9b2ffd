"""A spec's readable ``statistics:`` (issue 33): validated with PostHog's rules, written as
``stats_config`` without clobbering the keys it leaves out, exported back and round-tripped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import Server
from tests.support.area_apply import write_specs

SPEC = """\
name: Stats
feature_flag_key: stats-spec
variants: [{key: control, split_percent: 50}, {key: test, split_percent: 50}]
statistics:
  method: frequentist
  alpha: 10%
  sequential: {tau: 2000}
  cuped: 7d
  baseline: control
"""


def _experiment(server: Server, key: str) -> dict[str, Any]:
    got = server.run("get", key, "-o", "json")
    assert got.returncode == 0, got
    found: dict[str, Any] = json.loads(got.stdout)
    return found


def test_statistics_apply_export_and_round_trip(cloud: Server, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", {"stats.yaml": SPEC})
    applied = cloud.run("apply", "-f", str(specs), "--yes")
    assert applied.returncode == 0, applied
    stats = _experiment(cloud, "stats-spec")["stats_config"]
    assert stats["frequentist"] == {
        "alpha": 0.1,
        "sequential_testing_enabled": True,
        "sequential_tuning_parameter": 2000,
    }
    assert stats["cuped"] == {"enabled": True, "lookback_days": 7} and stats["baseline_variant_key"] == "control"
    exported = yaml.safe_load(cloud.run("export", "stats-spec").stdout)
    assert exported["statistics"]["sequential"] == {"tau": 2000} and exported["statistics"]["cuped"] == "7d"
    assert "stats_config" not in exported
    out = tmp_path / "out"
    out.mkdir()
    (out / "stats.yaml").write_text(yaml.safe_dump(exported))
    cloud.fake.clear_log()
    assert cloud.run("diff", "-f", str(out)).returncode == 0, "export round-trips"
    header = cloud.run("get", "stats-spec", "-o", "json")
    assert json.loads(header.stdout)["stats_config"]["cuped"]["lookback_days"] == 7


def test_a_partial_statistics_keeps_what_it_leaves_out(cloud: Server, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", {"stats.yaml": SPEC})
    assert cloud.run("apply", "-f", str(specs), "--yes").returncode == 0
    smaller = SPEC.split("statistics:", maxsplit=1)[0] + "statistics:\n  method: frequentist\n  cuped: false\n"
    write_specs(tmp_path / "specs", {"stats.yaml": smaller})
    assert cloud.run("apply", "-f", str(specs), "--yes").returncode == 0
    stats = _experiment(cloud, "stats-spec")["stats_config"]
    assert stats["cuped"] == {"enabled": False, "lookback_days": 7}
    assert stats["frequentist"]["sequential_tuning_parameter"] == 2000, "not clobbered"


def test_settings_posthog_would_ignore_are_refused_with_their_place(server: Server, tmp_path: Path) -> None:
    bad = (
        SPEC.replace("alpha: 10%", "alpha: 5")
        .replace("cuped: 7d", "cuped: 45d")
        .replace("baseline: control", "baseline: treatment")
    )
    specs = write_specs(tmp_path / "specs", {"stats.yaml": bad + "  credible_level: 0.9\n"})
    result = server.run("validate", "-f", str(specs), "-o", "json")
    assert result.returncode != 0
    messages = " | ".join(p["message"] for p in json.loads(result.stdout)["problems"])
    assert "statistics.alpha must lie between 0 and 1" in messages
    assert "lookback from 1d to 30d" in messages
    assert "Invalid baseline_variant_key: 'treatment'. Must be one of: control, test" in messages
    assert "credible_level is a bayesian setting" in messages
    both = write_specs(tmp_path / "both", {"s.yaml": SPEC + "stats_config: {method: bayesian}\n"})
    assert "set statistics or stats_config, not both" in server.run("validate", "-f", str(both)).stdout
