"""Said once per run: the cache folder cannot be trusted with expctl's state, so this run
keeps none (no experiment cache, carried budget or apply lock: only more requests, never
another outcome). See ``settings.paths.cache_dir_problem`` for what makes a folder unsafe."""

from __future__ import annotations

from collections.abc import Mapping

from expctl.cli.framework.messages import Messages
from expctl.settings.paths import cache_dir, cache_dir_problem, caching_off


def warn_once_about(env: Mapping[str, str], messages: Messages) -> None:
    directory = cache_dir(env)
    problem = None if caching_off(env) else cache_dir_problem(directory)
    if problem:
        messages.warn_once(
            "unsafe cache folder",
            f"not keeping anything in {directory}: {problem}, so its files could be planted "
            f"(make it yours and owner-only: chmod 700 {directory}; or set EXPCTL_CACHE_DIR)",
        )
