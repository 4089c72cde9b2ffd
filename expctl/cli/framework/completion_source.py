"""Candidates for completing an EXPERIMENT argument, read from the local key cache only.

Completion runs on every Tab press: it must not touch the network, and it must not
import httpx. Host and project come from the environment or the config file, the same
way a command would resolve them.
"""

from __future__ import annotations

import os

from expctl.cli.state.flag_keys import FlagKeyCache


def cached_experiments(incomplete: str) -> list[tuple[str, str]]:
    env = dict(os.environ)
    try:
        from expctl.settings.config_file import ConfigFile
        from expctl.settings.paths import config_file
        from expctl.settings.resolve import resolve_settings

        settings = resolve_settings({}, env, ConfigFile.load(config_file(env)))
        host, project = settings.host, settings.project
    except Exception:
        return []
    entries = FlagKeyCache.for_target(env, host, project).entries()
    found: list[tuple[str, str]] = []
    for key, entry in sorted(entries.items()):
        name = str(entry.get("name", ""))
        if key.startswith(incomplete):
            found.append((key, name))
        elif str(entry.get("id", "")).startswith(incomplete) and incomplete:
            found.append((str(entry["id"]), f"{key}: {name}"))
    return found
