"""The foundation story, on both server flavours, through the installed `expctl`:

create -> get by id and by flag key -> update -> archive -> list shows it only with
--archived -> unarchive -> delete -> get says not found (exit 5).
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Server


def test_experiment_crud_story(server: Server) -> None:
    fake = server.fake

    created = server.run(
        "create", "--name", "Checkout v2", "--flag-key", "checkout-v2", "--description", "One page", "-o", "json"
    )
    assert created.returncode == 0, created
    body = json.loads(created.stdout)
    exp_id = body["id"]
    assert body["name"] == "Checkout v2"
    assert f"Created 'Checkout v2' (id {exp_id}), flag checkout-v2, draft" in created.stderr
    stored = fake.store.experiments[exp_id]
    assert stored["description"] == "One page"
    post = fake.requests("POST", "/experiments/")[-1]
    assert "parameters" in json.loads(post.body), "parameters must always be sent on create"

    by_id = server.run("get", str(exp_id), "-o", "json")
    by_key = server.run("get", "checkout-v2", "-o", "json")
    assert by_id.returncode == by_key.returncode == 0, (by_id, by_key)
    assert json.loads(by_id.stdout)["id"] == json.loads(by_key.stdout)["id"] == exp_id

    fake.clear_log()
    updated = server.run("update", "checkout-v2", "--name", "Checkout v2 (mobile)")
    assert updated.returncode == 0, updated
    assert "Updated 'Checkout v2' (id" in updated.stderr
    patch = fake.requests("PATCH")
    assert len(patch) == 1 and json.loads(patch[0].body) == {"name": "Checkout v2 (mobile)"}
    assert fake.store.experiments[exp_id]["name"] == "Checkout v2 (mobile)"

    archived = server.run("archive", "checkout-v2")
    assert archived.returncode == 0, archived
    assert fake.store.experiments[exp_id]["archived"] is True
    listed = server.run("list", "-o", "ids")
    assert str(exp_id) not in listed.stdout.split()
    listed_archived = server.run("list", "--archived", "-o", "ids")
    assert listed_archived.stdout.split() == [str(exp_id)]

    unarchived = server.run("unarchive", str(exp_id))
    assert unarchived.returncode == 0, unarchived
    assert fake.store.experiments[exp_id]["archived"] is False
    assert str(exp_id) in server.run("list", "-o", "ids").stdout.split()

    refused = server.run("delete", "checkout-v2")
    assert refused.returncode == 2, refused
    assert "--yes" in refused.stderr

    deleted = server.run("delete", "checkout-v2", "--yes")
    assert deleted.returncode == 0, deleted
    record = fake.store.experiments[exp_id]
    if server.flavour == "cloud":
        assert record["deleted"] is True and not record.get("_hard_deleted")
        assert fake.requests("DELETE") == [], "current PostHog deletes with PATCH, never DELETE"
    else:
        assert record.get("_hard_deleted") is True

    gone = server.run("get", str(exp_id))
    assert gone.returncode == 5, gone
    assert gone.stderr.startswith("error: experiment")
    gone_by_key = server.run("get", "checkout-v2")
    assert gone_by_key.returncode == 5, gone_by_key


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
    cloud.fake.faults.latency = 0.2
    cloud.fake.clear_log()
    assert cloud.run("get", "pricing-copy").returncode == 0
    log = cloud.fake.requests()
    # The read by the cached id and the flag's users, live and archived, at once.
    assert sorted((e.method, e.query.get("feature_flag_id") is not None) for e in log) == [
        ("GET", False),
        ("GET", True),
        ("GET", True),
    ]
    assert _round_trips(log) == 1, [(e.path, e.started, e.finished) for e in log]


def test_an_uncached_flag_key_scans_live_and_archived_at_once(cloud: Server) -> None:
    cloud.fake.faults.latency = 0.2
    cloud.fake.clear_log()
    assert cloud.run("get", "pricing-copy").returncode == 0
    log = cloud.fake.requests()
    assert sorted(e.query.get("archived", [""])[0] for e in log) == ["", "", "true"]  # two scans, one read
    assert _round_trips(log) == 2, [(e.path, e.query, e.started, e.finished) for e in log]
