"""Where expctl keeps its files, following the XDG base directory rules."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def config_dir(env: Mapping[str, str]) -> Path:
    """``EXPCTL_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/expctl``, else ``~/.config/expctl``."""
    if env.get("EXPCTL_CONFIG_DIR"):
        return Path(env["EXPCTL_CONFIG_DIR"]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or os.path.join(_home(env), ".config")
    return Path(base) / "expctl"


def cache_dir(env: Mapping[str, str]) -> Path:
    """``EXPCTL_CACHE_DIR``, else ``$XDG_CACHE_HOME/expctl``, else ``~/.cache/expctl``."""
    if env.get("EXPCTL_CACHE_DIR"):
        return Path(env["EXPCTL_CACHE_DIR"]).expanduser()
    base = env.get("XDG_CACHE_HOME") or os.path.join(_home(env), ".cache")
    return Path(base) / "expctl"


def caching_off(env: Mapping[str, str]) -> bool:
    """``EXPCTL_NO_CACHE`` set to anything (as ``NO_COLOR`` is read): nothing is kept between
    runs, for a CI job that must start from PostHog alone."""
    return bool(env.get("EXPCTL_NO_CACHE"))


def per_project(env: Mapping[str, str], name: str, host: str, project: str, suffix: str = ".json") -> Path | None:
    """``<cache>/<name>-<sha256 of host|project><suffix>``: one file per PostHog project
    (the file records the host and project too, and is read only when they match); None
    when the cache folder must not be used (``cache_dir_problem``)."""
    return state_file(env, f"{name}-{_digest(f'{host}|{project}')}{suffix}")


def state_file(env: Mapping[str, str], name: str) -> Path | None:
    """A file of the state kept between runs, or None when the cache folder is unsafe."""
    directory = cache_dir(env)
    return None if cache_dir_problem(directory) else directory / name


def cache_dir_problem(directory: Path) -> str | None:
    """Why a cache folder must not hold expctl's state, or None. A folder of another user,
    or one others may write in (a shared CI cache volume), could hold planted files: a
    cache that claims what PostHog has, or a symlink where the lock goes."""
    try:
        found = os.stat(directory)
    except FileNotFoundError:
        return None  # made owner-only on first use
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    import stat

    if not stat.S_ISDIR(found.st_mode):
        return "it is not a folder"
    if hasattr(os, "geteuid") and found.st_uid != os.geteuid():
        return "it belongs to another user"
    if found.st_mode & 0o022:
        return "others may write in it"
    return None


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:32]


def config_file(env: Mapping[str, str]) -> Path:
    return config_dir(env) / "config.yaml"


def _home(env: Mapping[str, str]) -> str:
    return env.get("HOME") or str(Path.home())
