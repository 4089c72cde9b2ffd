"""A wrapper that keeps the API key out of reprs, logs and tracebacks."""

from __future__ import annotations

_KNOWN_PREFIXES = ("phx_", "phc_", "pha_", "phs_")


class Secret:
    """Holds a credential; only :meth:`reveal` gives the value back.

    ``repr`` and ``str`` are masked so that an accidental ``print`` or a traceback
    showing locals never leaks the key.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        """The key with all but its type prefix and last four characters hidden."""
        prefix = next((p for p in _KNOWN_PREFIXES if self._value.startswith(p)), "")
        return f"{prefix}****{self._value[-4:]}" if len(self._value) >= 8 else "****"

    def __repr__(self) -> str:
        return f"Secret({self.masked()!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
