"""The foundation story, on both eras (the installed `expctl` on current Cloud, the late-2024
release in process: tests/cli/test_stories.py):

create -> get by id and by flag key -> update -> archive -> list shows it only with
--archived -> unarchive -> delete -> get says not found (exit 5).

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_crud.py.
"""

from __future__ import annotations

import json

from tests.conftest import Served, Server


def test_experiment_crud_story(cloud: Server) -> None:
    """The installed entry point, on current Cloud; the late-2024 release runs the same
    story in process (tests/cli/test_stories.py)."""
    experiment_crud_story(cloud)


def experiment_crud_story(server: Served) -> None:
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
    sent = json.loads(patch[0].body)
    expected = {"name": "Checkout v2 (mobile)"}
    if server.flavour == "cloud":  # the version read, and the value the change was planned against
        expected |= {"version": 0, "original_experiment": {"name": "Checkout v2"}}
    assert len(patch) == 1 and sent == expected
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
