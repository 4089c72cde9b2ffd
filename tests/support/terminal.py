"""Run expctl with stdout on a pseudo-terminal of a chosen size, as a person's terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from typing import Any

from tests.support.cli import EXPCTL, REPO


def run_on_terminal(
    env: dict[str, str],
    args: list[str],
    *,
    columns: int = 80,
    interrupt_when: Callable[[str], bool] | None = None,
    timeout: float = 120,
    stderr_too: bool = False,
) -> tuple[int, str, str]:
    """(exit code, what the terminal showed, stderr). With ``interrupt_when``, send
    SIGINT (Ctrl-C) once the screen so far satisfies it. ``stderr_too``: stderr goes to
    the terminal as well, as in a person's shell (progress bars show; stderr is "")."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    merged = dict(env)
    merged.pop("COLUMNS", None)
    process = subprocess.Popen(
        [str(EXPCTL), *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave if stderr_too else subprocess.PIPE,
        env=merged,
        cwd=REPO,
    )
    os.close(slave)
    interrupted = False

    def watch(screen: str) -> bytes | None:
        nonlocal interrupted
        if interrupt_when and not interrupted and interrupt_when(screen):
            process.send_signal(signal.SIGINT)
            interrupted = True
        return None

    seen = read_terminal(master, process, watch, timeout)
    code = process.wait(timeout=timeout)
    os.close(master)
    stderr = process.stderr.read().decode() if process.stderr else ""
    return code, seen.decode(errors="replace").replace("\r\n", "\n"), stderr


def read_terminal(
    master: int, process: subprocess.Popen[Any], react: Callable[[str], bytes | None], timeout: float = 120
) -> bytes:
    """Everything the program shows on the pty ``master`` until it closes it or exits
    (killed after ``timeout``). ``react`` sees the screen so far after each chunk and
    may return bytes to type at the terminal."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            typed = react(seen.decode(errors="replace"))
            if typed:
                os.write(master, typed)
        elif process.poll() is not None:
            break
    else:
        process.kill()
    return seen


def final_screen(shown: str, columns: int = 80, lines: int = 50) -> list[str]:
    """What a person sees once the program is done: ``shown`` played on a terminal
    emulator (pyte), so cursor moves and erased lines count as a terminal counts them."""
    import pyte

    screen = pyte.Screen(columns, lines)
    stream = pyte.Stream(screen)
    stream.feed(shown.replace("\n", "\r\n"))
    return [line.rstrip() for line in screen.display if line.strip()]
