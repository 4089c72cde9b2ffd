"""Counted nouns in messages for people: "1 spec", "3 specs"."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def unstored_message(fields: list[str]) -> str:
    """The warning for fields an older PostHog dropped without a word (see fields_not_stored)."""
    names = ", ".join(fields)
    noun = "field" if len(fields) == 1 else "fields"
    return f"this PostHog has no {noun} {names}: it ignored {'it' if len(fields) == 1 else 'them'} (not stored)"


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting bulk-2 before bulk-10, as people count."""
    import re

    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)
