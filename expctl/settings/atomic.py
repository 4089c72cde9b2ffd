"""Write files so that a crash or Ctrl-C never leaves one half-written, and read back the
JSON ones (caches) without trusting them."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def write_atomic(path: Path, data: str | bytes, *, mode: int | None = 0o600, durable: bool = True) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over ``path``.

    The temporary file is created with ``mode`` from the start, so a secret is never
    readable by others, not even for a moment; ``mode=None`` is the mode the user's umask
    gives any new file (files to share: reports, exported specs). ``durable=False`` skips
    the fsync, for caches that may be lost but must never be torn.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None:
        mode = 0o666 & ~_umask()
    # Not tempfile.mkstemp: importing tempfile (and random, hashlib) costs start-up time
    # on every `expctl list`, which refreshes the completion cache. O_EXCL gives the same
    # guarantee: the name is ours alone and the file is never wider than ``mode``. The
    # name keeps only the start of the final one, so a long name still fits in 255 bytes.
    tmp_name = str(path.parent / f".{path.name[:64]}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _umask() -> int:
    """The process's umask (read by setting it and setting it back: POSIX offers no getter)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


MAX_STATE_BYTES = 64 * 1024 * 1024


def read_json_object(path: Path | None) -> dict[str, Any]:
    """A JSON object from ``path``; empty when there is no path, no file, or the file is
    torn, not an object, or not one :func:`read_own_file` would read."""
    raw = read_own_file(path)
    if raw is None:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def read_own_file(path: Path | None) -> bytes | None:
    """A state file's bytes; None when there is no path or no file, or the file is too big,
    not a plain file of this user's, or reached through a symlink (a cache must never be
    trusted further than that)."""
    if path is None:
        return None
    try:
        # O_NONBLOCK: a FIFO planted at the path opens at once (and is then refused as not a
        # plain file) instead of waiting forever for a writer; a plain file reads as ever.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        import stat

        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_STATE_BYTES:
            return None
        if hasattr(os, "geteuid") and found.st_uid != os.geteuid():
            return None
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            return handle.read()
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
