"""The hooks a job is given instead of a terminal: a progress bar to advance, and a way
to say a note or a warning. The command wires them to render.progress and Messages."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol


class Bar(Protocol):
    def advance(self, amount: int = 1) -> None: ...

    def describe(self, text: str) -> None: ...


Progress = Callable[..., AbstractContextManager[Any]]  # (description, total=None) -> a Bar
Say = Callable[[str], None]


class _NoBar:
    def advance(self, amount: int = 1) -> None:
        return None

    def describe(self, text: str) -> None:
        return None


def no_progress(description: str, total: int | None = None) -> AbstractContextManager[Any]:
    """For a job run without a person watching (tests, other jobs)."""
    return nullcontext(_NoBar())


def silent(text: str) -> None:
    return None
