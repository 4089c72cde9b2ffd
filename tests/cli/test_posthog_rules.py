"""Requests PostHog refuses, refused first by expctl with a clear message and nothing
written (issue 23); the test server refuses them the way PostHog's source does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from expctl.standin.wire import FakeResponse
from tests.cli.conftest import InProcess, invoke_and_assert

TWICE = """\
name: Twice
feature_flag_key: twice
shared_metrics:
  - Revenue per user
  - {name: revenue PER user, type: secondary}
"""


def test_a_spec_listing_one_shared_metric_in_both_roles_is_invalid(project: InProcess, tmp_path: Path) -> None:
    spec = tmp_path / "twice.yaml"
    spec.write_text(TWICE)
    project.fake.clear_log()
    for command in ("validate", "diff", "apply"):
        shown = invoke_and_assert(project, [command, "-f", str(spec), "--yes"][: 3 if command != "apply" else 4], 2)
        assert shown.stdout == (
            f"{spec}:5:5: shared metric 'revenue PER user' is listed twice (as primary and secondary); PostHog "
            "links a shared metric to an experiment once, in one role\n"
        ), shown
    assert project.fake.requests() == []


def test_by_name_and_by_id_the_plan_finds_the_same_metric_twice(project: InProcess, tmp_path: Path) -> None:
    spec = tmp_path / "mixed.yaml"
    spec.write_text(
        "name: Mixed\nfeature_flag_key: mixed\nshared_metrics: [Revenue per user, {id: 1, type: secondary}]\n"
    )
    shown = invoke_and_assert(project, ["apply", "-f", str(spec), "--yes"], 6).stdout
    assert "✗ one shared metric is listed twice; PostHog links a shared metric to an experiment once" in shown
    assert project.fake.writes() == []


def test_create_refuses_one_shared_metric_in_both_roles(project: InProcess) -> None:
    project.fake.clear_log()
    refused = invoke_and_assert(
        project,
        ["create", "--name", "T", "--flag-key", "t", "--shared-metric", "Revenue per user",
         "--secondary-shared-metric", "1"],
        2,
    )  # fmt: skip
    assert refused.stderr == (
        "error: shared metric 'Revenue per user' is given twice; PostHog links a shared metric to an experiment "
        "once, in one role\n"
    )
    assert project.fake.writes() == []


@pytest.mark.parametrize("flavour", ["cloud", "legacy"])
def test_the_test_server_refuses_one_saved_metric_twice_as_posthog_does(flavour: str) -> None:
    project = InProcess(flavour)
    body = {
        "saved_metrics_ids": [{"id": 1, "metadata": {"type": "primary"}}, {"id": 1, "metadata": {"type": "secondary"}}]
    }
    refused = project.run("api", "PATCH", "experiments/1/", "--input", "-", stdin=json.dumps(body))
    assert refused.returncode == 6, refused
    expected = "Saved metric does not exist" + (" or does not belong to this project" if flavour == "cloud" else "")
    assert expected in refused.stderr


def test_a_holdout_update_sends_nothing_when_the_percentage_is_the_same(project: InProcess) -> None:
    project.fake.clear_log()
    same = invoke_and_assert(project, ["holdouts", "update", "Global holdout", "--percentage", "10"], 0)
    assert same.stderr.startswith("Nothing to do: holdout 'Global holdout' (id 1) already is so.")
    assert project.fake.writes() == []  # PostHog would have rewritten every linked flag
    invoke_and_assert(project, ["holdouts", "update", "Global holdout", "--percentage", "12"], 0)
    sent = [json.loads(e.body) for e in project.fake.writes()]
    assert sent == [{"filters": [{"properties": [], "rollout_percentage": 12}]}]


def test_an_approval_gate_on_a_holdout_is_said_in_one_line(project: InProcess) -> None:
    # ApprovalHandlingMixin's 409 (products/approvals/backend, read for issue 37): the
    # change request that awaits approval; exit 24, waiting, never "refused".
    gate = FakeResponse.json(
        409,
        {"code": "approval_required", "status": "approval_required", "detail": "This change requires approval.",
         "change_request_id": 7, "change_request": {"id": 7}, "required_approvers": 1},
    )  # fmt: skip
    for args in (["holdouts", "update", "Global holdout", "--percentage", "12"], ["holdouts", "delete", "1", "--yes"]):
        project.fake.script("PATCH" if args[1] == "update" else "DELETE", r"/experiment_holdouts/1/$", gate)
        waiting = invoke_and_assert(project, args, 24)
        lines = waiting.stderr.splitlines()
        assert lines[0].startswith("warning: the change waits for approval: PostHog opened change request 7"), lines
        assert len(lines) == 1 and "error" not in waiting.stderr, lines


def test_the_list_filters_posthog_has_agree_on_both_releases(any_project: InProcess) -> None:
    """``status=paused``, ``created_by_id`` and ``order`` go to current PostHog's list
    endpoint; the late-2024 release ignores them, and expctl filters and sorts itself."""
    project = any_project
    invoke_and_assert(project, ["pause", "checkout-redesign"], 0)
    paused = invoke_and_assert(project, ["list", "--status", "paused", "-o", "ids"], 0)
    assert paused.stdout == "1\n"
    running = invoke_and_assert(project, ["list", "--status", "running", "-o", "ids"], 0)
    assert "1\n" not in running.stdout
    mine = invoke_and_assert(project, ["list", "--created-by", "1", "-o", "ids"], 0).stdout.split()
    assert sorted(mine) == sorted(str(e["id"]) for e in project.fake.live_experiments() if not e.get("archived"))
    assert invoke_and_assert(project, ["list", "--created-by", "2", "-o", "ids"], 0).stdout == ""
    by_name = invoke_and_assert(project, ["list", "--order", "name", "-o", "plain", "--columns", "name"], 0)
    names = by_name.stdout.splitlines()
    assert names == sorted(names), names
    sent = [e.query for e in project.fake.requests("GET", "/experiments/") if "status" in e.query]
    if project.flavour == "cloud":
        assert sent and sent[0]["status"] == ["paused"]


def test_shared_metrics_list_by_event_on_both_releases(any_project: InProcess) -> None:
    project = any_project
    for name, metric in (("Signups", "mean: signup"), ("Purchases by action", "mean: {action: 1}")):
        invoke_and_assert(project, ["shared-metrics", "create", "--name", name, "--metric", metric], 0)
    listed = invoke_and_assert(project, ["shared-metrics", "list", "--event", "purchase", "-o", "plain"], 0)
    names = [line.split("\t")[1] for line in listed.stdout.splitlines()]
    # Revenue per user names purchase; the action's step is purchase (resolved by newest
    # PostHog; an older release ignores ?event=, and expctl keeps what uses an action).
    assert names == ["Purchases by action", "Revenue per user"], names
    sent = [e.query for e in project.fake.requests("GET", "/experiment_saved_metrics/")]
    assert {"event": ["purchase"]}.items() <= sent[-1].items()


# PostHog's own rules, refused before anything is sent (issue 32). Each is quoted where it
# is checked: ExperimentSerializer's name = CharField(max_length=400) (trims, refuses
# blank); the flag variants' rollout_percentage = IntegerField(min_value=0, max_value=100);
# ExperimentService's excluded_variants rules and its feature_flag_variants list check.
@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("name: '   '\nfeature_flag_key: k\n", "'name' must not be empty or blank"),
        (f"name: {'n' * 401}\nfeature_flag_key: k\n", "name is longer than PostHog's 400 characters"),
        (
            "name: n\nfeature_flag_key: k\nvariants: [{key: control, rollout_percentage: 33.3}, "
            "{key: a, rollout_percentage: 33.3}, {key: b, rollout_percentage: 33.4}]\n",
            "PostHog takes whole percentages, not 33.3",
        ),
        ("name: n\nfeature_flag_key: k\nexcluded_variants: [nope]\n", "unknown variants for this experiment: nope"),
        ("name: n\nfeature_flag_key: k\nexcluded_variants: [control]\n", "the baseline variant cannot be excluded"),
        (
            "name: n\nfeature_flag_key: k\nvariants: [{key: control, rollout_percentage: 50},"
            " {key: test, rollout_percentage: 50}]\nexcluded_variants: [test]\n",
            "at least one test variant must remain",
        ),
        ("name: n\nfeature_flag_key: k\nparameters: {feature_flag_variants: 5}\n", "must be a list"),
    ],
)
def test_what_posthog_refuses_is_refused_before_sending(
    project: InProcess, tmp_path: Path, spec: str, said: str
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(spec)
    for command in ("validate", "apply"):
        outcome = (
            project.run(command, "-f", str(path), "--yes")
            if command == "apply"
            else project.run(command, "-f", str(path))
        )
        assert outcome.returncode == 2, outcome
        assert said in outcome.stdout, outcome
    assert project.fake.writes() == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["create", "--name", "  ", "--flag-key", "k"], "--name must not be empty or blank"),
        (["create", "--name", "n" * 401, "--flag-key", "k"], "PostHog takes at most 400"),
        (["create", "--name", "n", "--flag-key", "k", "--variant", "control=50.5", "--variant", "test=49.5"],
         "PostHog takes whole percentages, not 50.5"),
        (["update", "checkout-redesign", "--name", " "], "--name must not be empty or blank"),
    ],
)  # fmt: skip
def test_commands_refuse_what_posthog_refuses(project: InProcess, args: list[str], said: str) -> None:
    outcome = project.run(*args)
    assert outcome.returncode == 2 and said in outcome.stderr, outcome
    assert project.fake.writes() == []
