"""Where expctl keeps its files, following the XDG base directory rules."""

from __future__ import annotations

import os
import zlib
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


def per_project(env: Mapping[str, str], name: str, host: str, project: str, suffix: str = ".json") -> Path:
    """``<cache>/<name>-<crc32 of host|project><suffix>``: one file per PostHog project."""
    return cache_dir(env) / f"{name}-{zlib.crc32(f'{host}|{project}'.encode()):08x}{suffix}"


def config_file(env: Mapping[str, str]) -> Path:
    return config_dir(env) / "config.yaml"


def _home(env: Mapping[str, str]) -> str:
    return env.get("HOME") or str(Path.home())
