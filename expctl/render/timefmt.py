"""Times as people read them (relative, local to UTC) and as scripts read them (RFC 3339)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from expctl.model.times import parse_time
from expctl.render.words import plural

parse = parse_time  # render's name for it


def relative(value: Any, now: datetime | None = None) -> str:
    """ "3 days ago", "in 2 hours", "just now"; "-" when there is no time."""
    moment = parse(value)
    if moment is None:
        return "-"
    reference = now or datetime.now(timezone.utc)
    seconds = (reference - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    for unit, size in (
        ("year", 31536000),
        ("month", 2592000),
        ("week", 604800),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = int(seconds // size)
            text = plural(count, unit)
            return f"in {text}" if future else f"{text} ago"
    return "just now"


_SHORT_UNITS = (("y", 31536000), ("mo", 2592000), ("w", 604800), ("d", 86400), ("h", 3600), ("m", 60))


def compact(value: Any, now: datetime | None = None) -> str:
    """ "5h ago", "3d ago", "in 2w", "just now": relative times for table cells, where
    width is scarce (gh's style); "-" when there is no time."""
    moment = parse(value)
    if moment is None:
        return "-"
    seconds = ((now or datetime.now(timezone.utc)) - moment).total_seconds()
    for unit, size in _SHORT_UNITS:
        if abs(seconds) >= size:
            count = int(abs(seconds) // size)
            return f"in {count}{unit}" if seconds < 0 else f"{count}{unit} ago"
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
