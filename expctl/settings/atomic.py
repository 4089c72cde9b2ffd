"""Write files so that a crash or Ctrl-C never leaves one half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, *, mode: int = 0o600, durable: bool = True) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over ``path``.

    The temporary file is created with ``mode`` from the start, so a secret is never
    readable by others, not even for a moment. ``durable=False`` skips the fsync, for
    caches that may be lost but must never be torn.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
