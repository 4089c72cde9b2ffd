"""A small local cache of flag key -> experiment id, refreshed by `expctl list`.

It feeds shell completion (which must never touch the network) and lets a flag key be
resolved in one round trip instead of a scan of the whole list (``flag_key_lookup``):
the read confirms the key, so a stale entry costs requests and is never trusted blindly.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from expctl.model.flagkeys import KeyHint, flag_id_of
from expctl.settings.atomic import read_json_object, write_atomic
from expctl.settings.paths import per_project

MAX_ENTRIES = 2000
COMPLETION_TTL_SECONDS = 24 * 3600
REWRITE_AFTER_SECONDS = 3600  # refresh an unchanged cache hourly, well inside its TTL


class FlagKeyCache:
    def __init__(self, path: Path | None, *, host: str = "", project: str = "") -> None:
        self.path = path
        self.identity = {"host": host, "project": project}

    @classmethod
    def for_target(cls, env: Mapping[str, str], host: str, project: str) -> FlagKeyCache:
        return cls(per_project(env, "keys", host, project), host=host, project=project)

    def load(self) -> dict[str, Any]:
        """The file's content when it is this host's and project's (it names them)."""
        data = read_json_object(self.path)
        return data if all(data.get(name) == value for name, value in self.identity.items()) else {}

    def lookup(self, key: str) -> KeyHint | None:
        """The experiment (and its flag, when a listing showed it) last seen with ``key``."""
        entry = self.load().get("entries", {}).get(key)
        if isinstance(entry, dict) and isinstance(entry.get("id"), int):
            flag_id = entry.get("flag_id")
            return KeyHint(int(entry["id"]), flag_id if isinstance(flag_id, int) else None)
        return None

    def entries(self, *, max_age: float | None = COMPLETION_TTL_SECONDS) -> dict[str, dict[str, Any]]:
        data = self.load()
        written = data.get("written")
        if max_age is not None and (not isinstance(written, (int, float)) or time.time() - written > max_age):
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def update(self, experiments: Iterable[Mapping[str, Any]], *, replace: bool = False) -> None:
        """Merge what a listing saw; failures to write are ignored (it is only a cache)."""
        if self.path is None:
            return
        stored = self.load()
        before = stored.get("entries") or {}
        current = {} if replace else dict(before)
        for exp in experiments:
            key = exp.get("feature_flag_key")
            if isinstance(key, str) and isinstance(exp.get("id"), int):
                current[key] = {"id": exp["id"], "name": str(exp.get("name") or "")}
                flag_id = flag_id_of(exp)
                if flag_id is not None:
                    current[key]["flag_id"] = flag_id
        if len(current) > MAX_ENTRIES:
            current = dict(list(current.items())[-MAX_ENTRIES:])
        written = stored.get("written")
        if current == before and isinstance(written, (int, float)) and time.time() - written < REWRITE_AFTER_SECONDS:
            return  # nothing new: a repeated `expctl list` in a script leaves the disk alone
        self._write(current, written=time.time())

    def forget(self, experiment_id: int | None, key: str | None) -> None:
        """Drop an experiment a command found gone (404, deleted), by id or flag key, so
        Tab stops offering it before the next `expctl list` refreshes the cache."""
        if self.path is None:
            return
        stored = self.load()
        entries = stored.get("entries")
        if not isinstance(entries, dict):
            return
        kept = {
            k: v
            for k, v in entries.items()
            if k != key and not (isinstance(v, dict) and experiment_id is not None and v.get("id") == experiment_id)
        }
        if kept != entries:
            self._write(kept, written=stored.get("written", time.time()))

    def _write(self, entries: dict[str, Any], *, written: Any) -> None:
        """Replace the file; failures are ignored (it is only a cache)."""
        if self.path is None:
            return
        with contextlib.suppress(OSError):
            payload = json.dumps({**self.identity, "written": written, "entries": entries})
            write_atomic(self.path, payload, mode=0o600, durable=False)
