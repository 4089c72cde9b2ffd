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


def config_file(env: Mapping[str, str]) -> Path:
    return config_dir(env) / "config.yaml"


def _home(env: Mapping[str, str]) -> str:
    return env.get("HOME") or str(Path.home())
