"""Everything that is not data goes here, to stderr: status lines, warnings, errors, debug.

Every line passes through redaction, so a key that reached a message by accident
(an exception text, a URL) is still never printed.
"""

from __future__ import annotations

import threading
from typing import TextIO

from expctl.render.safe import visible_block
from expctl.render.style import Styler


class Messages:
    def __init__(self, stream: TextIO, *, color: bool, debug: bool = False) -> None:
        self.stream = stream
        self.style = Styler(color)
        self.debug_enabled = debug
        self._secrets: set[str] = set()
        self._said: set[str] = set()  # what warn_once said already
        self._lock = threading.Lock()

    def add_secret(self, secret: str) -> None:
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[REDACTED]")
        return text

    def _emit(self, text: str) -> None:
        """One message line; every public method has made its text visible (server
        strings end up in messages: names, PostHog's error details) before styling it."""
        with self._lock:
            self.stream.write(self.redact(text) + "\n")
            self.stream.flush()

    def success(self, text: str) -> None:
        self._emit(f"{self.style('✓', 'green')} {visible_block(text)}")

    def info(self, text: str) -> None:
        self._emit(visible_block(text))

    def note(self, text: str) -> None:
        self._emit(self.style(visible_block(text), "dim"))

    def warn(self, text: str) -> None:
        self._emit(f"{self.style('warning:', 'yellow', 'bold')} {visible_block(text)}")

    def warn_once(self, topic: str, text: str) -> None:
        """A warning said at most once per run, however many places find its cause."""
        with self._lock:
            if topic in self._said:
                return
            self._said.add(topic)
        self.warn(text)

    def error(self, text: str, hint: str | None = None) -> None:
        line = f"{self.style('error:', 'red', 'bold')} {visible_block(text)}"
        hint = visible_block(hint) if hint else hint
        if hint:
            # PostHog's sentences end in a full stop; "is invalid.; check it" reads badly
            line = f"{line.rstrip().removesuffix('.')}; {hint}"
        self._emit(line)

    def debug(self, text: str) -> None:
        if self.debug_enabled:
            self._emit(self.style(text, "dim"))
