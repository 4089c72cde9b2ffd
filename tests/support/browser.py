"""Headless Chromium (Debian's ``chromium``, installed by .ci/run), with networking off:
the report must render from the file alone."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Nothing resolves and every connection goes to a closed port: a page that tried to load
# anything would fail (and the report's Content-Security-Policy forbids it anyway).
OFFLINE = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)
BASE = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("EXPCTL_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is not installed, and .ci/run requires it")
        pytest.skip("chromium is not installed (.ci/run installs it)")
    return found


def render(page: Path, profile: Path) -> tuple[str, str]:
    """The DOM after loading ``page``, and what the browser said on stderr (its console)."""
    done = subprocess.run(
        [chromium(), *BASE, *OFFLINE, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=2000", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def screenshot(page: Path, picture: Path, width: int, height: int, profile: Path) -> None:
    done = subprocess.run(
        [chromium(), *BASE, *OFFLINE, f"--user-data-dir={profile}", "--hide-scrollbars",
         f"--window-size={width},{height}", f"--screenshot={picture}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and picture.exists(), done.stderr[-2000:]


def console_errors(stderr: str) -> list[str]:
    """The page's console errors and refused loads, from Chromium's log (not its own
    start-up chatter about D-Bus and GPU, which has nothing to do with the page)."""
    return [
        line
        for line in stderr.splitlines()
        if "CONSOLE" in line or "Content Security Policy" in line or "net::ERR" in line or "Uncaught" in line
    ]
