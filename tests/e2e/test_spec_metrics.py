"""Specs and PostHog's metrics: validation by PostHog's definitions, metric identity on
apply, and projects with legacy experiments (issue 11).

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_spec_metrics.py.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from expctl.standin.demo import add_legacy_experiments
from tests.conftest import Server


def test_export_all_then_diff_is_clean_on_a_project_with_legacy_experiments(cloud: Server, tmp_path: Path) -> None:
    add_legacy_experiments(cloud.fake)
    out = tmp_path / "specs"
    exported = cloud.run("export", "--all", "-f", str(out))
    assert exported.returncode == 0, exported
    assert cloud.run("validate", "-f", str(out)).returncode == 0
    diff = cloud.run("diff", "-f", str(out))
    assert diff.returncode == 0, diff
    early = yaml.safe_load((out / "early-2025.yaml").read_text())
    assert early["metrics"][0]["kind"] == "ExperimentTrendsQuery", "legacy metrics are kept as read"
    # A rename is what PostHog allows on such an experiment...
    early["name"] = "Early 2025 test (renamed)"
    (out / "early-2025.yaml").write_text(yaml.safe_dump(early, sort_keys=False))
    assert cloud.run("apply", "-f", str(out), "--yes").returncode == 0
    # ...a change to its metrics is refused in the plan, with PostHog's rule in words.
    early["metrics"][0]["name"] = "Orders"
    (out / "early-2025.yaml").write_text(yaml.safe_dump(early, sort_keys=False))
    cloud.fake.clear_log()
    refused = cloud.run("diff", "-f", str(out))
    assert refused.returncode == 6, refused
    assert (
        "uses legacy metric formats, and PostHog lets only its name, description or end date change" in refused.output
    )
    assert cloud.run("apply", "-f", str(out), "--yes").returncode == 6
    assert not cloud.fake.writes()
