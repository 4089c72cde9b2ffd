"""The cache of full experiments (``cli/objectcache.py``): a no-change diff reads list
pages only, and whatever changed in PostHog since is read again, never taken from it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.conftest import InProcess, invoke_and_assert
from tests.fakeposthog import seed_experiments

DETAIL = re.compile(r"/experiments/\d+/$")


def _detail_reads(project: InProcess) -> int:
    return sum(1 for e in project.fake.requests("GET") if DETAIL.search(e.path))


def _specs(project: InProcess, tmp_path: Path, count: int = 30) -> Path:
    seed_experiments(project.fake, count)
    invoke_and_assert(project, ["export", "--all", "-f", str(tmp_path / "specs")], 0)
    return tmp_path / "specs"


def test_a_no_change_diff_reads_list_pages_and_no_experiment(project: InProcess, tmp_path: Path) -> None:
    specs = _specs(project, tmp_path)  # export --all keeps what it read
    project.fake.clear_log()
    invoke_and_assert(project, ["diff", "-f", str(specs)], 0, ("0 to update",))
    assert _detail_reads(project) == 0
    assert len(project.fake.requests()) <= 4, [e.path for e in project.fake.requests()]
    project.fake.clear_log()
    invoke_and_assert(project, ["export", "--all", "-f", str(tmp_path / "again")], 0)
    assert _detail_reads(project) == 0


def test_an_experiment_changed_behind_expctls_back_is_read_again(project: InProcess, tmp_path: Path) -> None:
    specs = _specs(project, tmp_path)
    # Another client edits one experiment's metrics: PostHog moves its updated_at.
    body = json.dumps({"metrics": [{"kind": "ExperimentMetric", "metric_type": "mean",
                                    "source": {"kind": "EventsNode", "event": "signup"}}]})  # fmt: skip
    assert project.run("api", "PATCH", "experiments/2/", "--input", "-", stdin=body).code == 0
    project.fake.clear_log()
    diff = invoke_and_assert(project, ["diff", "-f", str(specs)], 8)
    assert "1 to update" in diff.stdout
    assert _detail_reads(project) == 1  # that one, and only that one


def test_a_split_changed_on_the_flag_alone_is_seen(project: InProcess, tmp_path: Path) -> None:
    """The flag is PostHog's other object: editing it leaves the experiment's updated_at,
    but the list row carries the flag, and the row's values win over the cached ones."""
    specs = _specs(project, tmp_path, 3)
    with project.fake.store.lock:
        flag = next(f for f in project.fake.store.flags.values() if f["key"] == "seeded-00001")
        flag["filters"]["multivariate"]["variants"][0]["rollout_percentage"] = 70
        flag["filters"]["multivariate"]["variants"][1]["rollout_percentage"] = 30
    diff = invoke_and_assert(project, ["diff", "-f", str(specs)], 8)
    assert "rollout_percentage: 70" in diff.stdout


def test_a_torn_or_foreign_cache_is_not_trusted(project: InProcess, tmp_path: Path, home: Path) -> None:
    specs = _specs(project, tmp_path, 5)
    files = list((home / ".cache" / "expctl").glob("experiments-*.json"))
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    for broken in ('{"format": 1, "experiments": {"2": {"id": 2, "upd', '{"format": 99, "experiments": {}}', "[]"):
        files[0].write_text(broken)
        project.fake.clear_log()
        invoke_and_assert(project, ["diff", "-f", str(specs)], 0, ("0 to update",))
        assert _detail_reads(project) > 0  # read again, and kept anew
        project.fake.clear_log()
        invoke_and_assert(project, ["diff", "-f", str(specs)], 0)
        assert _detail_reads(project) == 0


def test_without_the_cache_every_run_reads_what_it_needs(project: InProcess, tmp_path: Path) -> None:
    specs = _specs(project, tmp_path, 5)
    project.fake.clear_log()
    outcome = project.run("diff", "-f", str(specs), env={"EXPCTL_NO_CACHE": "1"})
    assert outcome.code == 0, outcome
    assert _detail_reads(project) >= 5
