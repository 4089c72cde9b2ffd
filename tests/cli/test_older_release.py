"""The late-2024 self-hosted release: never silently wrong (issue 12).

The ``legacy`` flavour of the test server follows ``ee/clickhouse/views/experiments.py``
of that time (see ``expctl/standin/experiments.py``). Where expctl emulates what the
newer server does (list filters, stats, eligible flags), the same project data is served
by both flavours and the answers must be the same.

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_older_release.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from expctl.standin.demo import call
from tests.conftest import Server
from tests.support.area_older_release import Twin


@pytest.fixture
def twin(home: Path) -> Iterator[Twin]:
    pair = Twin(home)
    yield pair
    pair.stop()


LISTINGS = [
    ("--search", "pricing", "--limit", "2"),
    ("--status", "running"),
    ("--status", "running", "--all"),
    ("--status", "stopped", "--limit", "5", "--offset", "3"),
    ("--archived", "--limit", "2"),
    ("--order", "name", "--limit", "10"),
    ("--order", "-start_date", "--status", "stopped", "--limit", "7"),
    ("--created-by", "2", "--limit", "4"),
    ("--limit", "5"),
]


@pytest.mark.parametrize("args", LISTINGS, ids=[" ".join(a) for a in LISTINGS])
def test_list_filters_sort_and_window_like_the_newer_server(twin: Twin, args: tuple[str, ...]) -> None:
    newer, older = twin.both("list", *args, "-o", "json")
    assert newer.returncode == older.returncode == 0, (newer, older)
    assert [e["id"] for e in json.loads(older.stdout)] == [e["id"] for e in json.loads(newer.stdout)]
    assert older.stderr == newer.stderr, "the 'Showing N of M' line counts the filtered set"


def test_list_emulation_costs_one_probe_and_reads_each_page_once(twin: Twin) -> None:
    older = twin.run("legacy", "list", "--status", "running", "--limit", "3", "-o", "ids")
    assert older.stdout.count("\n") == 3
    running = sum(
        1
        for e in twin.fakes["legacy"].live_experiments()
        if e["start_date"] and not e["end_date"] and not e.get("archived")
    )
    assert f"Showing 3 of {running} experiments" in older.stderr
    lists = twin.fakes["legacy"].requests("GET", "/experiments/")
    assert len(lists) == 4, [(e.path, e.query) for e in lists]  # first page, two 1-row probes, one full read


def test_stats_and_eligible_flags_match_the_endpoints_they_stand_in_for(twin: Twin) -> None:
    newer, older = twin.both("stats", "-o", "json")
    assert older.returncode == 0, older
    assert json.loads(older.stdout) == json.loads(newer.stdout)
    assert not [e for e in twin.fakes["legacy"].requests("GET") if e.status == 404 and "stats" not in e.path]
    for args in ((), ("--search", "seeded-0001"), ("--active",), ("--limit", "5")):
        newer, older = twin.both("eligible-flags", *args, "-o", "json")
        assert older.returncode == 0, older
        assert [f["key"] for f in json.loads(older.stdout)] == [f["key"] for f in json.loads(newer.stdout)], args


def test_fields_the_release_does_not_have_are_named_not_claimed(legacy: Server) -> None:
    only = legacy.run("update", "pricing-copy", "--set", 'stats_config={"method": "frequentist"}')
    assert only.returncode == 6, only
    assert "warning: this PostHog has no field stats_config: it ignored it (not stored)" in only.stderr
    assert "nothing was stored" in only.stderr and "Updated" not in only.stderr
    mixed = legacy.run(
        "update", "pricing-copy", "--description", "Shorter copy", "--set", 'stats_config={"method": "frequentist"}'
    )
    assert mixed.returncode == 0, mixed
    assert "✓ Updated 'Pricing page copy' (id 3): description" in mixed.stderr
    assert "no field stats_config" in mixed.stderr
    created = legacy.run(
        "create",
        "--name",
        "With settings",
        "--flag-key",
        "with-settings",
        "--set",
        'exposure_criteria={"filterTestAccounts": false}',
    )
    assert created.returncode == 0 and "this PostHog has no field exposure_criteria" in created.stderr


def test_a_spec_field_the_release_lacks_is_reported_once_and_never_sent_again(legacy: Server, tmp_path: Path) -> None:
    out = tmp_path / "specs"
    assert legacy.run("export", "pricing-copy", "-f", str(out)).returncode == 0
    path = out / "pricing-copy.yaml"
    spec = yaml.safe_load(path.read_text())
    assert "stats_config" not in spec
    spec["stats_config"] = {"method": "frequentist"}
    spec["conclusion"] = "won"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    diff = legacy.run("diff", "-f", str(out))
    assert diff.returncode == 0, diff
    assert (
        "this PostHog has no field stats_config (set by 1 spec: pricing-copy); it is left out of the plan"
        in diff.stderr
    )
    assert "no field conclusion" in diff.stderr
    legacy.fake.clear_log()
    applied = legacy.run("apply", "-f", str(out), "--yes")
    assert applied.returncode == 0, applied
    again = legacy.run("apply", "-f", str(out), "--yes")
    assert again.returncode == 0, again
    assert legacy.fake.writes() == [], "neither apply sends a write that would change nothing"


def test_a_split_change_on_a_running_experiment_reaches_the_flag(legacy: Server) -> None:
    exp_id = legacy.ids["checkout-redesign"]
    result = legacy.run(
        "update",
        "checkout-redesign",
        "--update-flag",
        "--set",
        'parameters={"feature_flag_variants": [{"key": "control", "rollout_percentage": 30}, {"key": "test", "rollout_percentage": 70}]}',
    )
    assert result.returncode == 0, result
    record = legacy.fake.store.experiments[exp_id]
    variants = legacy.fake.store.flags[record["feature_flag_id"]]["filters"]["multivariate"]["variants"]
    assert {v["key"]: v["rollout_percentage"] for v in variants} == {"control": 30, "test": 70}
    assert [e.path for e in legacy.fake.requests("PATCH") if "/feature_flags/" in e.path], "set on the flag itself"


def test_the_older_release_answers_missing_routes_as_its_router_does(legacy: Server) -> None:
    for word in ("stats", "eligible_feature_flags"):
        with pytest.raises(RuntimeError, match=r'404 .*"Not found\."'):
            call(legacy.fake, "GET", f"/api/projects/{{project}}/experiments/{word}/")
    record = call(
        legacy.fake,
        "PATCH",
        f"/api/projects/{{project}}/experiments/{legacy.ids['pricing-copy']}/",
        {"stats_config": {"method": "frequentist"}, "conclusion": "won"},
    )
    assert "stats_config" not in record and "conclusion" not in record
