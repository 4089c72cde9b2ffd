"""Prompts appear only on a terminal (a pseudo-terminal here) and are answered there."""

from __future__ import annotations

import os
import pty
import subprocess

from tests.conftest import Server
from tests.fakeposthog import FULL_KEY
from tests.support.cli import EXPCTL, REPO
from tests.support.terminal import read_terminal


def run_on_tty(server: Server, args: list[str], answer: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run with stdin and stderr on a pty; type ``answer`` once the prompt shows."""
    master, slave = pty.openpty()
    merged = dict(server.env)
    merged.update(env or {})
    process = subprocess.Popen(
        [str(EXPCTL), *args], stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=merged, cwd=REPO
    )
    os.close(slave)
    answered = False

    def answer_the_prompt(screen: str) -> bytes | None:
        nonlocal answered
        if not answered and ("[y/N]" in screen or "(phx_...):" in screen):
            answered = True
            return answer.encode() + b"\n"
        return None

    seen = read_terminal(master, process, answer_the_prompt)
    stdout = process.stdout.read().decode() if process.stdout else ""
    code = process.wait(timeout=120)
    os.close(master)
    return code, stdout, seen.decode(errors="replace")


def test_delete_asks_and_no_cancels(cloud: Server) -> None:
    code, _, terminal = run_on_tty(cloud, ["delete", "pricing-copy"], "n")
    assert "Delete 'Pricing page copy' (id" in terminal and "[y/N]" in terminal
    assert code == 3
    assert "cancelled; nothing was changed" in terminal
    assert cloud.fake.writes() == []


def test_delete_asks_and_yes_deletes(cloud: Server) -> None:
    code, _, terminal = run_on_tty(cloud, ["delete", "pricing-copy"], "y")
    assert code == 0, terminal
    assert cloud.fake.store.experiments[cloud.ids["pricing-copy"]]["deleted"] is True


def test_ci_environment_never_prompts_even_on_a_terminal(cloud: Server) -> None:
    code, _, terminal = run_on_tty(cloud, ["reset", "checkout-redesign"], "y", env={"CI": "true"})
    assert code == 2
    assert "[y/N]" not in terminal and "--yes" in terminal


def test_login_prompts_for_the_key_without_echo(cloud: Server) -> None:
    env = {
        "EXPCTL_API_KEY": "",
        "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring",
        "EXPCTL_TEST_KEYRING_FILE": str(cloud.home / "keyring.json"),
    }
    code, _, terminal = run_on_tty(cloud, ["auth", "login"], FULL_KEY, env=env)
    assert code == 0, terminal
    assert "Paste your personal API key" in terminal
    assert FULL_KEY not in terminal, "the key is not echoed"
    assert FULL_KEY in (cloud.home / "keyring.json").read_text()
