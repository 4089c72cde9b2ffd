"""Run expctl as a user would: the installed entry point, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXPCTL = Path(sys.executable).with_name("expctl")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    args: list[str]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __repr__(self) -> str:
        return f"Result(rc={self.returncode}, args={self.args}, stdout={self.stdout!r}, stderr={self.stderr!r})"


# A run of the suite under Debian's faketime moves the clock of every process it starts:
# expctl must see the same day as the test server, so these pass through.
_CLOCK_VARIABLES = ("LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE", "FAKETIME_TIMESTAMP_FILE", "DONT_FAKE_MONOTONIC")


def moved_clock() -> dict[str, str]:
    """The variables through which faketime moves this run's clock, for a child process."""
    return {name: os.environ[name] for name in _CLOCK_VARIABLES if name in os.environ}


def base_env(home: Path) -> dict[str, str]:
    """A clean environment: nothing of the developer's leaks in, nothing points off loopback."""
    return moved_clock() | {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONPATH": str(REPO),
        "NO_COLOR": "1",
        "COLUMNS": "100",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "EXPCTL_RETRY_BACKOFF": "0.01",
    }


def run(
    args: list[str],
    env: dict[str, str],
    *,
    input: str | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
) -> Result:
    completed = subprocess.run(
        [str(EXPCTL), *args],
        check=False,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(cwd or REPO),
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr, list(args))
