"""Metrics people can write, shared metrics and holdouts (issue 16).

Each test runs the installed `expctl` against the test server on 127.0.0.1, in both
eras where the behaviour is the same; the server's saved-metric and holdout endpoints
follow PostHog's source (expctl/standin/resources.py cites it).

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_metrics_resources.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from expctl.standin.state import NO_QUERY_KEY, READ_ONLY_KEY
from tests.conftest import Server
from tests.support.area_metrics_resources import FROM_NOTHING, _write

# The minimal spec form, which these tests pin.
MINIMAL = """\
kind: Holdout
name: Global holdout
percentage: 10
---
kind: SharedMetric
name: Revenue per user
metric: {mean: {event: purchase, sum: revenue}}
---
kind: SharedMetric
name: Orders per user
metric: {mean: purchase}
---
kind: Experiment
name: Checkout v3
feature_flag_key: checkout-v3
holdout: Global holdout
metrics:
  - funnel: [$pageview, purchase]
    name: Checkout conversion
shared_metrics:
  - Revenue per user                          # primary
  - {name: Orders per user, type: secondary}
"""


def test_the_minimal_spec_applies_exports_and_diffs_clean(server: Server, tmp_path: Path) -> None:
    specs = _write(tmp_path / "specs", MINIMAL.replace("Global holdout", "Checkout holdout"))
    assert server.run("validate", "-f", str(specs)).returncode == 0
    applied = server.run("apply", "-f", str(specs), "--yes", "-o", "json")
    assert applied.returncode == 0, applied
    results = json.loads(applied.stdout)["results"]
    # The seeded "Revenue per user" is PostHog's form without node names: the spec updates it.
    assert [(r["kind"], r["name"], r["steps"]) for r in results[:3]] == [
        ("Holdout", "Checkout holdout", ["created"]),
        ("SharedMetric", "Revenue per user", ["updated"]),
        ("SharedMetric", "Orders per user", ["created"]),
    ]
    got = json.loads(server.run("get", "checkout-v3", "-o", "json").stdout)
    assert got["holdout"]["name"] == "Checkout holdout"
    assert sorted((s["name"], s["metadata"]["type"]) for s in got["saved_metrics"]) == [
        ("Orders per user", "secondary"),
        ("Revenue per user", "primary"),
    ]
    assert got["metrics"][0]["series"][0] == {"kind": "EventsNode", "event": "$pageview", "name": "$pageview"}
    server.fake.clear_log()
    again = server.run("diff", "-f", str(specs))
    assert again.returncode == 0, again.stdout
    assert server.run("apply", "-f", str(specs), "--yes").returncode == 0
    assert server.fake.writes() == []
    # One experiment exported alone brings what it refers to, so the file validates by itself.
    alone = server.run("export", "checkout-v3")
    kinds = [doc["kind"] for doc in yaml.safe_load_all(alone.stdout)]
    assert kinds == ["Holdout", "SharedMetric", "SharedMetric", "Experiment"]
    (tmp_path / "alone.yaml").write_text(alone.stdout)
    assert server.run("validate", "-f", str(tmp_path / "alone.yaml")).returncode == 0


def test_names_the_files_do_not_define_are_looked_up_in_posthog(cloud: Server, tmp_path: Path) -> None:
    text = MINIMAL.replace("holdout: Global holdout", "holdout: Global holdot").replace(
        "  - Revenue per user                          # primary", "  - Revenue per usr"
    )
    specs = _write(tmp_path / "specs", text)
    cloud.fake.clear_log()
    result = cloud.run("validate", "-f", str(specs))
    assert result.returncode == 0, result  # offline, PostHog may have them: not a problem
    assert result.stdout == ""
    assert result.stderr.splitlines()[:2] == [
        f"{specs}/specs.yaml:16:10: not checked offline: no Holdout named 'Global holdot' in these files "
        "(did you mean 'Global holdout'?); diff and apply look it up in PostHog",
        f"{specs}/specs.yaml:21:5: not checked offline: no SharedMetric named 'Revenue per usr' in these files "
        "(did you mean 'Revenue per user'?); diff and apply look it up in PostHog",
    ]
    assert cloud.fake.requests() == []
    diff = cloud.run("diff", "-f", str(specs))
    assert diff.returncode == 6, diff  # PostHog has neither: refused before anything is written
    assert "✗ PostHog has no holdout 'Global holdot' (did you mean 'Global holdout'?)" in diff.stdout
    assert "✗ PostHog has no shared metric 'Revenue per usr' (did you mean 'Revenue per user'?)" in diff.stdout
    assert cloud.fake.writes() == []


def test_an_exported_experiment_diffs_alone_against_the_holdout_and_metric_posthog_has(
    cloud: Server, tmp_path: Path
) -> None:
    made = cloud.run(
        "create", "--name", "Checkout v3", "--flag-key", "checkout-v3", "--holdout", "Global holdout",
        "--shared-metric", "Revenue per user",
    )  # fmt: skip
    assert made.returncode == 0, made
    exported = tmp_path / "specs"
    assert cloud.run("export", "checkout-v3", "-f", str(exported)).returncode == 0
    assert len(list(exported.iterdir())) == 3
    cloud.fake.clear_log()
    alone = cloud.run("diff", "-f", str(exported / "checkout-v3.yaml"))
    assert alone.returncode == 0, alone
    assert "1 unchanged" in alone.stdout
    assert cloud.fake.writes() == []


def test_references_by_id_and_refusals_in_the_plan(cloud: Server, tmp_path: Path) -> None:
    # The seeded project has holdout 1 and shared metric 1; checkout-redesign is running.
    spec = "name: By id\nfeature_flag_key: by-id\nholdout: 1\nshared_metrics: [{id: 1, type: secondary}]\n"
    specs = _write(tmp_path / "ids", spec)
    assert cloud.run("apply", "-f", str(specs), "--yes").returncode == 0
    got = json.loads(cloud.run("get", "by-id", "-o", "json").stdout)
    assert got["holdout_id"] == 1 and got["saved_metrics"][0]["metadata"] == {"type": "secondary"}
    launched = _write(
        tmp_path / "launched", "name: Checkout redesign\nfeature_flag_key: checkout-redesign\nholdout: 1\n"
    )
    refused = cloud.run("diff", "-f", str(launched))
    assert refused.returncode == 6, refused
    assert "the holdout cannot change once an experiment is launched" in refused.stdout
    missing = _write(tmp_path / "missing", "name: X\nfeature_flag_key: x-1\nholdout: 99\n")
    result = cloud.run("diff", "-f", str(missing))
    assert result.returncode == 6 and "PostHog has no holdout 99" in result.stdout


def test_shared_metrics_commands(server: Server) -> None:
    run = server.run
    created = run(
        "shared-metrics", "create", "--name", "Checkout conversion",
        "--metric", "funnel: [$pageview, purchase]", "--tag", "checkout", "-o", "json",
    )  # fmt: skip
    assert created.returncode == 0, created
    body = json.loads(created.stdout)
    assert body["query"]["metric_type"] == "funnel" and body["query"]["uuid"]
    twice = run("shared-metrics", "create", "--name", "checkout CONVERSION", "--metric", "mean: purchase")
    assert twice.returncode == 6
    assert "A shared metric with this name already exists" in twice.stderr
    listed = run("shared-metrics", "list", "-o", "plain", "--columns", "name,metric")
    assert listed.stdout.splitlines() == [
        "Checkout conversion\tfunnel: [$pageview, purchase]",
        "Revenue per user\tmean: {event: purchase, sum: revenue}",
    ]
    uuid_before = body["query"]["uuid"]
    updated = run(
        "shared-metrics", "update", "checkout conversion", "--metric", "{funnel: [$pageview, purchase], window: 1d}"
    )
    assert updated.returncode == 0, updated
    got = json.loads(run("shared-metrics", "get", str(body["id"]), "-o", "json").stdout)
    assert got["query"]["uuid"] == uuid_before and got["query"]["conversion_window"] == 1
    assert run("shared-metrics", "link", "checkout-redesign", "Checkout conversion", "--secondary").returncode == 0
    rows = json.loads(run("metrics", "list", "checkout-redesign", "-o", "json").stdout)
    assert ("secondary", "Checkout conversion") in [(r["role"], r["name"]) for r in rows]
    assert run("shared-metrics", "unlink", "checkout-redesign", "Checkout conversion").returncode == 0
    assert run("shared-metrics", "delete", "Checkout conversion").returncode == 2  # no terminal: needs --yes
    assert run("shared-metrics", "delete", "Checkout conversion", "--yes").returncode == 0
    gone = run("shared-metrics", "get", "Checkout conversion")
    assert gone.returncode == 5 and "shared metric 'Checkout conversion' not found" in gone.stderr
    bad = run("shared-metrics", "create", "--name", "Bad", "--metric", "mean: {event: a, summ: b}")
    assert bad.returncode == 2
    assert (
        bad.stderr.strip()
        == "error: --metric 'mean: {event: a, summ: b}': mean.summ: unknown key 'summ' (did you mean 'sum'?)"
    )


def test_holdouts_commands_and_create_with_names(server: Server) -> None:
    run = server.run
    made = run("holdouts", "create", "--name", "Q3 holdout", "--percentage", "7.5", "-o", "json")
    assert made.returncode == 0, made
    holdout = json.loads(made.stdout)
    assert holdout["filters"][0]["rollout_percentage"] == 7.5
    assert holdout["filters"][0]["variant"] == f"holdout-{holdout['id']}"
    listed = run("holdouts", "list", "-o", "plain", "--columns", "name,held_back")
    assert "Q3 holdout\t7.5%" in listed.stdout.splitlines()
    create = run(
        "create", "--name", "Search v3", "--flag-key", "search-v3", "--holdout", "Q3 holdout",
        "--metric", "{funnel: [$pageview, purchase], name: Conversion}", "--secondary-metric", "mean: purchase",
        "--shared-metric", "revenue per user", "-o", "json",
    )  # fmt: skip
    assert create.returncode == 0, create
    experiment = json.loads(create.stdout)
    assert experiment["holdout"]["id"] == holdout["id"]
    assert [m["name"] for m in experiment["metrics"]] == ["Conversion"]
    assert experiment["saved_metrics"][0]["name"] == "Revenue per user"
    assert run("holdouts", "update", "Q3 holdout", "--percentage", "5").returncode == 0
    flag = server.fake.store.flags[experiment["feature_flag"]["id"]]
    assert flag["filters"]["holdout"] == {"id": holdout["id"], "exclusion_percentage": 5}
    assert run("holdouts", "delete", str(holdout["id"]), "--yes").returncode == 0
    assert json.loads(run("get", "search-v3", "-o", "json").stdout)["holdout"] is None
    unknown = run("create", "--name", "X", "--flag-key", "x-2", "--holdout", "Nope")
    assert unknown.returncode == 5 and "holdout 'Nope' not found" in unknown.stderr


def test_metrics_are_edited_in_place_keeping_every_other_uuid(server: Server) -> None:
    run = server.run
    before = json.loads(run("metrics", "list", "checkout-redesign", "-o", "json").stdout)
    uuids = {r["name"]: r["uuid"] for r in before}
    added = run("metrics", "add", "checkout-redesign", "{mean: purchase, name: Purchases, goal: increase}")
    assert added.returncode == 0, added
    assert "has started: the new metric is computed from the experiment's start" in added.stderr
    after = json.loads(run("metrics", "list", "checkout-redesign", "-o", "json").stdout)
    assert {r["name"]: r["uuid"] for r in after if r["name"] in uuids} == uuids
    assert [r["name"] for r in after if r["role"] == "primary"][-1] == "Purchases"
    moved = run("metrics", "move", "checkout-redesign", "Purchases", "--to", "1")
    assert moved.returncode == 0, moved
    order = [r["name"] for r in json.loads(run("metrics", "list", "checkout-redesign", "-o", "json").stdout)]
    assert order[0] == "Purchases"
    removed = run("metrics", "remove", "checkout-redesign", "primary:1", "--yes")
    assert removed.returncode == 0, removed
    final = json.loads(run("metrics", "list", "checkout-redesign", "-o", "json").stdout)
    assert {r["name"]: r["uuid"] for r in final} == uuids
    missing = run("metrics", "remove", "checkout-redesign", "Nope", "--yes")
    assert missing.returncode == 5 and "no metric 'Nope'" in missing.stderr


def test_unknown_events_are_said_in_one_line(cloud: Server) -> None:
    refused = cloud.run("metrics", "add", "checkout-redesign", "mean: never_seen_event")
    assert refused.returncode == 6
    assert refused.stderr.strip() == (
        "error: PostHog has seen no events named 'never_seen_event' in this project; check the spelling, or pass "
        "--allow-unknown-events (allow_unknown_events: true in a spec) if they will be sent soon"
    )
    allowed = cloud.run("metrics", "add", "checkout-redesign", "mean: never_seen_event", "--allow-unknown-events")
    assert allowed.returncode == 0, allowed


def test_scopes_of_their_own_on_newest_cloud(server: Server) -> None:
    result = server.run("shared-metrics", "list", env={"EXPCTL_API_KEY": NO_QUERY_KEY})
    if server.flavour == "cloud":
        assert result.returncode == 4, result
        assert "API key missing required scope 'experiment_saved_metric:read'" in result.stderr
        assert "give the key the experiment_saved_metric:read scope" in result.stderr
    else:  # older releases: experiment:* covers them
        assert result.returncode == 0, result
    doctor = server.run("doctor", "-o", "json", env={"EXPCTL_API_KEY": READ_ONLY_KEY})
    more = next(c for c in json.loads(doctor.stdout) if c["name"] == "More scopes")
    if server.flavour == "cloud":
        assert more["status"] == "warn"
        assert "experiment_holdout:write" in more["detail"]


def test_results_say_when_an_experiment_runs_with_a_holdout(cloud: Server) -> None:
    assert cloud.run("update", "pricing-copy", "--set", "holdout_id=1").returncode == 0
    assert cloud.run("launch", "pricing-copy").returncode == 0
    table = cloud.run("results", "pricing-copy", "-o", "table", env={"COLUMNS": "100"})
    assert "Holdout: Global holdout (10% of users held back from this experiment; not in these results)" in table.stdout
    plain = cloud.run("results", "pricing-copy", "-o", "plain")
    assert "Holdout: Global holdout" in plain.stderr


def test_the_documented_validation_output(cloud: Server, tmp_path: Path) -> None:
    """README's and docs/metrics.md's `validate` examples, as they really come out."""
    readme = tmp_path / "broken.yaml"
    readme.write_text(
        "name: Checkout v3\nfeature_flag_key: checkout-v3\nmetrics:\n"
        "  - {kind: ExperimentMetric, metric_type: ratio, numerator: {kind: EventsNode, event: purchase}}\n"
        "  - funnel: [$pageview, purchase]\n"
        "  - mean: {event: purchase, summ: revenue}\n"
        "  - kind: ExperimentMetric\n    metric_type: funnel\n    series: [{kind: EventNode, event: purchase}]\n"
    )
    result = cloud.run("validate", "-f", "broken.yaml", cwd=tmp_path)
    assert result.returncode == 2
    documented = Path(__file__).resolve().parents[2].joinpath("README.md").read_text()
    block = documented.split("$ expctl validate -f broken.yaml\n", 1)[1].split("```", 1)[0]
    assert result.stdout + "error: " + result.stderr.split("error: ", 1)[1] == block


def test_the_plan_says_what_a_metric_change_does_to_a_running_experiment(cloud: Server, tmp_path: Path) -> None:
    exported = cloud.run("export", "checkout-redesign")
    documents = list(yaml.safe_load_all(exported.stdout))
    experiment = documents[-1]
    experiment["metrics"].append({"mean": "purchase", "name": "Purchases"})
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "all.yaml").write_text(yaml.safe_dump_all(documents, sort_keys=False))
    diff = cloud.run("diff", "-f", str(specs))
    assert diff.returncode == 8, diff
    assert (
        "metrics of a launched experiment change: PostHog computes new or edited ones over the whole run" in diff.stdout
    )


def test_results_include_shared_metrics_in_their_role(cloud: Server) -> None:
    made = cloud.run("shared-metrics", "create", "--name", "Orders per user", "--metric", "mean: purchase")
    assert made.returncode == 0, made
    assert cloud.run("shared-metrics", "link", "pricing-copy", "Revenue per user").returncode == 0
    # PostHog refuses one shared metric in both roles (it counts distinct metrics): so does expctl, first.
    cloud.fake.clear_log()
    twice = cloud.run("shared-metrics", "link", "pricing-copy", "1", "--secondary")
    assert twice.returncode == 2 and "already a primary metric" in twice.stderr, twice
    assert cloud.fake.writes() == []
    assert cloud.run("shared-metrics", "link", "pricing-copy", "Orders per user", "--secondary").returncode == 0
    assert cloud.run("launch", "pricing-copy").returncode == 0
    plain = cloud.run("results", "pricing-copy", "-o", "plain")
    assert plain.returncode == 0, plain
    roles = {tuple(line.split("\t")[1:3]) for line in plain.stdout.splitlines()}
    assert {("Revenue per user", "primary"), ("Orders per user", "secondary")} <= roles
    history = cloud.run("results", "checkout-redesign", "--history", "-o", "json")
    assert history.returncode == 0
    assert cloud.run("shared-metrics", "link", "checkout-redesign", "Revenue per user").returncode == 0
    linked = cloud.run("results", "checkout-redesign", "--history", "-o", "json")
    # Current Cloud fingerprints linked shared metrics too, so their daily results are asked for.
    assert len(json.loads(linked.stdout)["metrics"]) == len(json.loads(history.stdout)["metrics"]) + 1


def test_holdouts_and_shared_metrics_are_updated_in_place_by_apply(cloud: Server, tmp_path: Path) -> None:
    specs = _write(tmp_path / "specs", FROM_NOTHING)
    assert cloud.run("apply", "-f", str(specs), "--yes").returncode == 0
    before = {m["name"]: m["query"]["uuid"] for m in cloud.fake.store.saved_metrics.values()}
    changed = FROM_NOTHING.replace("percentage: 5", "percentage: 8").replace(
        "{mean: {event: purchase, avg: revenue}, goal: increase}",
        "{mean: {event: purchase, sum: revenue}, goal: increase}",
    )
    (specs / "specs.yaml").write_text(changed)
    diff = cloud.run("diff", "-f", str(specs), "-o", "json")
    assert diff.returncode == 8, diff
    updates = [
        (i["kind"], i["name"], [c["field"] for c in i["changes"]])
        for i in json.loads(diff.stdout)
        if i["action"] == "update"
    ]
    assert updates == [("Holdout", "Q4 holdout", ["filters"]), ("SharedMetric", "Order value", ["query"])]
    cloud.fake.clear_log()
    assert cloud.run("apply", "-f", str(specs), "--yes").returncode == 0
    writes = [(e.method, e.path.split("/api/projects/1/")[1]) for e in cloud.fake.writes()]
    assert [w[0] for w in writes] == ["PATCH", "PATCH"] and all("experiment_" in w[1] for w in writes)
    after = {m["name"]: m["query"]["uuid"] for m in cloud.fake.store.saved_metrics.values()}
    assert after == before  # PostHog keeps a shared metric's uuid on update
    flag = next(f for f in cloud.fake.store.flags.values() if f["key"] == "search-v2")
    assert flag["filters"]["holdout"]["exclusion_percentage"] == 8
    assert cloud.run("diff", "-f", str(specs)).returncode == 0


def test_export_writes_metrics_in_the_order_metrics_move_set_and_diffs_clean(cloud: Server, tmp_path: Path) -> None:
    """`metrics move` sets PostHog's display order (the ordering array), not the stored
    one: export writes that order, and its spec is no change."""
    rows = json.loads(cloud.run("metrics", "list", "checkout-redesign", "-o", "json").stdout)
    primaries = [r["name"] for r in rows if r["role"] == "primary" and r["shared_metric_id"] is None]
    assert len(primaries) >= 2, rows
    assert cloud.run("metrics", "move", "checkout-redesign", primaries[-1], "--to", "1").returncode == 0
    shown = [r["name"] for r in json.loads(cloud.run("metrics", "list", "checkout-redesign", "-o", "json").stdout)]
    assert shown[0] == primaries[-1]
    exported = tmp_path / "specs"
    assert cloud.run("export", "checkout-redesign", "-f", str(exported)).returncode == 0
    spec = yaml.safe_load((exported / "checkout-redesign.yaml").read_text())
    names = [m["name"] for m in spec["metrics"]]
    assert names == [name for name in shown if name in names], "the spec lists metrics as PostHog shows them"
    diff = cloud.run("diff", "-f", str(exported))
    assert diff.returncode == 0, diff
