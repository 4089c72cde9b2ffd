"""Lifecycle and the other experiment operations, on current Cloud and an older release.

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_lifecycle.py.
"""

from __future__ import annotations

import json

from tests.conftest import Served, Server
from tests.support.area_lifecycle import status_of


def test_lifecycle_story(cloud: Server) -> None:
    """The installed entry point, on current Cloud; the late-2024 release runs the same
    story in process (tests/cli/test_stories.py)."""
    lifecycle_story(cloud)


def lifecycle_story(server: Served) -> None:
    fake = server.fake
    exp_id = server.ids["pricing-copy"]
    record = fake.store.experiments[exp_id]
    flag = fake.store.flags[record["feature_flag_id"]]
    assert status_of(server, exp_id) == "draft"

    launched = server.run("launch", "pricing-copy")
    assert launched.returncode == 0, launched
    assert launched.stderr.startswith("✓ Launched 'Pricing page copy' (id ")
    assert " at 20" in launched.stderr and "UTC" in launched.stderr
    assert record["start_date"] is not None and flag["active"] is True
    assert status_of(server, exp_id) == "running"

    paused = server.run("pause", "pricing-copy")
    assert paused.returncode == 0, paused
    assert flag["active"] is False
    assert status_of(server, exp_id) == "paused"

    resumed = server.run("resume", "pricing-copy")
    assert resumed.returncode == 0, resumed
    assert flag["active"] is True

    ended = server.run("end", "pricing-copy", "--conclusion", "won", "--comment", "Clear winner", "--yes", "-o", "json")
    assert ended.returncode == 0, ended
    assert ended.returncode == 0, ended
    assert record["end_date"] is not None
    if server.flavour == "cloud":
        assert "(conclusion: won)" in ended.stderr
        assert json.loads(ended.stdout)["conclusion"] == "won"
        assert record["conclusion_comment"] == "Clear winner"
    else:
        # The late-2024 serializer has no conclusion fields: said, not claimed.
        assert "(conclusion: won)" not in ended.stderr
        assert "warning: this PostHog has no fields conclusion, conclusion_comment" in ended.stderr
        assert "ended without the conclusion" in ended.stderr
        assert "conclusion" not in json.loads(ended.stdout) and record.get("conclusion") is None
    assert flag["active"] is True, "ending leaves the flag serving"

    assert server.run("archive", "pricing-copy").returncode == 0
    assert record["archived"] is True
    assert server.run("unarchive", "pricing-copy").returncode == 0
    assert record["archived"] is False

    reset = server.run("reset", "pricing-copy", "--yes")
    assert reset.returncode == 0, reset
    assert record["start_date"] is None and record["end_date"] is None and record["conclusion"] is None
    assert status_of(server, exp_id) == "draft"
