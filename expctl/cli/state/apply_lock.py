"""One apply at a time per PostHog project on this machine.

Two applies of the same specs started together both read PostHog before either writes,
so both would send every change (correct, as the second write repeats the first, but
twice the requests and a confusing second report). Like Terraform's state lock, an
apply holds an advisory lock from reading PostHog to its last write; a second apply of
the same host and project waits for it, then reads PostHog afresh and finds nothing
left to do. The lock is ``fcntl.flock`` on a file in the cache directory, so the
kernel releases it when a process dies (kill -9 included): there is no stale lock to
clear by hand. Applies on different machines are not serialised by this; they stay
correct as before (a create is reconciled, a repeated PATCH changes nothing).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

from expctl.errors import UnavailableError
from expctl.settings.paths import per_project

try:
    import fcntl
except ImportError:  # not POSIX: applies go ahead unserialised
    fcntl = None  # type: ignore[assignment]

WAIT_SECONDS = 15 * 60.0
_POLL_SECONDS = 0.2


def lock_path(env: Mapping[str, str], host: str, project: str) -> Path | None:
    """The lock of a host and project; None when the cache folder must not be used."""
    return per_project(env, "apply", host, project, ".lock")


@contextlib.contextmanager
def apply_lock(
    path: Path | None, *, target: str, say: Callable[[str], None], wait_seconds: float = WAIT_SECONDS
) -> Iterator[None]:
    """Hold the lock for the block; wait (saying so once) while another apply holds it.

    Where no lock can be taken (no ``fcntl``, an unwritable cache directory) the apply
    goes ahead unserialised, as on two machines.
    """
    if fcntl is None or path is None:
        yield
        return
    try:
        handle = _open_lock_file(path)
    except OSError as exc:
        say(f"not using the apply lock {path} ({exc.strerror or exc}): this apply is not serialised with others")
        yield
        return
    with handle:
        if not _try_lock(handle):
            say(f"waiting for another expctl apply to {target} to finish ({_holder(handle)})")
            deadline = time.monotonic() + wait_seconds
            while not _try_lock(handle):
                if time.monotonic() > deadline:
                    raise UnavailableError(
                        f"another expctl apply to {target} is still running after {wait_seconds:.0f} s "
                        f"({_holder(handle)})",
                        hint="let it finish, or stop it, then run this apply again",
                    )
                time.sleep(_POLL_SECONDS)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}\n")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _open_lock_file(path: Path) -> IO[str]:
    """The lock file, owner-only, never through a symlink (one planted where the lock goes
    would have its target truncated) and only a plain file of this user's."""
    import stat

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    found = os.fstat(fd)
    if not stat.S_ISREG(found.st_mode) or (hasattr(os, "geteuid") and found.st_uid != os.geteuid()):
        os.close(fd)
        raise OSError(f"{path} is not a lock file of this user's")
    return os.fdopen(fd, "r+", encoding="utf-8")


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle: IO[str]) -> str:
    with contextlib.suppress(OSError):
        handle.seek(0)
        text = handle.read().strip()
        if text:
            return text
    return "another process"
