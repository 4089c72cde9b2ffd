"""A colleague's edit landing between expctl's read and its write (issue 34).

The stand-in runs the colleague's PATCH (the web app's, with no ``version``) just before
expctl's write arrives (``FakePostHog.before``: no sleeps, no timing). Current Cloud
(``version``, PR #71032) merges or refuses the stale write; a server without ``version``
keeps last-write-wins, where expctl's partial PATCHes still leave other fields alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from expctl.standin.demo import call
from tests.conftest import Server
from tests.support.area_apply import write_specs

PATCH_ONE = r"/experiments/\d+/$"


def _colleague(server: Server, exp_id: int, body: dict[str, Any]) -> None:
    """The web app's save, made just before expctl's next PATCH reaches PostHog."""
    path = f"/api/projects/{{project}}/experiments/{exp_id}/"
    server.fake.before("PATCH", PATCH_ONE, lambda: call(server.fake, "PATCH", path, body))


def _now(server: Server, key: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(server.run("get", key, "-o", "json").stdout)
    return found


@pytest.mark.parametrize("versioned", [True, False], ids=["versioned", "before-version"])
def test_an_edit_of_another_field_survives_update(cloud: Server, versioned: bool) -> None:
    cloud.fake.versioned = versioned
    _colleague(cloud, cloud.ids["pricing-copy"], {"description": "the colleague's words"})
    result = cloud.run("update", "pricing-copy", "--name", "Pricing copy B")
    assert result.returncode == 0, result
    now = _now(cloud, "pricing-copy")
    assert now["name"] == "Pricing copy B" and now["description"] == "the colleague's words"


def test_an_edit_of_the_same_field_stops_the_write_with_the_conflict(cloud: Server) -> None:
    _colleague(cloud, cloud.ids["pricing-copy"], {"name": "Named by a colleague"})
    result = cloud.run("update", "pricing-copy", "--name", "Named by expctl")
    assert result.returncode == 12, result
    assert "was changed in PostHog" in result.stderr and '"Named by a colleague"' in result.stderr
    assert "(by hedgehog@example.com)" in result.stderr, "who, from the activity log"
    assert "nothing was written" in result.stderr
    assert _now(cloud, "pricing-copy")["name"] == "Named by a colleague", "the colleague's edit survives"


def test_a_metric_a_colleague_adds_survives_metrics_add(cloud: Server) -> None:
    exp_id = cloud.ids["pricing-copy"]
    current = call(cloud.fake, "GET", f"/api/projects/{{project}}/experiments/{exp_id}/")
    theirs = {
        "kind": "ExperimentMetric",
        "metric_type": "mean",
        "name": "Colleague's metric",
        "source": {"kind": "EventsNode", "event": "purchase"},
        "uuid": "99999999-9999-4999-8999-999999999999",
    }
    _colleague(cloud, exp_id, {"metrics": [*current["metrics"], theirs]})
    added = cloud.run("metrics", "add", "pricing-copy", "{mean: purchase, name: Mine}")
    assert added.returncode == 0, added
    names = [m["name"] for m in _now(cloud, "pricing-copy")["metrics"]]
    assert "Colleague's metric" in names and "Mine" in names, names


def test_a_metric_both_edit_is_a_conflict_for_metrics_remove(cloud: Server) -> None:
    exp_id = cloud.ids["pricing-copy"]
    current = call(cloud.fake, "GET", f"/api/projects/{{project}}/experiments/{exp_id}/")
    first = dict(current["metrics"][0])
    edited = {**first, "name": "Renamed by a colleague"}
    _colleague(cloud, exp_id, {"metrics": [edited, *current["metrics"][1:]]})
    removed = cloud.run("metrics", "remove", "pricing-copy", str(first["name"]), "--yes")
    assert removed.returncode == 12, removed
    assert "Renamed by a colleague" in [m["name"] for m in _now(cloud, "pricing-copy")["metrics"]]


SPEC = """\
name: Pricing page copy
feature_flag_key: pricing-copy
description: {description}
state: draft
"""


def test_apply_merges_a_colleagues_other_edit_and_stops_on_the_same_field(cloud: Server, tmp_path: Path) -> None:
    exp_id = cloud.ids["pricing-copy"]
    specs = write_specs(tmp_path / "specs", {"pricing.yaml": SPEC.format(description="Planned in CI")})
    _colleague(cloud, exp_id, {"conclusion_comment": "a colleague's note"})
    applied = cloud.run("apply", "-f", str(specs), "--yes")
    assert applied.returncode == 0, applied
    now = _now(cloud, "pricing-copy")
    assert now["description"] == "Planned in CI" and now["conclusion_comment"] == "a colleague's note"
    write_specs(tmp_path / "specs", {"pricing.yaml": SPEC.format(description="Planned again")})
    _colleague(cloud, exp_id, {"description": "The colleague's description"})
    clash = cloud.run("apply", "-f", str(specs), "--yes")
    assert clash.returncode == 12, clash
    assert "description" in clash.stderr + clash.stdout
    assert _now(cloud, "pricing-copy")["description"] == "The colleague's description"


def test_the_stand_in_merges_as_posthog_does() -> None:
    """The stand-in's merge (versioning.py) against the cases PostHog's tests pin
    (TestConcurrentMetricMerge): identical edits, both deleting, fingerprint churn, edit vs delete."""
    from expctl.standin.versioning import _merge_metrics

    m1 = {"uuid": "m1", "name": "a", "fingerprint": "f1"}
    assert _merge_metrics([m1], [{**m1, "name": "b"}], [{**m1, "name": "b"}]) == ([{**m1, "name": "b"}], [])
    assert _merge_metrics([m1], [], []) == ([], [])
    assert _merge_metrics([m1], [{**m1, "fingerprint": "f2"}], [m1])[1] == []
    assert _merge_metrics([m1], [], [{**m1, "name": "c"}])[1] == ["m1"]


def test_the_web_apps_running_time_churn_is_not_drift(cloud: Server, tmp_path: Path) -> None:
    """PR #77437: the web app rewrites running_time_calculation.recommended_* on every
    results load of a launched experiment, moving version and updated_at. A re-apply
    afterwards reports no drift and writes nothing."""
    from expctl.standin.demo import running_time_autosave

    out = tmp_path / "specs"
    assert cloud.run("export", "--all", "-f", str(out)).returncode == 0
    spec = out / "checkout-redesign.yaml"
    spec.write_text(
        spec.read_text() + "running_time_calculation: {minimum_detectable_effect: 5, recommended_sample_size: 1}\n"
    )
    assert cloud.run("apply", "-f", str(out), "--yes").returncode == 0
    running = [e["id"] for e in cloud.fake.live_experiments() if e.get("start_date") and not e.get("end_date")]
    for exp_id in running:
        running_time_autosave(cloud.fake, exp_id, days=12.5)
    cloud.fake.clear_log()
    diff = cloud.run("diff", "-f", str(out))
    assert diff.returncode == 0, diff.stdout
    applied = cloud.run("apply", "-f", str(out), "--yes")
    assert applied.returncode == 0 and cloud.fake.writes() == [], applied


def test_a_warm_cache_never_outlives_a_deleted_holdout_or_a_renamed_shared_metric(
    cloud: Server, tmp_path: Path
) -> None:
    """Deleting a holdout, or renaming a shared metric, changes an experiment without
    moving its updated_at (issue 34.3): export and diff must not believe the cached copy."""
    call(
        cloud.fake,
        "POST",
        "/api/projects/{project}/experiments/",
        {
            "name": "Linked",
            "feature_flag_key": "linked",
            "parameters": {},
            "holdout_id": 1,
            "saved_metrics_ids": [{"id": 1, "metadata": {"type": "primary"}}],
        },
    )
    first = tmp_path / "first"
    assert cloud.run("export", "--all", "-f", str(first)).returncode == 0  # warms the cache
    assert "holdout: Global holdout" in (first / "linked.yaml").read_text()
    with cloud.fake.store.lock:
        for holdout in cloud.fake.store.holdouts.values():
            for experiment in cloud.fake.store.experiments.values():
                if experiment.get("holdout_id") == holdout["id"]:
                    experiment["holdout_id"] = None  # as PostHog's holdout delete does, updated_at unmoved
        for saved in cloud.fake.store.saved_metrics.values():
            saved["name"] = f"{saved['name']} (renamed)"
    second = tmp_path / "second"
    assert cloud.run("export", "--all", "-f", str(second)).returncode == 0
    import yaml

    linked = yaml.safe_load((second / "linked.yaml").read_text())
    assert "holdout" not in linked, "no cached holdout"
    assert linked["shared_metrics"] == ["Revenue per user (renamed)"], linked["shared_metrics"]
    assert cloud.run("diff", "-f", str(second)).returncode == 0, "no phantom change"
