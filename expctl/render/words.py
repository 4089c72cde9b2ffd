"""Counted nouns in messages for people: "1 spec", "3 specs"."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def unstored_message(fields: list[str]) -> str:
    """The warning for fields an older PostHog dropped without a word (see fields_not_stored)."""
    names = ", ".join(fields)
    noun = "field" if len(fields) == 1 else "fields"
    return f"this PostHog has no {noun} {names}: it ignored {'it' if len(fields) == 1 else 'them'} (not stored)"


def hanging(text: str, width: int | None, indent: int) -> str:
    """``text`` wrapped to ``width`` with every line after the first indented ``indent``
    cells, words kept whole (a key, a path or a count is never broken); unwrapped when
    there is no width (piped output keeps each line whole for scripts)."""
    if width is None or len(text) <= width:
        return text
    import textwrap

    return textwrap.fill(
        text,
        width=max(width, indent + 20),
        subsequent_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
