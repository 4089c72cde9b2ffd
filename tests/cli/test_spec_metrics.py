"""Specs and PostHog's metrics: validation by PostHog's definitions, metric identity on
apply, and projects with legacy experiments (issue 11).

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_spec_metrics.py.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from expctl.standin.demo import call
from tests.conftest import Server

INVALID = """\
name: Broken metrics
feature_flag_key: broken-metrics
metrics:
  - kind: ExperimentMetric
    metric_type: ratio
    numerator: {kind: EventsNode, event: purchase}
  - kind: ExperimentMetric
    metric_type: retention
    start_event: {kind: EventsNode, event: signup}
    completion_event: {kind: EventsNode, event: purchase}
  - kind: ExperimentMetric
    metric_type: mean
  - kind: ExperimentMetric
    metric_type: funnel
    conversion_window_unit: days
"""


def test_validate_refuses_what_posthog_refuses_with_positions(server: Server, tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(INVALID)
    result = server.run("validate", "-f", str(spec))
    assert result.returncode == 2, result
    lines = result.stdout.splitlines()
    expected = [
        f"{spec}:4:5: a ratio metric needs 'denominator'",
        f"{spec}:7:5: a retention metric needs 'retention_window_end'",
        f"{spec}:7:5: a retention metric needs 'retention_window_start'",
        f"{spec}:7:5: a retention metric needs 'retention_window_unit'",
        f"{spec}:7:5: a retention metric needs 'start_handling'",
        f"{spec}:11:5: a mean metric needs 'source'",
        f"{spec}:13:5: a funnel metric needs 'series'",
        f"{spec}:15:29: 'days' is not one of second, minute, hour, day, week, month (did you mean 'day'?)",
    ]
    for line in expected:
        assert line in lines, (line, result.stdout)
    assert not server.fake.writes(), "nothing is sent"


def test_renaming_one_metric_keeps_every_metrics_identity(cloud: Server, tmp_path: Path) -> None:
    exp_id = cloud.ids["checkout-redesign"]
    before = call(cloud.fake, "GET", f"/api/projects/{{project}}/experiments/{exp_id}/")
    out = tmp_path / "specs"
    assert cloud.run("export", "checkout-redesign", "-f", str(out)).returncode == 0
    path = next(out.glob("*.yaml"))
    spec = yaml.safe_load(path.read_text())
    assert all("uuid" not in m for m in spec["metrics"]), "exported specs leave server-assigned uuids out"
    spec["metrics"][1]["name"] = "Revenue per visitor"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    applied = cloud.run("apply", "-f", str(out), "--yes")
    assert applied.returncode == 0, applied
    after = call(cloud.fake, "GET", f"/api/projects/{{project}}/experiments/{exp_id}/")
    assert [m["uuid"] for m in after["metrics"]] == [m["uuid"] for m in before["metrics"]]
    assert [m["uuid"] for m in after["metrics_secondary"]] == [m["uuid"] for m in before["metrics_secondary"]]
    assert after["metrics"][1]["name"] == "Revenue per visitor"
    assert after["primary_metrics_ordered_uuids"] == before["primary_metrics_ordered_uuids"]
    assert after["secondary_metrics_ordered_uuids"] == before["secondary_metrics_ordered_uuids"]
    diff = cloud.run("diff", "-f", str(out))
    assert diff.returncode == 0, diff


def test_reordering_metrics_in_a_spec_reorders_them_in_posthog(cloud: Server, tmp_path: Path) -> None:
    exp_id = cloud.ids["checkout-redesign"]
    before = call(cloud.fake, "GET", f"/api/projects/{{project}}/experiments/{exp_id}/")
    out = tmp_path / "specs"
    cloud.run("export", "checkout-redesign", "-f", str(out))
    path = next(out.glob("*.yaml"))
    spec = yaml.safe_load(path.read_text())
    spec["metrics"].reverse()
    spec["metrics"].append(
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "name": "Refunds",
            "source": {"kind": "EventsNode", "event": "purchase"},
        }
    )
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    assert cloud.run("apply", "-f", str(out), "--yes").returncode == 0
    after = call(cloud.fake, "GET", f"/api/projects/{{project}}/experiments/{exp_id}/")
    old = [m["uuid"] for m in before["metrics"]]
    assert [m["uuid"] for m in after["metrics"]][:2] == old[::-1], "kept metrics keep their uuids"
    new_uuid = after["metrics"][2]["uuid"]
    assert new_uuid not in old
    assert after["primary_metrics_ordered_uuids"] == [*old[::-1], new_uuid], "display order follows the spec"
    assert cloud.run("diff", "-f", str(out)).returncode == 0


def test_a_new_spec_with_legacy_metric_kinds_is_refused_before_sending(cloud: Server, tmp_path: Path) -> None:
    spec = tmp_path / "new.yaml"
    spec.write_text(
        "name: New\nfeature_flag_key: brand-new\nmetrics:\n"
        "  - {kind: ExperimentTrendsQuery, count_query: {kind: TrendsQuery, series: []}}\n"
    )
    result = cloud.run("apply", "-f", str(spec), "--yes")
    assert result.returncode == 6, result
    assert "legacy kinds" in result.output and "kind: ExperimentMetric" in result.output
    assert not cloud.fake.writes()
