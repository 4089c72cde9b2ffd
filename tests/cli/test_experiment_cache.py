"""The cache of full experiments (``cli/objectcache.py``): a no-change diff reads list
pages only, and whatever changed in PostHog since is read again, never taken from it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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
    assert project.run("api", "PATCH", "experiments/2/", "--input", "-", stdin=body).returncode == 0
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
    assert outcome.returncode == 0, outcome
    assert _detail_reads(project) >= 5


def _cache_file(home: Path) -> Path:
    [found] = list((home / ".cache" / "expctl").glob("experiments-*.json"))
    return found


def _header_and_body(cache: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The cache file's header line (identity, seal) and its body (id -> experiment)."""
    header, body = cache.read_text().split("\n", 1)
    return json.loads(header), json.loads(body)


def test_an_edited_entry_is_not_believed_and_costs_a_read(project: InProcess, tmp_path: Path, home: Path) -> None:
    """An entry edited to claim what the spec wants (with PostHog's updated_at kept) must
    cost a GET, never hide a change: each entry is sealed with a key derived from the
    API key, which whoever could plant the file does not hold."""
    specs = _specs(project, tmp_path, 3)
    spec = specs / "seeded-00001.yaml"
    spec.write_text(spec.read_text().replace("description: ''", "description: from the spec"))
    cache = _cache_file(home)
    header, body = _header_and_body(cache)
    assert header["host"] == "http://127.0.0.1:8000" and header["project"] == "1" and header["format"] == 4
    entry = next(e for e in body.values() if e["feature_flag_key"] == "seeded-00001")
    entry["description"] = "from the spec"  # forged to match; updated_at untouched
    cache.write_text(json.dumps(header) + "\n" + json.dumps(body))
    diff = invoke_and_assert(project, ["diff", "-f", str(specs)], 8)
    assert "1 to update" in diff.stdout, "the real change is still planned"


def test_another_projects_cache_file_is_not_read(project: InProcess, tmp_path: Path, home: Path) -> None:
    specs = _specs(project, tmp_path, 3)
    cache = _cache_file(home)
    header, body = _header_and_body(cache)
    header["project"] = "2"  # a file that says it is another project's (a name collision, a copy)
    cache.write_text(json.dumps(header) + "\n" + json.dumps(body))
    project.fake.clear_log()
    invoke_and_assert(project, ["diff", "-f", str(specs)], 0)
    assert _detail_reads(project) > 0
    assert len(cache.name) >= len("experiments-") + 32 + len(".json"), "named by a long hash"


def test_a_list_row_never_enters_the_cache(project: InProcess, tmp_path: Path, home: Path) -> None:
    """The loser of a create race used to remember the winner's list row (no metrics) as
    the full experiment; every later run then said 'this PostHog has no field metrics'."""
    import threading

    from expctl.standin.demo import call

    specs = tmp_path / "race"
    specs.mkdir()
    (specs / "race.yaml").write_text("name: Race\nfeature_flag_key: race\nmetrics:\n  - mean: purchase\n")
    ours = project.fake.gate(method="POST", path_contains="/experiments/")
    applying = threading.Thread(target=lambda: invoke_and_assert(project, ["apply", "-f", str(specs), "--yes"], 0))
    applying.start()
    assert ours.wait_for(1), "our create is on its way"
    # Another apply's create lands a moment before ours (it gets the lower id).
    call(project.fake, "POST", "/api/projects/{project}/experiments/", {"name": "Race", "feature_flag_key": "race",
         "parameters": {}, "metrics": [{"kind": "ExperimentMetric", "metric_type": "mean",
         "source": {"kind": "EventsNode", "event": "purchase"}}]}, unheld=True)  # fmt: skip
    ours.open()
    applying.join(timeout=120)
    live = [e for e in project.fake.live_experiments() if e["name"] == "Race"]
    assert len(live) == 1
    cached = _header_and_body(_cache_file(home))[1].values()
    assert all("metrics" in e and "filters" in e for e in cached)
    (specs / "race.yaml").write_text("name: Race\nfeature_flag_key: race\nmetrics:\n  - mean: signup\n")
    project.fake.clear_log()
    applied = invoke_and_assert(project, ["apply", "-f", str(specs), "--yes"], 0)
    assert "has no field metrics" not in applied.stderr
    patches = [json.loads(e.body) for e in project.fake.requests("PATCH")]
    assert patches and "metrics" in patches[0], "the metric change is sent"


def test_a_cache_folder_others_may_write_is_not_used(project: InProcess, tmp_path: Path, home: Path) -> None:
    """A shared CI cache volume (others may write) could hold planted files: expctl keeps
    nothing there, says so once, and works with more requests."""
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    specs = _specs(project, tmp_path, 3)
    env = {"EXPCTL_CACHE_DIR": str(shared)}
    outcome = project.run("diff", "-f", str(specs), env=env)
    assert outcome.returncode == 0, outcome
    warnings = [line for line in outcome.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: not keeping anything in {shared}: others may write in it, so its files could be planted "
        f"(make it yours and owner-only: chmod 700 {shared}; or set EXPCTL_CACHE_DIR)"
    ]
    assert list(shared.iterdir()) == []
    assert project.run("list", env=env).returncode == 0 and list(shared.iterdir()) == []
