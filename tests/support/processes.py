"""The installed expctl in a subprocess that the test watches as it runs: its output is read
line by line as it comes, so a test acts on what the program said, never after a sleep."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from tests.support.cli import EXPCTL, REPO

DEADLINE = 60.0  # only reached when the program does not say what the test waits for


class Watched:
    def __init__(
        self, args: list[str], env: dict[str, str], *, cwd: Path = REPO, changed: threading.Condition | None = None
    ) -> None:
        """``changed``: a condition shared with other watched processes (``wait_for_any``)."""
        self.process = subprocess.Popen(
            [str(EXPCTL), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
        )
        self.lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._changed = changed or threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(name, stream), daemon=True)
            for name, stream in (("stdout", self.process.stdout), ("stderr", self.process.stderr))
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._changed:
                self.lines[name].append(line)
                self._changed.notify_all()

    def wait_for(self, stream: str, said: Callable[[str], bool], timeout: float = DEADLINE) -> bool:
        """Block until a line of ``stream`` satisfies ``said`` (True), or ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: any(said(line) for line in self.lines[stream]), timeout)

    def finish(self, timeout: float = DEADLINE) -> tuple[int, str, str]:
        """Wait for the program to end: (exit code, stdout, stderr)."""
        code = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout)
        return code, "".join(self.lines["stdout"]), "".join(self.lines["stderr"])


def watched_together(count: int, args: list[str], env: dict[str, str]) -> list[Watched]:
    """``count`` runs of the same command started together, watched through one condition."""
    changed = threading.Condition()
    return [Watched(args, env, changed=changed) for _ in range(count)]


def wait_for_any(
    watched: list[Watched], stream: str, said: Callable[[str], bool], timeout: float = DEADLINE
) -> Watched | None:
    """The first of ``watched`` (started by ``watched_together``) whose ``stream`` has a line
    satisfying ``said``; None after ``timeout``."""
    changed = watched[0]._changed

    def found() -> Watched | None:
        return next((w for w in watched if any(said(line) for line in w.lines[stream])), None)

    with changed:
        changed.wait_for(lambda: found() is not None, timeout)
        return found()
