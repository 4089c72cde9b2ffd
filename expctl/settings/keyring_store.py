"""The OS keyring, reached only through a time limit.

A Secret Service that is missing, locked or waiting for a password prompt must not
hang expctl or end it with a traceback, so every call runs in a daemon thread and is
given up after ``timeout`` seconds with a one-line reason (the gh approach).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

SERVICE = "expctl"
DEFAULT_TIMEOUT = 5.0

T = TypeVar("T")

_DISABLED_BACKENDS = ("keyring.backends.fail", "keyring.backends.null")


class KeyringUnavailableError(Exception):
    """The keyring could not be used; ``reason`` is one line for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeyringStore:
    """Get, set and delete the API key of a profile in the OS keyring."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, backend: Any = None) -> None:
        self._timeout = timeout
        self._backend = backend

    def get(self, account: str) -> str | None:
        def read(kr: Any) -> str | None:
            value = kr.get_password(SERVICE, account)
            return str(value) if value is not None else None

        return self._call(read)

    def set(self, account: str, secret: str) -> None:
        self._call(lambda kr: kr.set_password(SERVICE, account, secret))

    def delete(self, account: str) -> bool:
        """Remove the entry; False when there was none."""

        def remove(kr: Any) -> bool:
            from keyring.errors import PasswordDeleteError

            try:
                kr.delete_password(SERVICE, account)
            except PasswordDeleteError:
                return False
            return True

        return self._call(remove)

    def backend_name(self) -> str:
        """A short name of the backend in use, for `auth status` and `doctor`."""
        return self._call(lambda kr: f"{type(kr).__module__}.{type(kr).__name__}")

    def _resolve_backend(self) -> Any:
        if self._backend is not None:
            return self._backend
        import keyring

        backend = keyring.get_keyring()
        module = type(backend).__module__
        if module in _DISABLED_BACKENDS:
            raise KeyringUnavailableError("no keyring backend is available on this system")
        return backend

    def _call(self, action: Callable[[Any], T]) -> T:
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = action(self._resolve_backend())
            except KeyringUnavailableError as exc:
                outcome["error"] = exc
            except Exception as exc:  # backends raise anything: dbus, secretstorage, OSError
                outcome["error"] = KeyringUnavailableError(_describe(exc))

        worker = threading.Thread(target=run, name="expctl-keyring", daemon=True)
        worker.start()
        worker.join(self._timeout)
        if worker.is_alive():
            raise KeyringUnavailableError(f"the keyring did not answer within {self._timeout:g} s (locked?)")
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")  # type: ignore[return-value]


def _describe(exc: Exception) -> str:
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if name == "KeyringLocked":
        return "the keyring is locked"
    return f"{name}: {text}" if text else name
