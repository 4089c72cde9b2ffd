"""The README's "Try it offline" section, run as a new user would: `expctl demo --serve`
in one shell, the commands of the second block in another; and the repository's
`python3 -m tests.fakeposthog`, which needs a Python with nothing installed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
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


def _user_env(home: Path, programs: Path) -> dict[str, str]:
    """A user's shell: no path into this checkout, ``programs`` first on the PATH."""
    env = base_env(home)
    env.pop("PYTHONPATH")
    env["PATH"] = f"{programs}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return env


def test_the_offline_section_works_as_written(home: Path) -> None:
    server_block, client_block = _blocks()
    assert server_block.startswith("expctl demo --serve --port 8010 > demo.env")
    port = str(_free_port())  # the README's 8010, moved so a demo left running cannot clash
    env = _user_env(home, EXPCTL.parent)
    server = subprocess.Popen(
        ["bash", "-c", f"exec {server_block.replace('8010', port).split('#')[0]}"],
        cwd=home,
        env=env,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    written = home / "demo.env"
    try:
        deadline = time.monotonic() + 120  # waits for the file, not for a time: a slow start is fine
        while time.monotonic() < deadline and server.poll() is None:
            if written.exists() and written.read_text().count("\n") == 3:
                break
            time.sleep(0.05)
        assert written.read_text().splitlines() == [
            f"EXPCTL_HOST=http://127.0.0.1:{port}",
            "EXPCTL_PROJECT=1",
            "EXPCTL_API_KEY=phx_fakefullaccesskey0000000000000000000000000001",
        ]
        client = subprocess.run(
            ["bash", "-euc", client_block],
            cwd=home,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C ends it normally
        _, said = server.communicate(timeout=120)
    assert client.returncode == 0, client
    assert client.stderr == "", client.stderr
    assert "Checkout redesign" in client.stdout and "checkout-redesign" in client.stdout
    assert "\tprimary\t" in client.stdout  # the results of the last command, piped: tab-separated
    assert server.returncode == 0, said
    assert "Stopped the stand-in." in said and "Traceback" not in said


def test_expctl_demo_shows_the_main_job_without_an_account(home: Path) -> None:
    env = _user_env(home, EXPCTL.parent)
    done = subprocess.run(
        [str(EXPCTL), "demo"], cwd=home, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done
    assert "$ expctl list" in done.stderr and "$ expctl results checkout-redesign" in done.stderr
    assert "Checkout redesign" in done.stdout and "\tprimary\t" in done.stdout
    assert not (home / ".cache" / "expctl").exists() and not (home / ".config" / "expctl").exists(), (
        "a demo leaves the user's cache and config alone"
    )


def test_a_busy_demo_port_is_one_line_and_exit_2(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(EXPCTL), "demo", "--serve", "--port", str(port)],
            env=_user_env(home, EXPCTL.parent),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: Address already in use")
    assert done.stderr.count("\n") == 1


def test_the_repositorys_stand_in_needs_only_the_standard_library(tmp_path: Path, home: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    wrapper = bare / "python3"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')  # -S: no site-packages
    wrapper.chmod(0o755)
    server = subprocess.Popen(
        ["python3", "-m", "tests.fakeposthog", "--port", "0"],
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
        assert "listening on http://127.0.0.1:" in banner, server.stderr.read() if server.stderr else ""
    finally:
        server.terminate()
        server.wait(timeout=120)
