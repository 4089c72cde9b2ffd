"""Colour decisions and a tiny ANSI styler for messages (no rich import on the hot path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def color_enabled(env: Mapping[str, str], isatty: bool) -> bool:
    """NO_COLOR wins, then FORCE_COLOR / CLICOLOR_FORCE, then: colour only on a terminal."""
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR") or env.get("CLICOLOR_FORCE", "0") not in ("", "0"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return isatty


class Styler:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles if s in _CODES)
        return f"\033[{codes}m{text}\033[0m" if codes else text


STATUS_STYLES = {
    "draft": ("dim",),
    "running": ("green",),
    "paused": ("yellow",),
    "exposure_frozen": ("cyan",),
    "stopped": ("blue",),
    "archived": ("magenta",),
}


def capture_console(buffer: IO[str], width: int, color: bool) -> Any:
    """A rich Console that draws into ``buffer`` at exactly ``width``, coloured or not:
    the tables and charts compute their layout, rich only draws it."""
    from rich.console import Console

    return Console(
        file=buffer,
        width=width,
        no_color=not color,
        force_terminal=color,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
