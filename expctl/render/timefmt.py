"""Times as people read them (relative, local to UTC) and as scripts read them (RFC 3339)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from expctl.model.times import parse_time
from expctl.render.words import plural

parse = parse_time  # render's name for it


# (name, short name, seconds), largest first: one table for both spellings
_UNITS = (
    ("year", "y", 31536000),
    ("month", "mo", 2592000),
    ("week", "w", 604800),
    ("day", "d", 86400),
    ("hour", "h", 3600),
    ("minute", "m", 60),
)


def relative(value: Any, now: datetime | None = None) -> str:
    """ "3 days ago", "in 2 hours", "just now"; "-" when there is no time."""
    return _since(value, now, lambda count, name, short: plural(count, name))


def compact(value: Any, now: datetime | None = None) -> str:
    """ "5h ago", "3d ago", "in 2w", "just now": relative times for table cells, where
    width is scarce (gh's style); "-" when there is no time."""
    return _since(value, now, lambda count, name, short: f"{count}{short}")


def _since(value: Any, now: datetime | None, spell: Callable[[int, str, str], str]) -> str:
    """The time between ``value`` and now in its largest whole unit, spelled by ``spell``."""
    moment = parse(value)
    if moment is None:
        return "-"
    seconds = ((now or datetime.now(timezone.utc)) - moment).total_seconds()
    for name, short, size in _UNITS:
        if abs(seconds) >= size:
            text = spell(int(abs(seconds) // size), name, short)
            return f"in {text}" if seconds < 0 else f"{text} ago"
    return "just now"


def short_utc(value: Any) -> str:
    """ "2026-11-26 10:02 UTC"; "-" when missing."""
    moment = parse(value)
    if moment is None:
        return "-"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def duration_days(start: Any, end: Any = None, now: datetime | None = None) -> str:
    begin = parse(start)
    if begin is None:
        return ""
    finish = parse(end) or now or datetime.now(timezone.utc)
    days = (finish - begin).total_seconds() / 86400
    if days < 1:
        return plural(int(days * 24), "hour")
    return plural(int(days), "day")
