"""The installed entry point answers list, get and results without importing typer."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from tests.support.cli import REPO


def _imported(done: subprocess.CompletedProcess[str]) -> set[str]:
    return {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")}


def _run_timed(server: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "expctl", *args],
        env=server.env,
        capture_output=True,
        text=True,
        cwd=str(REPO),
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_the_installed_entry_point_answers_list_get_and_results_without_typer(server: Any) -> None:
    """The point of the quick path: for these three, typer (and rich) is never imported; help
    still comes from typer. (-X importtime also lists the imports that failed: httpx tries
    click for its own command line, which is why click is not checked.)"""
    key = next(iter(server.ids))
    for args in (["list", "-o", "json"], ["get", key, "-o", "json"], ["results", key, "-o", "json"]):
        done = _run_timed(server, *args)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        imported = _imported(done)
        assert "expctl.cli.quick.entry" in imported, args
        assert not {name for name in imported if name.split(".")[0] in ("typer", "rich")}, args
        # No proxy applies: requests go out over http.client, and httpx's own transport
        # (httpcore, h11, anyio: ~30 ms) is never loaded (api/direct_transport.py).
        assert not {name for name in imported if name.split(".")[0] in ("httpcore", "h11", "anyio")}, args
    help_run = _run_timed(server, "list", "--help")
    assert help_run.returncode == 0 and "Usage:" in help_run.stdout
    assert "typer" in _imported(help_run)
