"""Metrics people can write, shared metrics and holdouts (issue 16), end to end.

Each test runs the installed `expctl` against the test server on 127.0.0.1 (the story from
nothing on current Cloud; the late-2024 release runs it in process, tests/cli/test_stories.py); the server's saved-metric and holdout endpoints
follow PostHog's source (expctl/standin/resources.py cites it).

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_metrics_resources.py.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import Served, Server
from tests.support.area_metrics_resources import FROM_NOTHING, _write


def test_a_holdout_two_shared_metrics_and_an_experiment_from_nothing(cloud: Server, tmp_path: Path) -> None:
    """The installed entry point, on current Cloud; the late-2024 release runs the same
    story in process (tests/cli/test_stories.py)."""
    a_holdout_two_shared_metrics_and_an_experiment_from_nothing(cloud, tmp_path)


def a_holdout_two_shared_metrics_and_an_experiment_from_nothing(server: Served, tmp_path: Path) -> None:
    specs = _write(tmp_path / "specs", FROM_NOTHING)
    diff = server.run("diff", "-f", str(specs))
    assert diff.returncode == 8, diff
    assert "holdout_id: (id of the new Holdout 'Q4 holdout')" in diff.stdout
    assert "Plan: 4 to create" in diff.stdout
    applied = server.run("apply", "-f", str(specs), "--yes")
    assert applied.returncode == 0, applied
    lines = applied.stdout.splitlines()
    created = [line for line in lines if line.startswith("✓")]
    assert [line.split(" (id")[0] for line in created] == [
        "✓ Holdout 'Q4 holdout'",
        "✓ SharedMetric 'Order value'",
        "✓ SharedMetric 'Page load time'",
        "✓ search-v2",
    ]
    holdout = next(h for h in server.fake.store.holdouts.values() if h["name"] == "Q4 holdout")
    assert holdout["filters"] == [{"properties": [], "rollout_percentage": 5, "variant": f"holdout-{holdout['id']}"}]
    exported = tmp_path / "exported"
    assert server.run("export", "--all", "-f", str(exported)).returncode == 0
    names = sorted(p.name for p in exported.iterdir())
    assert f"holdout-q4-holdout-{holdout['id']}.yaml" in names
    search = yaml.safe_load((exported / "search-v2.yaml").read_text())
    assert search["holdout"] == "Q4 holdout"
    assert search["shared_metrics"] == ["Order value", {"name": "Page load time", "type": "secondary"}]
    assert search["metrics"][0] == {
        "name": "Search to purchase",
        "funnel": [{"event": "search", "where": {"source": "header"}}, "purchase"],
        "window": "14d",
    }
    text = (exported / "search-v2.yaml").read_text()
    assert "funnel: [{event: search, where: {source: header}}, purchase]" not in text  # nested: block style
    load_time = next(p for p in names if p.startswith("shared-metric-page-load-time"))
    assert yaml.safe_load((exported / load_time).read_text())["metric"] == {
        "mean": {"event": "$pageview", "avg": "load_ms"},
        "goal": "decrease",
        "outliers": {"upper": 0.99},
    }
    assert server.run("validate", "-f", str(exported)).returncode == 0
    server.fake.clear_log()
    clean = server.run("diff", "-f", str(exported))
    assert clean.returncode == 0, clean.stdout
    assert server.fake.writes() == []
