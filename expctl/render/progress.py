"""A spinner or progress bar on stderr for work that takes more than a moment.

Only for a person watching: shown when stderr is a terminal, never under ``CI=true``
and never when the output is meant for a program (``-o json``/``jsonl``/``yaml``).
Disabled, it costs nothing (rich is not even imported).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, TextIO


class Progress:
    def __init__(self, enabled: bool, stream: TextIO, description: str, total: int | None = None) -> None:
        self.enabled = enabled
        self.stream = stream
        self.description = description
        self.total = total
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if not self.enabled:
            return self
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

        console = Console(file=self.stream, stderr=True)
        columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
        columns += [BarColumn(), MofNCompleteColumn()] if self.total else []
        columns.append(TimeElapsedColumn())
        from rich.progress import Progress as RichProgress

        self._progress = RichProgress(*columns, console=console, transient=True)
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=self.total)
        return self

    def advance(self, amount: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, amount)

    def set(self, completed: int, total: int | None = None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=completed, total=total)

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
