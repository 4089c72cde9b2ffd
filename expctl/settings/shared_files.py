"""Files people share (HTML reports, exported specs): where they go, what they are called,
who may read them, and one line when writing them fails.

* **Modes**: every file of a set gets the mode the user's umask gives new files, as
  any other program's would (a served folder must not answer 403 for some pages).
* **Names** come from PostHog's strings (flag keys, names), which this machine cannot
  trust: a name is a slug of letters, digits, ``-`` and ``_`` (at most 80 of them), so it
  can neither leave the folder (``../``, ``/abs``) nor hide (``.name``), and is checked to
  resolve inside it.
* **Failures** (permission, a file where a folder should be, a full disk) are one line
  and exit 11, naming the path.
"""

from __future__ import annotations

from pathlib import Path

from expctl.errors import LocalWriteError, UsageError
from expctl.settings.atomic import write_atomic

SLUG_LIMIT = 80


def slug(text: object, *, fallback: str = "unnamed") -> str:
    """``text`` as a file name part: letters, digits, ``-`` and ``_``, nothing else."""
    kept = "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "-" for c in str(text or ""))
    while "--" in kept:
        kept = kept.replace("--", "-")
    return kept.strip("-_")[:SLUG_LIMIT].strip("-_") or fallback


def folder(path: Path, *, option: str = "-f") -> Path:
    """A folder to write a set of files into, made if missing; a file there is refused."""
    if path.exists() and not path.is_dir():
        raise UsageError(
            f"{path} is a file; {option} names a folder here", hint=f"give a folder, e.g. {option} reports/"
        )
    if not path.exists() and path.suffix.lower() in (".html", ".htm", ".yaml", ".yml", ".json"):
        raise UsageError(
            f"{path} looks like a file name; {option} names a folder here",
            hint=f"give a folder, e.g. {option} reports/",
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LocalWriteError(f"could not make the folder {path}: {exc.strerror or exc}") from None
    return path


def inside(directory: Path, name: str) -> Path:
    """``directory / name``, refused unless it resolves inside ``directory``."""
    target = directory / name
    if target.resolve().parent != directory.resolve():
        raise LocalWriteError(f"refusing to write {name!r}: it is not a file inside {directory}")
    return target


def write_shared(path: Path, text: str) -> None:
    """Write a file to share, atomically, with the umask's mode. A path that is not a
    regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is written into, never
    replaced: an atomic rename over a device as root would remove the device."""
    import stat

    try:
        if path.exists() and not stat.S_ISREG(path.stat().st_mode) and not path.is_dir():
            with path.open("w", encoding="utf-8") as stream:
                stream.write(text)
            return
        write_atomic(path, text, mode=None)
    except OSError as exc:
        raise LocalWriteError(f"could not write {path}: {exc.strerror or exc}") from None
