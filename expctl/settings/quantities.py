"""Numbers people type on the command line, read one way everywhere.

A *rate* (a conversion rate, an effect, alpha, power) is a share: ``10%`` and ``0.10``
are the same value, so a bare number is a fraction. A bare number of 1 or more is
refused for a rate as ambiguous (``--mde 5`` once meant 5 %): the message says how to
write either. A *percentage* (a holdout's share of users, a variant's split) is named
so and is in percent: ``10`` and ``10%`` are the same. Every number must be finite:
``nan``, ``inf`` and ``1e400`` are refused with the option's name, never passed on.
"""

from __future__ import annotations

import math

from expctl.errors import UsageError


def finite(text: str, option: str, *, above: float | None = None, at_least: float | None = None) -> float:
    """A finite number (optionally above or at least a bound), or a usage error naming ``option``."""
    try:
        value = float(text.strip())
    except ValueError:
        raise UsageError(f"{option} takes a number; not {text!r}") from None
    if not math.isfinite(value):
        raise UsageError(f"{option} takes a finite number; not {text!r}")
    if above is not None and not value > above:
        raise UsageError(f"{option} must be more than {above:g}; not {text!r}")
    if at_least is not None and value < at_least:
        raise UsageError(f"{option} must be at least {at_least:g}; not {text!r}")
    return value


def rate(text: str, option: str) -> float:
    """A share as a fraction: ``10%`` -> 0.10, ``0.10`` -> 0.10."""
    raw = text.strip()
    if raw.endswith("%"):
        return finite(raw[:-1], option) / 100
    value = finite(raw, option)
    if abs(value) >= 1:
        raise UsageError(
            f"{option} {raw} is ambiguous: a rate is a fraction (0.05) or a percentage (5%)",
            hint=f"write {option} {raw}% for {raw} percent",
        )
    return value


def percentage(text: str, option: str, *, low: float = 0, high: float = 100) -> float:
    """A value in percent between ``low`` and ``high``: ``10`` and ``10%`` are both 10."""
    value = finite(text.strip().removesuffix("%"), option)
    if not low <= value <= high:
        raise UsageError(f"{option} is a percentage from {low:g} to {high:g}; not {text!r}")
    return value
