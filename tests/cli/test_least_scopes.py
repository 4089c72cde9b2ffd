"""Every command works with the least scopes docs/reference.md lists for it (the table in
``expctl/cli/framework/scopes.py``), run with a key that has exactly those, on current Cloud."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from expctl.cli.framework.scopes import SCOPES, Needs
from expctl.standin.state import ApiKey
from tests.cli.conftest import InProcess

LEAST_KEY = "phx_leastscopes00000000000000000000000000000000009"

# What a row needs done first (with a full key), and what its example reads.
SETUP: dict[str, list[list[str]]] = {
    "unarchive": [["archive", "onboarding-checklist"]],
    "resume": [["pause", "checkout-redesign"]],
    "validate": [["export", "pricing-copy", "-f", "specs"]],
    "render": [["export", "pricing-copy", "-f", "specs"]],
    "diff": [["export", "pricing-copy", "-f", "specs"]],
    "apply": [["export", "pricing-copy", "-f", "specs"]],
}


def _environment(project: InProcess, name: str, number: str, cwd: Path) -> None:
    for setting, value in (("host", "http://127.0.0.1:8000"), ("project", number)):
        assert _run(project, ["config", "set", setting, value, "--profile", name], cwd).returncode == 0
    login = ["auth", "login", "--profile", name, "--with-token", "--insecure-storage"]
    assert _run(project, login, cwd, key="", stdin=LEAST_KEY).returncode == 0


def _run(project: InProcess, args: list[str], cwd: Path, *, key: str | None = None, stdin: str | None = None) -> object:
    env = {"EXPCTL_API_KEY": key} if key else {}
    return project.run(*[a.replace("specs", str(cwd / "specs")) for a in args], env=env, stdin=stdin)


@pytest.mark.parametrize("needs", SCOPES, ids=lambda n: n.command)
def test_each_command_works_with_exactly_its_listed_scopes(needs: Needs, tmp_path: Path) -> None:
    project = InProcess("cloud")
    args = shlex.split(needs.command)
    if args[0] == "migrate":  # a legacy experiment to migrate: made in the store, as older releases left it
        from expctl.standin.demo import add_legacy_experiments

        add_legacy_experiments(project.fake)
    if args[0] == "decide":  # the demo's checkout is mixed; a policy on the metric it wins ships it
        (tmp_path / "specs").mkdir()
        (tmp_path / "specs" / "policy.yaml").write_text("decision:\n  primary: [Revenue per user]\n")
    for setup in SETUP.get(args[0], []):
        done = _run(project, setup, tmp_path)
        assert done.returncode == 0, done
    project.fake.store.keys[LEAST_KEY] = ApiKey(LEAST_KEY, 1, list(needs.scopes))
    if args[0] == "promote":  # two environments, each with the key under test
        for name, number in (("staging", "1"), ("prod", "2")):
            _environment(project, name, number, tmp_path)
    stdin = LEAST_KEY if "--with-token" in args else None
    if args[0] == "auth":
        outcome = _run(project, args, tmp_path, key="", stdin=stdin)
    else:
        outcome = _run(project, args, tmp_path, key=LEAST_KEY)
    assert outcome.returncode == 0, (needs, outcome)
    assert "error:" not in outcome.stderr  # type: ignore[attr-defined]


def test_the_table_is_tight_one_scope_less_is_refused() -> None:
    """For each row that needs scopes, dropping any one makes PostHog refuse (exit 4), so
    the table lists nothing a command does not need. Rows for read-only paths with notes
    about optional scopes are included: the note's scope is not in the tuple."""
    for needs in SCOPES:
        if not needs.scopes or needs.command.startswith("auth"):
            continue
        args = shlex.split(needs.command)
        if args[0] in SETUP or args[0] in ("copy", "promote"):
            continue
        for dropped in needs.scopes:
            project = InProcess("cloud")
            if args[0] == "migrate":
                from expctl.standin.demo import add_legacy_experiments

                add_legacy_experiments(project.fake)
            fewer = [s for s in needs.scopes if s != dropped]
            project.fake.store.keys[LEAST_KEY] = ApiKey(LEAST_KEY, 1, fewer)
            outcome = project.run(*args, env={"EXPCTL_API_KEY": LEAST_KEY})
            assert outcome.returncode == 4, (needs.command, dropped, outcome)


def test_specs_referring_by_id_diff_and_apply_with_the_quick_start_scopes(tmp_path: Path) -> None:
    """An experiment with a holdout and a shared metric, exported by a key without their
    scopes (so by id), diffs clean with the README's quick-start scopes: the ids are sent as
    they are, and a note says they were not checked."""
    project = InProcess("cloud")
    made = project.run(
        "create", "--name", "With both", "--flag-key", "with-both", "--holdout", "Global holdout",
        "--shared-metric", "Revenue per user",
    )  # fmt: skip
    assert made.returncode == 0, made
    project.fake.store.keys[LEAST_KEY] = ApiKey(LEAST_KEY, 1, ["experiment:read", "experiment:write", "query:read"])
    limited = {"EXPCTL_API_KEY": LEAST_KEY}
    exported = project.run("export", "with-both", "-f", str(tmp_path), env=limited)
    assert exported.returncode == 0 and "refer to them by id" in exported.stderr, exported
    spec = (tmp_path / "with-both.yaml").read_text()
    assert "holdout: 1" in spec and "{id: 1, type: primary}" in spec
    project.fake.clear_log()
    diff = project.run("diff", "-f", str(tmp_path / "with-both.yaml"), env=limited)
    assert diff.returncode == 0 and "1 unchanged" in diff.stdout, diff
    assert "Holdout ids in the specs not checked" in diff.stderr
    assert "SharedMetric ids in the specs not checked" in diff.stderr
    assert project.fake.writes() == []
