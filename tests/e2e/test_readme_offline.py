"""The README's "Try it offline" section, run as a new user would: the stand-in started
with a Python that has no packages at all, then the commands of the second block."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.support.cli import EXPCTL, REPO, base_env

README = (REPO / "README.md").read_text()


def _blocks() -> list[str]:
    section = README.split("## Try it offline\n", 1)[1].split("\n## ", 1)[0]
    return [chunk.split("```", 1)[0] for chunk in section.split("```sh\n")[1:]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bare_python(directory: Path) -> None:
    """A ``python3`` with the standard library only (``-S``: no site-packages), as a fresh
    machine's system Python is before anything is installed into it."""
    wrapper = directory / "python3"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    wrapper.chmod(0o755)


def _user_env(home: Path, programs: Path) -> dict[str, str]:
    """A user's shell: no path into this checkout, ``programs`` first on the PATH."""
    env = base_env(home)
    env.pop("PYTHONPATH")
    env["PATH"] = f"{programs}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return env


def test_the_offline_section_works_as_written(tmp_path: Path, home: Path) -> None:
    server_block, client_block = _blocks()
    assert server_block.startswith("python3 -m tests.fakeposthog --port 8010")
    port = str(_free_port())  # the README's 8010, moved so a demo left running cannot clash
    bare = tmp_path / "bare"
    bare.mkdir()
    _bare_python(bare)
    server = subprocess.Popen(
        ["bash", "-c", server_block.replace("8010", port)],
        cwd=REPO,
        env=_user_env(home, bare),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert f"listening on http://127.0.0.1:{port}" in banner, (
            banner,
            server.stderr.read() if server.stderr else "",
        )
        client = subprocess.run(
            ["bash", "-euc", client_block.replace("8010", port)],
            cwd=home,
            env=_user_env(home, EXPCTL.parent),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=120)
    assert client.returncode == 0, client
    assert client.stderr == "", client.stderr
    assert "Checkout redesign" in client.stdout and "checkout-redesign" in client.stdout
    assert "\tprimary\t" in client.stdout  # the results of the last command, piped: tab-separated
