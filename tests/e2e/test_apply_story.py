"""Specs in git, end to end on both eras (the older one in process): apply, re-apply, change, drift, export.

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_apply.py.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Served, Server
from tests.support.area_apply import SPECS, by_key, flag_of, write_specs


def test_apply_story(cloud: Server, tmp_path: Path) -> None:
    """The installed entry point, on current Cloud; the late-2024 release runs the same
    story in process (tests/cli/test_stories.py)."""
    apply_story(cloud, tmp_path)


def apply_story(server: Served, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", SPECS)
    fake = server.fake

    assert server.run("validate", "-f", str(specs)).returncode == 0
    pending = server.run("diff", "-f", str(specs))
    assert pending.returncode == 8, pending
    assert "Plan: 3 to create, 0 to update, 3 lifecycle moves, 0 unchanged." in pending.stdout
    assert fake.writes() == [], "diff never writes"

    refused = server.run("apply", "-f", str(specs))
    assert refused.returncode == 2 and "--yes" in refused.stderr

    applied = server.run("apply", "-f", str(specs), "--yes")
    assert applied.returncode == 0, applied
    assert "Applied: 3 created, 2 launched, 1 paused." in applied.stderr
    live = by_key(server)
    assert set(live) >= {"hero-banner", "search-ranking", "footer-links"}
    assert live["hero-banner"]["start_date"] is not None and flag_of(server, "hero-banner")["active"] is True
    assert live["search-ranking"]["start_date"] is None
    assert flag_of(server, "footer-links")["active"] is False and live["footer-links"]["start_date"] is not None
    assert [v["key"] for v in flag_of(server, "search-ranking")["filters"]["multivariate"]["variants"]] == [
        "control",
        "ltr",
        "bm25",
    ]

    fake.clear_log()
    again = server.run("apply", "-f", str(specs))
    assert again.returncode == 0, again
    assert "Nothing to apply" in again.stderr
    assert fake.writes() == [], "a second apply sends no write at all"

    # Three changes: a field, a split (on a running experiment), a state.
    changed = dict(SPECS)
    changed["hero.yaml"] = (
        SPECS["hero.yaml"]
        .replace("A bigger hero", "A much bigger hero")
        .replace(
            "rollout_percentage: 50\n  - key: big\n    rollout_percentage: 50",
            "rollout_percentage: 40\n  - key: big\n    rollout_percentage: 60",
        )
    )
    changed["more/two.yaml"] = SPECS["more/two.yaml"].replace("state: draft", "state: running")
    write_specs(specs, changed)
    diff = server.run("diff", "-f", str(specs))
    assert diff.returncode == 8, diff
    assert "    - description: A bigger hero\n    + description: A much bigger hero\n" in diff.stdout
    assert "biases the results" in diff.stdout
    assert "then: launch" in diff.stdout
    assert "Plan: 0 to create, 1 to update, 1 lifecycle move, 1 unchanged." in diff.stdout

    fake.clear_log()
    applied = server.run("apply", "-f", str(specs), "--yes")
    assert applied.returncode == 0, applied
    assert by_key(server)["hero-banner"]["description"] == "A much bigger hero"
    shares = {
        v["key"]: v["rollout_percentage"] for v in flag_of(server, "hero-banner")["filters"]["multivariate"]["variants"]
    }
    assert shares == {"control": 40, "big": 60}
    assert by_key(server)["search-ranking"]["start_date"] is not None
    assert server.run("diff", "-f", str(specs)).returncode == 0
