"""The foundation story, on both server flavours:

create -> get by id and by flag key -> update -> archive -> list shows it only with
--archived -> unarchive -> delete -> get says not found (exit 5).

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_crud_story.py.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Server


def test_delete_costs_one_extra_request_at_most_on_old_servers(legacy: Server) -> None:
    for key in ("old-a", "old-b"):
        assert legacy.run("create", "--name", key, "--flag-key", key).returncode == 0
    legacy.fake.clear_log()
    result = legacy.run("delete", "old-a", "old-b", "--yes")
    assert result.returncode == 0, result
    writes = [(e.method, e.status) for e in legacy.fake.writes()]
    # One PATCH probe discovers there is no soft delete; every delete after that is a DELETE.
    assert writes == [("PATCH", 200), ("DELETE", 204), ("DELETE", 204)]


def test_list_says_on_stderr_when_more_exist(cloud: Server) -> None:
    from tests.fakeposthog import seed_experiments

    seed_experiments(cloud.fake, 150)
    result = cloud.run("list")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 100
    assert "Showing 100 of 153 experiments" in result.stderr and "--all" in result.stderr
    everything = cloud.run("list", "--all", "-o", "ids")
    assert len(everything.stdout.split()) == 153
    assert everything.stderr == ""


def test_create_validates_variants_before_sending(cloud: Server) -> None:
    result = cloud.run("create", "--name", "x", "--flag-key", "x", "--variant", "a=50", "--variant", "b=50")
    assert result.returncode == 2
    assert "control" in result.stderr
    assert cloud.fake.writes() == []


def test_update_without_changes_sends_nothing(cloud: Server) -> None:
    cloud.fake.clear_log()
    result = cloud.run("update", "checkout-redesign", "--name", "Checkout redesign")
    assert result.returncode == 0
    assert "No changes" in result.stderr
    assert cloud.fake.writes() == []


def test_a_flag_key_shared_by_two_experiments_never_picks_one(cloud: Server) -> None:
    # `list` fills the flag-key cache (key -> id 1) before a second experiment shares
    # the flag; the cached shortcut must notice instead of quietly using experiment 1.
    assert cloud.run("list").returncode == 0
    copy = cloud.run("duplicate", "checkout-redesign", "--name", "Checkout again", "-o", "json")
    assert copy.returncode == 0, copy
    assert json.loads(copy.stdout)["feature_flag_key"] == "checkout-redesign"
    cloud.fake.clear_log()
    for command in (["get", "checkout-redesign"], ["delete", "checkout-redesign", "--yes"]):
        result = cloud.run(*command)
        assert result.returncode == 2, result
        assert "2 experiments use the flag key 'checkout-redesign'" in result.stderr
        assert "numeric id" in result.stderr
    assert cloud.fake.writes() == []


def _round_trips(entries: list[Any]) -> int:
    """The longest chain of requests each of which waited for an earlier one to finish."""
    chain: list[tuple[float, int]] = []  # (finished, chain length ending there)
    for entry in sorted(entries, key=lambda e: e.started):
        before = [length for finished, length in chain if finished <= entry.started]
        chain.append((entry.finished, 1 + max(before, default=0)))
    return max((length for _, length in chain), default=0)


def test_a_cached_flag_key_resolves_in_one_round_trip(cloud: Server) -> None:
    assert cloud.run("list").returncode == 0
    cloud.fake.clear_log()
    at_once = cloud.fake.barrier(3, method="GET")
    assert cloud.run("get", "pricing-copy").returncode == 0
    assert at_once.met, "the read and both flag-user lists were in flight together"
    log = cloud.fake.requests()
    # The read by the cached id and the flag's users, live and archived, at once.
    assert sorted((e.method, e.query.get("feature_flag_id") is not None) for e in log) == [
        ("GET", False),
        ("GET", True),
        ("GET", True),
    ]
    assert _round_trips(log) == 1, [(e.path, e.started, e.finished) for e in log]


def test_an_uncached_flag_key_scans_live_and_archived_at_once(cloud: Server) -> None:
    both_scans = cloud.fake.barrier(2, method="GET", query_has="limit")
    cloud.fake.clear_log()
    assert cloud.run("get", "pricing-copy").returncode == 0
    assert both_scans.met, "the live and the archived scan were in flight together"
    log = cloud.fake.requests()
    assert sorted(e.query.get("archived", [""])[0] for e in log) == ["", "", "true"]  # two scans, one read
    assert _round_trips(log) == 2, [(e.path, e.query, e.started, e.finished) for e in log]


def test_a_shared_flag_key_means_the_experiment_not_archived_then_not_ended(cloud: Server) -> None:
    """After the default `duplicate` the copy shares the flag: the key must stay usable
    once the copy is archived (or ended), and expctl says which experiment it took."""
    original = cloud.ids["checkout-redesign"]
    made = cloud.run("duplicate", "checkout-redesign", "-o", "json")
    assert made.returncode == 0, made
    assert "Both experiments now use the flag checkout-redesign" in made.stderr
    copy = json.loads(made.stdout)["id"]
    both_live = cloud.run("results", "checkout-redesign")
    assert both_live.returncode == 2 and f"ids {original}, {copy}" in both_live.stderr
    assert cloud.run("archive", str(copy)).returncode == 0
    for command in (["results", "checkout-redesign"], ["open", "checkout-redesign"], ["get", "checkout-redesign"]):
        result = cloud.run(*command)
        assert result.returncode == 0, (command, result)
        assert (
            f"2 experiments use the flag key 'checkout-redesign': took 'Checkout redesign' (id {original}), "
            f"the one not archived (the others: {copy}; pass an id for another)"
        ) in result.stderr
    frozen = cloud.run("freeze-exposure", "checkout-redesign")
    assert frozen.returncode == 0, frozen
    assert f"(id {original})" in frozen.stderr
    deleting = cloud.run("delete", "checkout-redesign", "--yes")
    assert deleting.returncode == 2 and "pass the numeric id" in deleting.stderr, "a delete never guesses"


def test_of_two_live_experiments_on_one_flag_the_one_not_ended_is_meant(cloud: Server) -> None:
    made = cloud.run("duplicate", "onboarding-checklist", "-o", "json")  # the original has ended
    copy = json.loads(made.stdout)["id"]
    result = cloud.run("get", "onboarding-checklist", "-o", "json")
    assert result.returncode == 0, result
    assert json.loads(result.stdout)["id"] == copy
    assert "the one neither archived nor ended" in result.stderr
