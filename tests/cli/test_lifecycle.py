"""Lifecycle and the other experiment operations, on current Cloud and an older release.

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_lifecycle_story.py.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import Server
from tests.support.area_lifecycle import status_of


def test_ship_shows_the_split_before_and_after(server: Server) -> None:
    result = server.run("ship", "checkout-redesign", "--variant", "test", "--conclusion", "won")
    assert result.returncode == 0, result
    assert "Shipped variant 'test' of 'Checkout redesign'" in result.stderr
    assert "control  50% -> 0%" in result.stderr and "test     50% -> 100%" in result.stderr
    record = server.fake.store.experiments[server.ids["checkout-redesign"]]
    variants = server.fake.store.flags[record["feature_flag_id"]]["filters"]["multivariate"]["variants"]
    assert {v["key"]: v["rollout_percentage"] for v in variants} == {"control": 0, "test": 100}
    assert record["end_date"] is not None
    if server.flavour == "cloud":
        assert record["conclusion"] == "won"
    else:
        assert "this PostHog has no field conclusion" in result.stderr and record.get("conclusion") is None


def test_ship_to_everyone_needs_confirmation_without_a_terminal(cloud: Server) -> None:
    result = cloud.run("ship", "checkout-redesign", "--variant", "test", "--release-to-everyone")
    assert result.returncode == 2 and "--yes" in result.stderr
    assert cloud.fake.writes() == []
    confirmed = cloud.run("ship", "checkout-redesign", "--variant", "test", "--release-to-everyone", "--yes")
    assert confirmed.returncode == 0, confirmed
    flag_id = cloud.fake.store.experiments[cloud.ids["checkout-redesign"]]["feature_flag_id"]
    assert cloud.fake.store.flags[flag_id]["filters"]["groups"][0]["rollout_percentage"] == 100


def test_ship_an_unknown_variant_is_refused_before_sending(cloud: Server) -> None:
    result = cloud.run("ship", "checkout-redesign", "--variant", "nope")
    assert result.returncode == 2 and "is not one of control, test" in result.stderr
    assert cloud.fake.writes() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["launch", "checkout-redesign"], "Experiment has already been launched"),
        (["pause", "pricing-copy"], "Experiment has not been launched yet"),
        (["resume", "checkout-redesign"], "Experiment is not paused"),
        (["end", "pricing-copy", "--yes"], "Experiment has not been launched yet"),
        (["end", "onboarding-or-funnel", "--yes"], "Experiment has already ended"),
        (["ship", "pricing-copy", "--variant", "test"], "Experiment has not been launched yet"),
        (["reset", "pricing-copy", "--yes"], "Experiment is already in draft state"),
        # Refused before the confirmation question, so even without --yes it is exit 6.
        (["end", "pricing-copy"], "Experiment has not been launched yet"),
        (["reset", "pricing-copy"], "Experiment is already in draft state"),
        (["unarchive", "pricing-copy"], "Experiment is not archived"),
        (["freeze-exposure", "pricing-copy"], "Experiment has not been launched yet"),
    ],
)
def test_illegal_transitions_exit_6_without_a_write(server: Server, args: list[str], message: str) -> None:
    if "onboarding-or-funnel" in args:
        # An ended experiment exists only in the cloud demo set; end one on the legacy server first.
        if server.flavour == "cloud":
            args = [a.replace("onboarding-or-funnel", "onboarding-checklist") for a in args]
        else:
            assert server.run("end", "signup-funnel", "--yes").returncode == 0
            args = [a.replace("onboarding-or-funnel", "signup-funnel") for a in args]
    server.fake.clear_log()
    result = server.run(*args)
    assert result.returncode == 6, result
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert server.fake.writes() == [], "the local check must stop it before anything is sent"


def test_fallback_costs_one_extra_request_per_run(server: Server) -> None:
    fake = server.fake
    for key in ("pricing-copy", "checkout-redesign"):
        assert server.run("end", key, "--yes").returncode in (0, 6)
    for key in ("pricing-copy", "checkout-redesign"):
        exp_id = server.ids[key]
        fake.store.experiments[exp_id]["archived"] = True
    fake.clear_log()
    result = server.run("unarchive", "pricing-copy", "checkout-redesign")
    assert result.returncode == 0, result
    writes = [(e.method, e.path.rsplit("/", 2)[-2], e.status) for e in fake.writes()]
    if server.flavour == "cloud":
        assert writes == [("POST", "unarchive", 200), ("POST", "unarchive", 200)]
    else:
        ids = [str(server.ids["pricing-copy"]), str(server.ids["checkout-redesign"])]
        assert writes == [("POST", "unarchive", 404), ("PATCH", ids[0], 200), ("PATCH", ids[1], 200)]


def test_launch_request_count(server: Server) -> None:
    server.fake.clear_log()
    assert server.run("launch", "pricing-copy").returncode == 0
    calls = [(e.method, e.status) for e in server.fake.requests()]
    if server.flavour == "cloud":
        assert calls[-1:] == [("POST", 200)]
        assert len([c for c in calls if c[0] != "GET"]) == 1
    else:
        assert [c for c in calls if c[0] != "GET"] == [("POST", 404), ("PATCH", 200)]


def test_duplicate(server: Server) -> None:
    fake = server.fake
    with_key = server.run("duplicate", "checkout-redesign", "--flag-key", "checkout-copy", "-o", "json")
    assert with_key.returncode == 0, with_key
    copy = json.loads(with_key.stdout)
    assert copy["feature_flag_key"] == "checkout-copy" and copy["name"] == "Checkout redesign (Copy)"
    assert copy["start_date"] is None, "a duplicate is a draft"
    without_key = server.run("duplicate", "checkout-redesign", "--name", "Shared flag copy")
    if server.flavour == "cloud":
        assert without_key.returncode == 0, without_key
        assert "sharing its feature flag" in without_key.stderr
        shared = next(e for e in fake.live_experiments() if e["name"] == "Shared flag copy")
        original = fake.store.experiments[server.ids["checkout-redesign"]]
        assert shared["feature_flag_id"] == original["feature_flag_id"]
    else:
        assert without_key.returncode == 2, without_key
        assert "--flag-key" in without_key.stderr


def test_copy_to_another_project(server: Server) -> None:
    result = server.run(
        "copy", "checkout-redesign", "--to-project", "2", "--flag-key", "checkout-staging", "-o", "json"
    )
    assert result.returncode == 0, result
    copied = json.loads(result.stdout)
    assert server.fake.store.experiments[copied["id"]]["team_id"] == 2
    assert "to project 2" in result.stderr
    missing = server.run("copy", "checkout-redesign", "--to-project", "99")
    assert missing.returncode == 5, missing


def test_exposure_cohort(server: Server) -> None:
    draft = server.run("exposure-cohort", "pricing-copy")
    assert draft.returncode == 6, draft
    assert "Experiment does not have a start date" in draft.stderr
    running = server.run("exposure-cohort", "checkout-redesign")
    assert running.returncode == 0, running
    cohort_id = int(running.stdout.strip())
    assert server.fake.store.experiments[server.ids["checkout-redesign"]]["exposure_cohort"] == cohort_id
    again = server.run("exposure-cohort", "checkout-redesign", "-o", "json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["id"] == cohort_id
    assert "already has exposure cohort" in again.stderr


def test_flag_check_answers_in_words_and_exit_code(server: Server) -> None:
    ready = server.run("flag-check", "--event", "purchase")
    assert ready.returncode == 0 and ready.stdout.startswith("ready:")
    not_ready = server.run("flag-check", "--event", "signup")
    assert not_ready.returncode == 9 and not_ready.stdout.startswith("not ready:")
    as_json = server.run("flag-check", "--event", "signup", "-o", "json")
    assert as_json.returncode == 9
    assert json.loads(as_json.stdout) == {
        "ready": False,
        "events": ["signup"],
        "actions": [],
        "window_days": 7,
        "requires_flag_implementation": True,  # PostHog's own answer, under its own name
    }
    ready_json = json.loads(server.run("flag-check", "--event", "purchase", "--action", "1", "-o", "json").stdout)
    assert ready_json["ready"] is True and ready_json["requires_flag_implementation"] is False
    assert ready_json["events"] == ["purchase"] and ready_json["actions"] == [1]
    by_action = server.run("flag-check", "--action", "1")
    assert by_action.returncode == 0
    nothing = server.run("flag-check")
    assert nothing.returncode == 2


def test_eligible_flags_and_stats(server: Server) -> None:
    flags = server.run("eligible-flags", "--columns", "key", "-o", "json")
    assert flags.returncode == 0, flags
    keys = {f["key"] for f in json.loads(flags.stdout)}
    assert "checkout-redesign" in keys
    onboarding = server.run("eligible-flags", "--search", "onboarding", "-o", "ids")
    assert onboarding.returncode == 0
    stats = server.run("stats", "-o", "json")
    assert stats.returncode == 0, stats
    assert set(json.loads(stats.stdout)) >= {"launched_last_30d", "active_experiments", "completed_last_30d"}


def test_freeze_exposure_where_the_server_has_it(server: Server) -> None:
    frozen = server.run("freeze-exposure", "checkout-redesign")
    if server.flavour == "cloud":
        assert frozen.returncode == 0, frozen
        assert status_of(server, server.ids["checkout-redesign"]) == "exposure_frozen"
        assert server.run("unfreeze-exposure", "checkout-redesign").returncode == 0
        assert status_of(server, server.ids["checkout-redesign"]) == "running"
    else:
        assert frozen.returncode == 5 and "has no freeze-exposure" in frozen.stderr
