"""Spec files already read, kept between runs by their content, so a re-apply of
thousands of unchanged specs does not parse and convert every YAML file again (that was
two thirds of a warm no-change apply's CPU at 2,000 specs).

The cache can only ever save CPU, never change what is applied:

* An entry is found by the SHA-256 of the file's name and its whole text: a file whose
  text changed by one byte is read from scratch; nothing else (a date, a size) is trusted.
* Only what the reader made is kept (each document's values and positions), never a
  check's verdict: every spec is checked again on every run.
* The file is sealed with an HMAC keyed by the API key (as the experiment cache is), so
  an edited or planted file (a shared CI cache volume) is not believed and costs a parse;
  it records its format and expctl's version, and either changing discards it.
* It is opened only as this user's plain file, never through a symlink, in a cache folder
  nobody else may write (``settings.paths.cache_dir_problem``); ``EXPCTL_NO_CACHE=1`` does
  without it, and only commands that talk to PostHog use it (`validate` reads afresh).

It holds the files of the last run (those read, or found here) and nothing older.
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

from expctl import __version__
from expctl.cli.state.sealed_file import read_sealed, write_sealed
from expctl.core.specs.yaml_source import Document
from expctl.settings.paths import caching_off, state_file

# 3: a header line, then the body as it is sealed; each entry a document's values and,
# apart, the JSON text of its positions, parsed only when a position is asked for.
FORMAT = 3
IDENTITY = {"format": FORMAT, "version": __version__}


def seal_key(api_key: str) -> bytes:
    return hmac.new(api_key.encode(), b"expctl spec cache 1", hashlib.sha256).digest()


class SpecCache:
    def __init__(self, path: Path | None, seal: bytes) -> None:
        self.path = path if seal else None
        self._seal = seal
        self._stored: dict[str, list[Any]] | None = None
        self._used: dict[str, list[Any]] = {}
        self._changed = False
        self._lock = threading.Lock()

    @classmethod
    def for_env(cls, env: Mapping[str, str], api_key: str) -> SpecCache:
        path = None if caching_off(env) else state_file(env, "specs.json")
        return cls(path, seal_key(api_key))

    def get(self, display: str, text: str) -> list[Document] | None:
        """The documents read from this very text before: each entry is kept as its own
        JSON text and parsed afresh here, so nothing done to a document later can reach
        what is saved for the next run."""
        if self.path is None:
            return None
        key = _key(display, text)
        with self._lock:
            entry = self._load().get(key)
            if entry is None:
                return None
            self._used[key] = entry
        try:
            values, marks = entry
            return [
                Document.from_marks(display, index, value, where)
                for (index, value), where in zip(json.loads(values), marks, strict=True)
            ]
        except (ValueError, TypeError):
            return None

    def put(self, display: str, text: str, documents: list[Document]) -> None:
        if self.path is None:
            return
        # The positions are most of an entry: kept as a text of their own per document, a
        # run that reports no problem never parses them.
        values = [[doc.index, doc.value] for doc in documents]
        marks = [json.dumps([[*path, p.line, p.column] for path, p in doc.positions.items()]) for doc in documents]
        with contextlib.suppress(TypeError, ValueError):
            entry = [json.dumps(values, separators=(",", ":")), marks]
            with self._lock:
                self._used[_key(display, text)] = entry
                self._changed = True

    def save(self) -> None:
        """Keep this run's files (and only those); failures are ignored: it is only a cache."""
        with self._lock:
            stale = self._stored is not None and set(self._stored) != set(self._used)
            if self.path is None or not (self._changed or stale):
                return
            with contextlib.suppress(OSError, TypeError, ValueError):
                body = json.dumps(self._used, separators=(",", ":"))
                write_sealed(self.path, IDENTITY, body, self._seal)
            self._changed = False

    def _load(self) -> dict[str, list[Any]]:
        if self._stored is None:
            self._stored = self._read()
        return self._stored

    def _read(self) -> dict[str, list[Any]]:
        """The entries, when the header line's format, version and seal hold for the body
        that follows it; nothing otherwise (a file of an older format, edited or planted)."""
        stored = read_sealed(self.path, IDENTITY, self._seal)
        if stored is None:
            return {}
        return {k: v for k, v in stored.items() if _is_entry(v)}


def _is_entry(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], list)
        and all(isinstance(m, str) for m in value[1])
    )


def _key(display: str, text: str) -> str:
    return hashlib.sha256(f"{display}\0{text}".encode()).hexdigest()
