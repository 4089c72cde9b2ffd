"""Full experiments kept between runs, so a `diff` or `apply` that changes nothing reads
the list pages and no experiment one by one.

Newest Cloud's list rows leave out metrics and other fields a spec manages, so each such
spec used to cost a GET. An experiment's row carries ``updated_at``, which PostHog moves
on every write of the experiment: a cached full object whose ``updated_at`` equals the
row's is what a GET would answer, except for what lives elsewhere and is in the row too
(the linked flag, hence the variants), which the row's values replace. Anything else is
read again; an unreadable or foreign file is ignored. Nothing here is trusted blindly:
without a matching ``updated_at`` there is no hit.

One file per host and project under the cache directory (``$XDG_CACHE_HOME/expctl``,
owner-only), at most ``MAX_ENTRIES`` experiments (about 5 KB each); `rm -r
~/.cache/expctl` or ``EXPCTL_NO_CACHE=1`` does without it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from expctl.settings.atomic import read_json_object, write_atomic
from expctl.settings.paths import caching_off, per_project

MAX_ENTRIES = 5000
FORMAT = 1


class ExperimentCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, dict[str, Any]] | None = None
        self._changed = False
        self._lock = threading.Lock()

    @classmethod
    def for_target(cls, env: Mapping[str, str], host: str, project: str) -> ExperimentCache:
        return cls(None if caching_off(env) else per_project(env, "experiments", host, project))

    def full(self, row: Mapping[str, Any]) -> dict[str, Any] | None:
        """The full experiment for a list row, when the cache holds the same version."""
        stamp = row.get("updated_at")
        if not stamp or row.get("id") is None:
            return None
        with self._lock:
            entry = self._load().get(str(row["id"]))
        if entry is None or entry.get("updated_at") != stamp:
            return None
        return {**entry, **row}

    def remember(self, experiment: Mapping[str, Any]) -> None:
        """Keep a full experiment as PostHog answered it (a GET, or a write's answer)."""
        if self.path is None or experiment.get("id") is None or not experiment.get("updated_at"):
            return
        with self._lock:
            entries = self._load()
            key = str(experiment["id"])
            if entries.get(key) != experiment:
                entries.pop(key, None)
                entries[key] = dict(experiment)
                self._changed = True

    def save(self) -> None:
        """Write the file if anything changed; failures are ignored (it is only a cache)."""
        with self._lock:
            if self.path is None or not self._changed or self._entries is None:
                return
            entries = self._entries
            if len(entries) > MAX_ENTRIES:
                entries = dict(list(entries.items())[-MAX_ENTRIES:])
            with contextlib.suppress(OSError, TypeError, ValueError):
                payload = json.dumps({"format": FORMAT, "experiments": entries}, separators=(",", ":"))
                write_atomic(self.path, payload, mode=0o600, durable=False)
            self._changed = False

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = _read(self.path)
        return self._entries


def _read(path: Path | None) -> dict[str, dict[str, Any]]:
    """The cached experiments; nothing when the file is missing, torn or not ours."""
    data = read_json_object(path)
    if data.get("format") != FORMAT or not isinstance(data.get("experiments"), dict):
        return {}
    return {str(k): v for k, v in data["experiments"].items() if isinstance(v, dict) and v.get("id") is not None}
