"""Counted nouns in messages for people: "1 spec", "3 specs"."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
