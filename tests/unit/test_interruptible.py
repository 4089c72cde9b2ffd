"""The commands the tests start can be interrupted, however the suite itself was started."""

from __future__ import annotations

import subprocess
import sys


def test_a_command_the_tests_start_can_be_interrupted() -> None:
    """Started by a shell without job control the suite inherits SIGINT ignored;
    tests/conftest.py gives the processes it starts the default back."""
    shown = subprocess.run(
        [sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "True"
