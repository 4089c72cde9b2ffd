"""Find the personal API key, and say where it came from.

Order, first found wins:

1. environment: ``EXPCTL_API_KEY``, then ``POSTHOG_PERSONAL_API_KEY`` (what CI uses)
2. the OS keyring, service ``expctl``, account = profile name (what ``auth login`` writes)
3. the profile's ``api_key`` in the config file, used only when the file is owner-only
   (0600); otherwise expctl refuses and prints the ``chmod`` that fixes it

A keyring that is missing, locked or slow is reported in one line and skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from expctl.errors import AuthError
from expctl.settings.definitions import API_KEY_ENV
from expctl.settings.keyring_store import KeyringStore, KeyringUnavailableError
from expctl.settings.resolve import Settings, Source
from expctl.settings.secret import Secret

PERSONAL_KEY_PAGE = "/settings/user-api-keys"


class ResolvedKey(NamedTuple):
    secret: Secret
    source: Source
    detail: str

    def describe(self) -> str:
        return f"{self.source.value} ({self.detail})" if self.detail else self.source.value


def find_api_key(
    settings: Settings,
    keyring: KeyringStore | None,
    warn: Callable[[str], None],
) -> ResolvedKey | None:
    """Return the key and its source, or None when there is none anywhere."""
    env = settings.env
    for name in API_KEY_ENV:
        value = env.get(name, "").strip()
        if value:
            return _checked(ResolvedKey(Secret(value), Source.ENV, name), settings.host)
    keyring_problem = None
    if keyring is not None:
        try:
            stored = keyring.get(settings.profile_name)
        except KeyringUnavailableError as exc:
            keyring_problem = exc.reason
        else:
            if stored:
                return _checked(
                    ResolvedKey(Secret(stored), Source.KEYRING, f"service expctl, profile {settings.profile_name}"),
                    settings.host,
                )
    config = settings.config
    raw = config.profile(settings.profile_name).get("api_key")
    if raw:
        if not config.is_owner_only():
            mode = f"{config.mode:o}" if config.mode is not None else "unknown"
            raise AuthError(
                f"{config.path} holds an API key but other users can read it (mode {mode}); not using it",
                hint=f"run: chmod 600 {config.path}",
            )
        # A key kept in the file (`auth login --insecure-storage`) does not need the
        # keyring: its absence was said once at login and is shown by `doctor`.
        return _checked(
            ResolvedKey(Secret(str(raw)), Source.CONFIG, f"{config.path}, profile {settings.profile_name}"),
            settings.host,
        )
    if keyring_problem is not None:
        warn(f"keyring skipped: {keyring_problem}")
    return None


def require_api_key(settings: Settings, keyring: KeyringStore | None, warn: Callable[[str], None]) -> ResolvedKey:
    found = find_api_key(settings, keyring, warn)
    if found is None:
        raise AuthError(
            "no PostHog API key found",
            hint="run `expctl auth login`, or set EXPCTL_API_KEY to a personal API key (phx_...)",
        )
    return found


def check_key_kind(secret: Secret, host: str) -> None:
    """Refuse keys that cannot call the private API, with where to get the right one."""
    value = secret.reveal()
    if value.startswith("phc_"):
        raise AuthError(
            "that is a project API key (phc_...), which can only send events",
            hint=f"expctl needs a personal API key (phx_...): create one at {host}{PERSONAL_KEY_PAGE}",
        )
    if any(ch.isspace() for ch in value) or not value.isprintable():
        raise AuthError("the API key contains spaces or control characters", hint="copy it again without them")


def _checked(found: ResolvedKey, host: str) -> ResolvedKey:
    try:
        check_key_kind(found.secret, host)
    except AuthError as exc:
        exc.message = f"{exc.message} (key from {found.describe()})"
        raise
    return found
