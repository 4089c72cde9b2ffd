"""Full experiments kept between runs, so a `diff` or `apply` that changes nothing reads
the list pages and no experiment one by one.

Newest Cloud's list rows leave out metrics and other fields a spec manages, so each such
spec used to cost a GET. An experiment's row carries ``updated_at``, which PostHog moves
on every write of the experiment: a cached full object whose ``updated_at`` equals the
row's is what a GET would answer, except for what lives elsewhere and is in the row too
(the linked flag, hence the variants), which the row's values replace.

The cache can only ever cost a request, never change an outcome:

* Deleting a holdout or deleting or renaming a shared metric changes an experiment
  without moving its ``updated_at``: the row's ``holdout`` replaces the cached one, and an
  experiment linking shared metrics is read again (its links' names may have moved).
* Only a full object (a GET or a write's answer: it has ``filters`` and
  ``saved_metrics``, which list rows lack) is kept; a list row never is.
* The file names its host and project (and is named by a long hash of them): another
  project's file, or one of another format, is not read.
* Every entry is sealed with an HMAC keyed by the API key that read it, so an entry
  edited or planted by anyone who does not hold the key (a shared CI cache volume) is
  not believed, and costs a GET; whoever holds the key could change PostHog directly.
* The file is opened only as this user's plain file, never through a symlink, in a cache
  folder nobody else may write (``settings.paths.cache_dir_problem``).

One file per host and project under the cache directory (``$XDG_CACHE_HOME/expctl``,
owner-only), at most ``MAX_ENTRIES`` experiments (about 2-5 KB each) and no more than a state
file may hold (``settings.atomic.MAX_STATE_BYTES``; the oldest go first); `rm -r
~/.cache/expctl` or ``EXPCTL_NO_CACHE=1`` does without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from expctl.cli.state.sealed_file import read_sealed, write_sealed
from expctl.settings.atomic import MAX_STATE_BYTES
from expctl.settings.paths import caching_off, per_project

MAX_ENTRIES = 20_000  # a project of 10,000 experiments re-applies from the cache (5,000 cost a GET each)
FORMAT = 4  # 4: a header line (identity and the seal), then the experiments as sealed
# What a full experiment has and a list row lacks, on every PostHog release expctl serves.
FULL_OBJECT_FIELDS = ("filters", "saved_metrics")


def is_full(experiment: Mapping[str, Any]) -> bool:
    """A full experiment (GET or write answer), not a list row."""
    return all(name in experiment for name in FULL_OBJECT_FIELDS)


def seal_key(api_key: str) -> bytes:
    """The key entries are sealed with: derived from the API key, never the key itself."""
    return hmac.new(api_key.encode(), b"expctl experiment cache 2", hashlib.sha256).digest()


class ExperimentCache:
    def __init__(self, path: Path | None, *, host: str = "", project: str = "", seal: bytes = b"") -> None:
        self.path = path if seal else None  # nothing to seal with: no cache
        self.identity = {"format": FORMAT, "host": host, "project": project}
        self._seal = seal
        self._entries: dict[str, dict[str, Any]] | None = None
        self._changed = False
        self._lock = threading.Lock()

    @classmethod
    def for_target(cls, env: Mapping[str, str], host: str, project: str, *, seal: bytes) -> ExperimentCache:
        path = None if caching_off(env) else per_project(env, "experiments", host, project)
        return cls(path, host=host, project=project, seal=seal)

    def full(self, row: Mapping[str, Any]) -> dict[str, Any] | None:
        """The full experiment for a list row, when the cache holds the same version."""
        stamp = row.get("updated_at")
        if not stamp or row.get("id") is None:
            return None
        with self._lock:
            entry = self._load().get(str(row["id"]))
        if entry is None or entry.get("updated_at") != stamp:
            return None
        if entry.get("saved_metrics"):
            # Deleting or renaming a shared metric changes its experiments without moving
            # their updated_at: a cached link could name a shared metric that is gone.
            return None
        merged = {**entry, **row}
        if "holdout" in row:  # a deleted holdout leaves updated_at alone too: the row says
            holdout = row.get("holdout")
            merged["holdout_id"] = holdout.get("id") if isinstance(holdout, Mapping) else None
        return merged

    def remember(self, experiment: Mapping[str, Any]) -> None:
        """Keep a full experiment as PostHog answered it (a GET, or a write's answer)."""
        if self.path is None or experiment.get("id") is None or not experiment.get("updated_at"):
            return
        if not is_full(experiment):
            return  # a list row (the winner of a create race, say) is not what a GET answers
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
                body = json.dumps(entries, separators=(",", ":"))
                while len(body) > MAX_STATE_BYTES - 4096 and entries:  # a file too big is never read
                    entries = dict(list(entries.items())[len(entries) // 10 + 1 :])
                    body = json.dumps(entries, separators=(",", ":"))
                write_sealed(self.path, self.identity, body, self._seal)
            self._changed = False

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[str, dict[str, Any]]:
        """The cached experiments, when the header line names this format, host and project
        and its seal holds for the body; nothing when the file is missing, torn, edited,
        planted, or another's."""
        stored = read_sealed(self.path, self.identity, self._seal)
        if stored is None:
            return {}
        return {
            str(key): experiment
            for key, experiment in stored.items()
            if isinstance(experiment, dict) and str(experiment.get("id")) == str(key) and is_full(experiment)
        }
