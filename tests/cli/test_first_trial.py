"""The smaller things a first trial ran into (issue 22.9): each one's fix, in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import InProcess, invoke_and_assert


def test_validate_lists_every_problem_of_one_metric(project: InProcess, tmp_path: Path) -> None:
    spec = tmp_path / "m.yaml"
    spec.write_text("name: X\nfeature_flag_key: x\nmetrics:\n  - mean: purchase\n    goal: up\n    window: 14\n")
    listed = invoke_and_assert(project, ["validate", "-f", str(spec)], 2).stdout.splitlines()
    assert listed == [
        f"{spec}:5:11: 'up' is not one of increase, decrease",
        f"{spec}:6:5: window 14 is not like 14d, 12h, 30min, 2w or 1mo",
    ]


@pytest.mark.parametrize(("typo", "suggestion"), [("colour", ""), ("descripton", " (did you mean 'description'?)")])
def test_suggestions_are_only_close_spellings(project: InProcess, tmp_path: Path, typo: str, suggestion: str) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(f"name: X\nfeature_flag_key: x\n{typo}: blue\n")
    shown = invoke_and_assert(project, ["validate", "-f", str(spec)], 2).stdout
    assert shown == f"{spec}:3:1: unknown key '{typo}'{suggestion}\n"


def test_numbers_json_cannot_carry_are_refused_before_sending(project: InProcess, tmp_path: Path) -> None:
    project.fake.clear_log()
    refused = invoke_and_assert(
        project, ["update", "pricing-copy", "--set", 'parameters={"minimum_detectable_effect": 1e400}'], 2
    )
    assert "--set parameters.minimum_detectable_effect: the number is out of JSON's range" in refused.stderr
    spec = tmp_path / "inf.yaml"
    spec.write_text("name: X\nfeature_flag_key: x\nparameters: {minimum_detectable_effect: .inf}\n")
    listed = invoke_and_assert(project, ["validate", "-f", str(spec)], 2).stdout
    assert "out of JSON's range" in listed
    assert project.fake.writes() == []


def test_a_method_posthog_refuses_exits_as_a_refused_request(project: InProcess) -> None:
    refused = invoke_and_assert(project, ["api", "DELETE", "experiments/2/"], 6)
    assert refused.stderr.startswith(
        "error: PostHog does not allow DELETE on /api/projects/1/experiments/2/ (HTTP 405)"
    )
    assert "`expctl delete`" in refused.stderr


def test_an_unknown_profile_is_named(project: InProcess, tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    for args, source in ((["--profile", "nope", "list"], "--profile"), (["list"], "EXPCTL_PROFILE")):
        outcome = project.run(*args, env={**env, "EXPCTL_PROFILE": "nope"} if source != "--profile" else env)
        assert outcome.returncode == 2, outcome
        assert outcome.stderr.startswith(f"error: no profile 'nope' ({source}) in "), outcome.stderr
        assert "`expctl auth login --profile nope` creates it" in outcome.stderr
    invoke_and_assert(project, ["--profile", "default", "list", "-o", "ids"], 0)


def test_watch_says_seconds_as_a_whole_number(project: InProcess) -> None:
    too_fast = invoke_and_assert(project, ["results", "checkout-redesign", "--watch", "2"], 2)
    assert too_fast.stderr.startswith("error: --watch 2: redraw every 5 seconds or more")


def test_a_new_legacy_secondary_metric_is_pointed_at_metrics_secondary(project: InProcess, tmp_path: Path) -> None:
    spec = tmp_path / "legacy.yaml"
    spec.write_text(
        "name: L\nfeature_flag_key: legacy-sec\nsecondary_metrics:\n  - name: Signups\n"
        "    filters: {events: [{id: signup, type: events, order: 0}], insight: TRENDS}\n"
    )
    noted = invoke_and_assert(project, ["validate", "-f", str(spec)], 0)
    assert f"{spec}:3:1: secondary_metrics is PostHog's legacy field" in noted.stderr
    planned = invoke_and_assert(project, ["diff", "-f", str(spec)], 8)
    assert "write new secondary metrics in metrics_secondary" in " ".join(planned.stdout.split())


def test_piped_results_never_break_a_line_of_text(project: InProcess) -> None:
    shown = project.run("results", "checkout-redesign", "-o", "table", env={"COLUMNS": "60"}).stdout
    steps = [line for line in shown.splitlines() if "Funnel steps" in line]
    assert steps == [
        "  Funnel steps (exposed, then each of 2 steps): control 1,992 → 799 → 266 · test 2,012 → 679 → 226"
    ]
