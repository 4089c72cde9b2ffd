"""Numbers in PostHog's answers that are not numbers.

A broken or hostile answer can carry ``NaN`` or ``Infinity`` (Python's JSON reader takes
them), an absurd magnitude (``1e308``, which overflows the first time it is scaled), or a
string where a count or a probability goes. One such value must cost its metric (a named
warning), never the whole run, and never reach ``-o json`` as ``NaN`` (not JSON).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

# Statistics no experiment reaches: counts, sums of revenue and the like stay far below.
LIMIT = 1e30
# Fields of PostHog's results that hold numbers (or lists of them), whatever the release.
NUMERIC_FIELDS = frozenset(
    {
        "number_of_samples",
        "sum",
        "sum_squares",
        "denominator_sum",
        "denominator_sum_squares",
        "numerator_denominator_sum_product",
        "covariate_sum",
        "covariate_sum_squares",
        "covariate_sum_product",
        "chance_to_win",
        "p_value",
        "credible_interval",
        "confidence_interval",
        "step_counts",
        "exposure_counts",
        "count",
        "absolute_exposure",
        "probability",
        "expected",
    }
)


def not_numbers(value: Any, path: str = "", *, numeric: bool = False) -> list[str]:
    """Where ``value`` holds a number that is not one: ``path = value`` each (at most a few)."""
    found: list[str] = []
    _walk(value, path, numeric, found, 0)
    return found[:5]


MAX_DEPTH = 64  # PostHog's answers nest a few levels; deeper is not an answer


def _walk(value: Any, path: str, numeric: bool, found: list[str], depth: int) -> None:
    if isinstance(value, bool) or value is None:
        return
    if depth > MAX_DEPTH:
        found.append(f"{path}: nested more than {MAX_DEPTH} deep")
        return
    if isinstance(value, (int, float)):
        if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > LIMIT:
            found.append(f"{path} = {value!r}")
        return
    if isinstance(value, str):
        if numeric:
            found.append(f"{path} = {value!r} (a string)")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else str(key), numeric or str(key) in NUMERIC_FIELDS, found, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", numeric, found, depth + 1)


def finite(value: Any, depth: int = 0) -> Any:
    """``value`` with every non-finite number replaced by ``None`` (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if depth > MAX_DEPTH * 4:
        return None
    if isinstance(value, Mapping):
        return {key: finite(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [finite(item, depth + 1) for item in value]
    return value
