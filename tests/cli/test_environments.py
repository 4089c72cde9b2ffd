"""One set of specs, many environments (issue 26): overlays, render, validate per
environment, apply --env, promote and diff --against between two projects in different
organisations with different keys.

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this
area is tests/e2e/test_environments_story.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import InProcessServer
from tests.fakeposthog import FULL_KEY, ORG2_KEY
from tests.support.area_apply import write_specs
from tests.support.area_environments import (
    BASE,
    PROD_OVERLAY,
    add_environment,
    prod_experiment,
)


@pytest.fixture
def envs(cloud: InProcessServer, tmp_path: Path) -> InProcessServer:
    """Profiles staging (project 1, the demo organisation's key) and prod (project 3,
    another organisation, its own key)."""
    add_environment(cloud, "staging", "1", FULL_KEY)
    add_environment(cloud, "prod", "3", ORG2_KEY)
    return cloud


def test_overlays_merge_by_the_four_rules_and_render_shows_the_result(envs: InProcessServer, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", {**BASE, **PROD_OVERLAY})
    rendered = envs.run("render", "--env", "prod", "-f", str(specs), "-o", "json")
    assert rendered.returncode == 0, rendered
    documents = json.loads(rendered.stdout)
    holdout = next(d for d in documents if d.get("kind") == "Holdout")
    checkout = next(d for d in documents if d.get("feature_flag_key") == "checkout-v2")
    assert holdout["name"] == "Prod holdout"  # only production has it
    assert checkout["description"] == "Checkout, one page (production)"  # description+: appended
    assert [v["rollout_percentage"] for v in checkout["variants"]] == [90, 10]  # a list replaces
    assert checkout["holdout"] == "Prod holdout" and "metrics_secondary" not in checkout  # null removes
    assert checkout["name"] == "Checkout v2"  # what the overlay leaves out stays
    base = json.loads(envs.run("render", "-f", str(specs), "-o", "json").stdout)
    assert [d.get("kind", "Experiment") for d in base] == ["Experiment"], "without --env: the base alone"


def test_validate_checks_every_environment_and_points_into_the_overlay(envs: InProcessServer, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", {**BASE, **PROD_OVERLAY})
    valid = envs.run("validate", "-f", str(specs))
    assert valid.returncode == 0 and "(and 1 environment: prod): valid" in valid.stderr, valid
    broken = tmp_path / "specs" / "environments" / "staging" / "checkout.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("feature_flag_key: checkout-v2\nvariants:\n- {key: control, rollout_percentage: 70}\n")
    refused = envs.run("validate", "-f", str(specs))
    assert refused.returncode == 2, refused
    assert "in environment staging:" in refused.stdout and "checkout.yaml" in refused.stdout, refused
    assert envs.fake.writes() == []


def test_apply_env_prod_writes_production_and_a_rerun_writes_nothing(envs: InProcessServer, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", {**BASE, **PROD_OVERLAY})
    applied = envs.run("apply", "--env", "prod", "-f", str(specs), "--yes")
    assert applied.returncode == 0, applied
    made = prod_experiment(envs, "checkout-v2")
    assert made["description"] == "Checkout, one page (production)"
    assert envs.fake.store.holdouts[made["holdout_id"]]["team_id"] == 3
    assert not [e for e in envs.fake.live_experiments(1) if e["name"] == "Checkout v2"], "staging untouched"
    envs.fake.clear_log()
    again = envs.run("apply", "--env", "prod", "-f", str(specs), "--yes")
    assert again.returncode == 0 and "Nothing to apply" in again.stderr, again
    assert envs.fake.writes() == []


def test_promote_makes_production_match_staging_without_launching_it(envs: InProcessServer, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", BASE)
    assert envs.run("apply", "--env", "staging", "-f", str(specs), "--yes").returncode == 0
    assert envs.run("launch", "checkout-v2", "--env", "staging").returncode == 0
    drift = envs.run("diff", "--env", "staging", "--against", "prod")
    assert drift.returncode == 8 and "create checkout-v2" in drift.stdout, drift
    promoted = envs.run("promote", "--from", "staging", "--to", "prod", "checkout-v2", "--yes")
    assert promoted.returncode == 0, promoted
    made = prod_experiment(envs, "checkout-v2")
    assert made["start_date"] is None, "running in staging, still a draft in production"
    assert made["description"] == "Checkout, one page"
    envs.fake.clear_log()
    again = envs.run("promote", "--from", "staging", "--to", "prod", "checkout-v2", "--yes")
    assert again.returncode == 0 and "Nothing to apply" in again.stderr, again
    assert envs.fake.writes() == []
    after = envs.run("diff", "--env", "staging", "--against", "prod", "-o", "json")
    actions = {item.get("feature_flag_key"): item["action"] for item in json.loads(after.stdout)}
    assert actions["checkout-v2"] == "unchanged", "in sync; the demo experiments only staging has still differ"
    with_state = envs.run("promote", "--from", "staging", "--to", "prod", "checkout-v2", "--with-state", "--yes")
    assert with_state.returncode == 0 and prod_experiment(envs, "checkout-v2")["start_date"], with_state


def test_a_reference_the_target_lacks_is_refused_before_any_write(envs: InProcessServer) -> None:
    made = envs.run(
        "create", "--env", "staging", "--name", "Held out", "--flag-key", "held-out", "--holdout", "Global holdout"
    )
    assert made.returncode == 0, made
    envs.fake.clear_log()
    refused = envs.run("promote", "--from", "staging", "--to", "prod", "held-out", "--yes")
    assert refused.returncode == 6, refused
    assert "no holdout 'Global holdout'" in refused.stdout + refused.stderr, refused
    assert envs.fake.writes() == []


def test_environments_are_profiles(envs: InProcessServer) -> None:
    listed = envs.run("config", "profiles", "-o", "json")
    assert {"staging", "prod"} <= {p["profile"] for p in json.loads(listed.stdout)}, listed
    clash = envs.run("list", "--env", "prod", "--profile", "staging")
    assert clash.returncode == 2 and "an environment is the profile of its name" in clash.stderr
    unknown = envs.run("promote", "--from", "staging", "--to", "qa", "--yes")
    assert unknown.returncode == 2 and "no environment 'qa'" in unknown.stderr, unknown
    prod = envs.run("list", "--env", "prod", "-o", "ids")
    assert prod.returncode == 0 and prod.stdout == "", "the prod project (another organisation) has none yet"


ACTION_SPEC = """\
name: Buyers
feature_flag_key: buyers
metrics:
- name: Purchases (action)
  mean: {action: 1}
"""


def test_actions_go_by_name_across_projects(envs: InProcessServer, tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", {"buyers.yaml": ACTION_SPEC})
    assert envs.run("apply", "--env", "staging", "-f", str(specs), "--yes").returncode == 0
    promoted = envs.run("promote", "--from", "staging", "--to", "prod", "buyers", "--yes")
    assert promoted.returncode == 0, promoted
    (metric,) = prod_experiment(envs, "buyers")["metrics"]
    assert metric["source"]["id"] == 2, "production's own 'Purchased' (id 2), not staging's id 1"
    assert envs.run("diff", "--env", "staging", "--against", "prod", "-o", "json").returncode == 8  # demo ones
    envs.fake.store.actions[2]["deleted"] = True
    envs.fake.clear_log()
    refused = envs.run("promote", "--from", "staging", "--to", "prod", "buyers", "--yes")
    assert refused.returncode == 6, refused
    assert "buyers: the target project has no action named 'Purchased' (id 1 here)" in refused.stderr
    assert envs.fake.writes() == []


def test_cohorts_go_by_name_across_projects(envs: InProcessServer, tmp_path: Path) -> None:
    for cohort_id, team_id in ((50, 1), (60, 3)):
        envs.fake.store.cohorts[cohort_id] = {"id": cohort_id, "team_id": team_id, "name": "Power users"}
    spec = (
        "name: Power\nfeature_flag_key: power\nmetrics:\n- name: Revenue\n"
        "  mean: {event: purchase, sum: revenue, properties: [{type: cohort, key: id, value: 50}]}\n"
    )
    specs = write_specs(tmp_path / "specs", {"power.yaml": spec})
    assert envs.run("apply", "--env", "staging", "-f", str(specs), "--yes").returncode == 0
    promoted = envs.run("promote", "--from", "staging", "--to", "prod", "power", "--yes")
    assert promoted.returncode == 0, promoted
    (metric,) = prod_experiment(envs, "power")["metrics"]
    assert metric["source"]["properties"][0]["value"] == 60, "production's 'Power users', by name"


def test_in_ci_without_profiles_env_only_picks_the_overlays(cloud: InProcessServer, tmp_path: Path) -> None:
    """Host, project and key come as variables (the fixture's EXPCTL_*); no profile 'prod'."""
    specs = write_specs(tmp_path / "specs", {**BASE, **PROD_OVERLAY})
    applied = cloud.run("apply", "--env", "prod", "-f", str(specs), "--yes")
    assert applied.returncode == 0, applied
    (made,) = [e for e in cloud.fake.live_experiments(1) if e["name"] == "Checkout v2"]
    assert made["description"] == "Checkout, one page (production)"


def test_the_plan_says_where_the_live_specs_came_from(envs: InProcessServer) -> None:
    plan = envs.run("diff", "--against", "prod", "--profile", "staging")
    assert plan.returncode == 8 and "from staging (live):" in plan.stdout, plan


@pytest.mark.parametrize("env", ["../../outside", "/abs", ".", "..", "prod/../staging", "a b", ""])
def test_an_environment_is_a_name_not_a_path(cloud: InProcessServer, tmp_path: Path, env: str) -> None:
    specs = tmp_path / "specs"
    write_specs(specs, {**BASE, "environments/prod/checkout.yaml": "feature_flag_key: checkout-v2\ndescription: x\n"})
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "evil.yaml").write_text("feature_flag_key: checkout-v2\ndescription: evil\n")
    result = cloud.run("--env", env, "render", "-f", str(specs))
    assert result.returncode == 2, result
    assert f"--env {env!r} is not an environment name" in result.stderr
    assert cloud.fake.requests() == []


def test_overlays_that_resolve_outside_their_environment_are_not_read(cloud: InProcessServer, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    write_specs(specs, BASE)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.yaml").write_text("feature_flag_key: checkout-v2\ndescription: evil\n")
    (specs / "environments").mkdir()
    (specs / "environments" / "prod").symlink_to(outside)  # the whole environment is a link out
    rendered = cloud.run("render", "--env", "prod", "-f", str(specs))
    assert rendered.returncode == 0, rendered
    assert "evil" not in rendered.stdout
    (specs / "environments" / "prod").unlink()
    (specs / "environments" / "prod").mkdir()
    (specs / "environments" / "prod" / "link.yaml").symlink_to(outside / "evil.yaml")  # one file a link out
    assert "evil" not in cloud.run("render", "--env", "prod", "-f", str(specs)).stdout


@pytest.mark.parametrize(
    ("file", "overlay", "key"),
    [
        ("checkout.yaml", "feature_flag_key: checkout-v2\nfeature_flag_key+: -x\n", "feature_flag_key+"),
        ("holdout.yaml", "kind: Holdout\nname: Global\nname+: ' prod'\n", "name+"),
        ("holdout.yaml", "kind: Holdout\nname: Global\nkind+: x\n", "kind+"),
    ],
)
def test_an_overlay_cannot_change_its_targets_identity(
    cloud: InProcessServer, tmp_path: Path, file: str, overlay: str, key: str
) -> None:
    specs = tmp_path / "specs"
    holdout = "kind: Holdout\nname: Global\nfilters: [{properties: [], rollout_percentage: 10}]\n"
    write_specs(specs, {**BASE, "holdout.yaml": holdout, f"environments/prod/{file}": overlay})
    validated = cloud.run("validate", "-f", str(specs))
    assert validated.returncode == 2, validated
    assert f"{key}: an overlay cannot change what its target is" in validated.stdout
    assert cloud.run("--env", "prod", "render", "-f", str(specs)).returncode == 2
