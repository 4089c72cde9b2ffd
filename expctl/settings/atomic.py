"""Write files so that a crash or Ctrl-C never leaves one half-written."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, *, mode: int = 0o600, durable: bool = True) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over ``path``.

    The temporary file is created with ``mode`` from the start, so a secret is never
    readable by others, not even for a moment. ``durable=False`` skips the fsync, for
    caches that may be lost but must never be torn.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # Not tempfile.mkstemp: importing tempfile (and random, hashlib) costs start-up time
    # on every `expctl list`, which refreshes the completion cache. O_EXCL gives the same
    # guarantee: the name is ours alone and the file is never wider than ``mode``.
    tmp_name = str(path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
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
