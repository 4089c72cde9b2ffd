"""What PostHog accepts as a feature flag (and variant) key: letters, digits, '-' and '_'.

One definition for the three places that check keys: the EXPERIMENT argument, spec
validation and request bodies. A set test rather than a regular expression: it has no
compile cost at start-up, and it cannot be fooled by the trailing newline that ``$``
lets through.
"""

from __future__ import annotations

_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def is_flag_key(value: str) -> bool:
    return bool(value) and _ALLOWED.issuperset(value)
