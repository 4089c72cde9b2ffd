"""expctl migrate (issue 34.5): a legacy experiment copied onto the new engine; afterwards
the flag key means the new experiment, for lookups and for export."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from expctl.standin.demo import add_legacy_experiments
from tests.conftest import Server


def test_migrate_copies_links_and_the_key_means_the_new_one(cloud: Server, tmp_path: Path) -> None:
    ids = add_legacy_experiments(cloud.fake)
    migrated = cloud.run("migrate", "early-2025", "-o", "json")
    assert migrated.returncode == 0, migrated
    new = json.loads(migrated.stdout)
    assert new["id"] != ids["early-2025"] and new["stats_config"]["migrated_from"] == ids["early-2025"]
    assert new["metrics"][0]["kind"] == "ExperimentMetric"
    assert f"to id {new['id']} on flag early-2025" in migrated.stderr
    again = json.loads(cloud.run("migrate", str(ids["early-2025"]), "-o", "json").stdout)
    assert again["id"] == new["id"], "PostHog answers the first copy"
    got = json.loads(cloud.run("get", "early-2025", "-o", "json").stdout)
    assert got["id"] == new["id"], "one experiment to every flag-key lookup: the new one"
    exported = yaml.safe_load(cloud.run("export", "early-2025").stdout)
    assert "ExperimentTrendsQuery" not in json.dumps(exported), "export follows the new one"


def test_an_experiment_on_the_new_engine_is_refused(cloud: Server) -> None:
    result = cloud.run("migrate", "checkout-redesign")
    assert result.returncode == 6 and "already uses the new experiment engine" in result.stderr


def test_a_release_without_migrate_says_so(legacy: Server) -> None:
    result = legacy.run("migrate", "checkout-redesign")
    assert result.returncode == 6 and "cannot migrate legacy experiments" in result.stderr
