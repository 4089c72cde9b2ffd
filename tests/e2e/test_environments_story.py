"""One set of specs, two environments in two organisations with their own keys, through
the installed `expctl`: validate every environment, apply --env, promote, re-run.

The subprocess story of this area; the rest of its tests run in process in
tests/cli/test_environments.py.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Server
from tests.fakeposthog import FULL_KEY, ORG2_KEY
from tests.support.area_apply import write_specs
from tests.support.area_environments import BASE, PROD_OVERLAY, add_environment, prod_experiment


def test_environments_story(cloud: Server, tmp_path: Path) -> None:
    add_environment(cloud, "staging", "1", FULL_KEY)
    add_environment(cloud, "prod", "3", ORG2_KEY)
    specs = write_specs(tmp_path / "specs", {**BASE, **PROD_OVERLAY})
    valid = cloud.run("validate", "-f", str(specs))
    assert valid.returncode == 0 and "1 environment: prod" in valid.stderr, valid
    for env in ("staging", "prod"):
        applied = cloud.run("apply", "-f", str(specs), "--yes", "--env", env)
        assert applied.returncode == 0, applied
    assert prod_experiment(cloud, "checkout-v2")["description"] == "Checkout, one page (production)"
    assert cloud.run("launch", "checkout-v2", "--env", "staging").returncode == 0
    cloud.fake.clear_log()
    # Production's overlay differs on purpose: promote would undo it, so only a dry run.
    plan = cloud.run("promote", "--from", "staging", "--to", "prod", "checkout-v2", "--dry-run")
    assert plan.returncode == 8 and "description" in plan.stdout and "launch" not in plan.stdout, plan
    assert cloud.fake.writes() == []
    rerun = cloud.run("apply", "-f", str(specs), "--yes", "--env", "prod")
    assert rerun.returncode == 0 and "Nothing to apply" in rerun.stderr, rerun
    assert cloud.fake.writes() == []
