"""Docs that must not go stale: the README's command reference, completions, the changelog."""

from __future__ import annotations

from pathlib import Path

import pytest

from expctl.cli.commands.completion import SHELLS, script
from expctl.cli.framework.reference import BEGIN, END, render
from expctl.cli.framework.registry import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
REFERENCE = (ROOT / "docs" / "reference.md").read_text()
COMPLETION_FILES = {"bash": "expctl.bash", "zsh": "_expctl", "fish": "expctl.fish", "powershell": "expctl.ps1"}


def test_command_reference_is_current() -> None:
    current = REFERENCE[REFERENCE.index(BEGIN) : REFERENCE.index(END) + len(END) + 1]
    assert current == render(), "run: python -m expctl.cli.framework.reference docs/reference.md"


@pytest.mark.parametrize("name", [entry.name for entry in COMMANDS])
def test_every_command_is_in_the_reference_and_the_readme(name: str) -> None:
    assert f"#### `expctl {name}`" in REFERENCE
    assert f"`expctl {name}" in README.split("## Command reference")[0], f"{name} missing from the Commands table"


def test_readme_stays_a_guide_a_newcomer_reads_in_ten_minutes() -> None:
    assert len(README.splitlines()) <= 700
    install = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    first_command = next(line for line in install.splitlines() if line.startswith(("pip", "pipx", "python")))
    assert not first_command.startswith("pip install"), "Debian/Ubuntu's system pip refuses that"
    # pipx is not on a fresh Debian; the standard library's venv is.
    assert first_command.startswith("python3 -m venv "), first_command
    assert first_command.endswith("/bin/expctl demo"), "the first command shows the main job, with no account"
    assert "docs/reference.md" in README


@pytest.mark.parametrize("shell", SHELLS)
def test_committed_completion_scripts_match_the_app(shell: str) -> None:
    committed = (ROOT / "completions" / COMPLETION_FILES[shell]).read_text()
    assert committed == script(shell), (
        f"regenerate completions/{COMPLETION_FILES[shell]} with `expctl completion {shell}`"
    )


def test_changelog_is_kept() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text


def test_ci_waits_for_the_package_lock_instead_of_failing() -> None:
    """A machine's own apt (unattended upgrades at boot) must not fail CI: every apt-get
    in .ci/run waits for dpkg's lock."""
    ci = (ROOT / ".ci" / "run").read_text()
    calls = [line for line in ci.splitlines() if "apt-get " in line and not line.lstrip().startswith("#")]
    assert calls, "the system tools are installed with apt-get"
    assert all('"${apt_wait[@]}"' in line for line in calls), calls
    assert "apt_wait=(-o DPkg::Lock::Timeout=" in ci


def test_the_retries_the_readme_promises_are_the_clients() -> None:
    from expctl.api.client import ClientConfig
    from expctl.api.retry import CONNECT_ATTEMPTS

    retries = README.split("* **Retries.**", 1)[1].split("\n* ", 1)[0]
    flat = " ".join(retries.split())
    assert f"default {ClientConfig._field_defaults['retries']} retries" in flat
    assert f"a refused connection, which rarely heals in seconds, is tried {CONNECT_ATTEMPTS} times in all" in flat
