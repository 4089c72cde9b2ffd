"""A spinner or progress bar on stderr for work that takes more than a moment.

Only for a person watching: shown when stderr is a terminal, never under ``CI=true``
and never when the output is meant for a program (``-o json``/``jsonl``/``yaml``).
Disabled, it costs nothing (rich is not even imported).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO


class Progress:
    def __init__(
        self,
        enabled: bool,
        stream: TextIO,
        description: str,
        total: int | None = None,
        *,
        shares_screen: bool = False,
    ) -> None:
        """``shares_screen``: standard output is the same terminal, so a line written there
        while the bar is drawn must go above the bar, not onto its line."""
        self.enabled = enabled
        self.shares_screen = shares_screen
        self.stream = stream
        self.description = description
        self.total = total
        self._progress: Any = None
        self._task: Any = None
        self.wait_deadline = 0.0
        self.wait_reason = ""

    def __enter__(self) -> Progress:
        if not self.enabled:
            return self
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

        console = Console(file=self.stream, stderr=True)
        columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
        columns += [BarColumn(), MofNCompleteColumn()] if self.total else []
        columns += [TimeElapsedColumn(), _wait_column(self)]
        from rich.progress import Progress as RichProgress

        self._progress = RichProgress(*columns, console=console, transient=True)
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=self.total)
        return self

    def line(self, text: str, write: Callable[[str], None]) -> None:
        """A line of output while the bar is drawn: above the bar when both share the
        terminal (the bar then leaves nothing behind), else ``write`` (to stdout)."""
        if self._progress is not None and self.shares_screen:
            from rich.text import Text

            from expctl.render.safe import visible_but_colours

            self._progress.console.print(Text.from_ansi(visible_but_colours(text)), soft_wrap=True, highlight=False)
        else:
            write(text + "\n")

    def advance(self, amount: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, amount)

    def wait(self, seconds: float, reason: str) -> None:
        """Count a wait down on the line (rate limit, retry), until it is over."""
        deadline = time.monotonic() + seconds
        if deadline > self.wait_deadline:
            self.wait_deadline, self.wait_reason = deadline, reason

    def wait_text(self) -> str:
        left = self.wait_deadline - time.monotonic()
        return f"waiting {left:.0f} s: {self.wait_reason}" if left >= 0.5 else ""

    def describe(self, text: str) -> None:
        """Say on the line what is going on now (e.g. PostHog's recalculation counters)."""
        self.description = text
        if self._progress is not None:
            self._progress.update(self._task, description=text)

    def set(self, completed: int, total: int | None = None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=completed, total=total)

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _wait_column(progress: Progress) -> Any:
    """A column that shows the wait in progress, if any, refreshed with the line."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class WaitColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(progress.wait_text(), style="yellow")

    return WaitColumn()
