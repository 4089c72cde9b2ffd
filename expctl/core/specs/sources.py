"""Where spec documents come from: the files and directories given (and standard input),
then, for an environment, its overlays merged in (``core/specs/overlays.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from expctl.core.specs.overlays import apply_overlays, overlay_files
from expctl.core.specs.yaml_source import Document, Position, SpecFileError, collect_files, load_documents, read_text

Source = tuple[str, str | None, Path | None]  # what is shown, the text if already read, the file


class ReadFiles(Protocol):
    """Files already read, by name and text (``cli/state/spec_cache.py``): the reader's
    documents for the same text, so an unchanged file is not parsed again."""

    def get(self, display: str, text: str) -> list[Document] | None: ...

    def put(self, display: str, text: str, documents: list[Document]) -> None: ...


def read_documents(
    paths: Sequence[str],
    *,
    stdin_text: str | None = None,
    env: str | None = None,
    stdin_name: str = "<stdin>",
    cache: ReadFiles | None = None,
) -> tuple[list[Document], list[tuple[Position, str]], int]:
    """Every document, the problems met reading them, and how many files were read."""
    sources: list[Source] = [(stdin_name, stdin_text or "", None) for p in paths if p == "-"]
    sources.extend((str(path), None, path) for path in collect_files([p for p in paths if p != "-"]))
    documents, problems = _read(sources, cache)
    files = len(sources)
    if env is not None:
        overlay_sources: list[Source] = [(str(path), None, path) for path in overlay_files(paths, env)]
        overlays, more = _read(overlay_sources, cache)
        merged, wrong = apply_overlays(documents, overlays, env)
        documents, problems, files = merged, problems + more + wrong, files + len(overlay_sources)
    return documents, problems, files


def _read(sources: Sequence[Source], cache: ReadFiles | None) -> tuple[list[Document], list[tuple[Position, str]]]:
    documents: list[Document] = []
    problems: list[tuple[Position, str]] = []
    for display, text, path in sources:
        try:
            content = text if text is not None else read_text(path, display)  # type: ignore[arg-type]
            found = cache.get(display, content) if cache is not None else None
            if found is None:
                found = load_documents(content, display)
                if cache is not None:
                    cache.put(display, content, found)
        except SpecFileError as exc:
            problems.append((exc.position, exc.message))
            continue
        if not found:
            problems.append((Position(display, 1, 1), "no experiment specs in this file (empty?)"))
        documents.extend(found)
    return documents, problems
