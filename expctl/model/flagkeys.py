"""What PostHog accepts as a feature flag (and variant) key: letters, digits, '-' and '_'.

One definition for the three places that check keys: the EXPERIMENT argument, spec
validation and request bodies. A set test rather than a regular expression: it has no
compile cost at start-up, and it cannot be fooled by the trailing newline that ``$``
lets through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

Row = TypeVar("Row", bound=Mapping[str, Any])

_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def is_flag_key(value: str) -> bool:
    return bool(value) and _ALLOWED.issuperset(value)


class KeyHint(NamedTuple):
    """What the flag-key cache remembers of a key: the experiment, and its flag if known."""

    experiment_id: int
    flag_id: int | None = None


def flag_id_of(experiment: Mapping[str, Any]) -> int | None:
    """The id of an experiment's flag, from the nested object (or the older plain field)."""
    flag = experiment.get("feature_flag")
    flag_id = flag.get("id") if isinstance(flag, Mapping) else experiment.get("feature_flag_id")
    return flag_id if isinstance(flag_id, int) and not isinstance(flag_id, bool) else None


def preferred(rows: Sequence[Row]) -> tuple[Row | None, str]:
    """Of the experiments sharing one flag key (``duplicate`` shares it; a re-run leaves
    the old one archived), the one a person typing the key means: the one not archived,
    else of those the one not ended; (None, "") when that choice is not unique. The
    second value says why, for the note that tells which one was taken."""
    live = [row for row in rows if not row.get("archived")]
    if len(live) == 1:
        return live[0], "the one not archived"
    running = [row for row in live if not row.get("end_date")]
    if len(running) == 1:
        return running[0], "the one neither archived nor ended"
    return None, ""
