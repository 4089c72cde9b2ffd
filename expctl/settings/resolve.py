"""Turn flags, environment, config file and defaults into one :class:`Settings`.

Precedence, highest first, for every setting but the API key:

1. command-line flags (``--host``, ``--project``, ``--profile``, ...)
2. environment (``EXPCTL_*`` first, then the ``POSTHOG_*`` names PostHog's tools use)
3. the active profile in the config file (``--profile``, else ``EXPCTL_PROFILE``,
   else the file's ``current_profile``, else ``default``)
4. built-in defaults

The API key has its own order (see :mod:`expctl.settings.credentials`): environment,
then the OS keyring, then the config file, and the file only when it is owner-only.

Every value comes back with where it came from, so ``expctl config`` and
``expctl auth status`` can say why a setting has the value it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import NamedTuple

from expctl.errors import UsageError
from expctl.settings.config_file import DEFAULT_PROFILE, ConfigFile
from expctl.settings.definitions import PROFILE_ENV, SETTINGS
from expctl.settings.hosts import normalize_host


class Source(str, Enum):
    FLAG = "flag"
    ENV = "environment"
    KEYRING = "keyring"
    CONFIG = "config file"
    DEFAULT = "default"


class Sourced(NamedTuple):
    value: str | None
    source: Source
    detail: str = ""

    def describe(self) -> str:
        return f"{self.source.value} ({self.detail})" if self.detail else self.source.value


class Settings:
    """Resolved settings; values are validated strings, typed by the accessors."""

    def __init__(
        self, profile: Sourced, values: dict[str, Sourced], config: ConfigFile, env: Mapping[str, str] | None = None
    ) -> None:
        self.profile = profile
        self.values = values
        self.config = config
        self.env: Mapping[str, str] = env if env is not None else {}

    def get(self, name: str) -> str | None:
        return self.values[name].value

    @property
    def profile_name(self) -> str:
        return self.profile.value or DEFAULT_PROFILE

    def given_outside_profiles(self) -> bool:
        """Host and project both come from flags or the environment (a CI job's way)."""
        given = (Source.FLAG, Source.ENV)
        return self.values["host"].source in given and self.values["project"].source in given

    def require_known_profile(self) -> None:
        """A profile asked for by name (--profile, EXPCTL_PROFILE) must exist before a
        command talks to PostHog with it, or a typo would quietly use the environment's
        key and host, or say no key was found. `auth login --profile NAME` creates one."""
        name = self.profile_name
        asked = self.profile.source in (Source.FLAG, Source.ENV)
        if not asked or name == DEFAULT_PROFILE or name in self.config.profiles():
            return
        known = sorted(self.config.profiles())
        raise UsageError(
            f"no profile {name!r} ({self.profile.detail}) in {self.config.path}",
            hint=(f"profiles: {', '.join(known)}; " if known else "")
            + f"`expctl auth login --profile {name}` creates it",
        )

    @property
    def host(self) -> str:
        return self.get("host") or SETTINGS["host"].default or ""

    @property
    def project(self) -> str:
        return self.get("project") or "@current"

    @property
    def timeout(self) -> float:
        return float(self.get("timeout") or 30)

    @property
    def max_wait(self) -> float:
        return float(self.get("max_wait") or 120)

    @property
    def output(self) -> str | None:
        return self.get("output")

    @property
    def rate_limit(self) -> str:
        return self.get("rate_limit") or "auto"

    @property
    def ca_bundle(self) -> str | None:
        return self.get("ca_bundle")

    @property
    def allow_insecure_http(self) -> bool:
        return self.get("allow_insecure_http") == "true"


def resolve_settings(flags: Mapping[str, str | None], env: Mapping[str, str], config: ConfigFile) -> Settings:
    """Apply the precedence above; raise :class:`UsageError` for a value that is invalid."""
    profile = _resolve_profile(flags, env, config)
    profile_values = config.profile(profile.value or DEFAULT_PROFILE)
    values: dict[str, Sourced] = {}
    for name, key in SETTINGS.items():
        values[name] = _resolve_one(name, flags, env, profile_values, key.env, key.default, config, profile)
    settings = Settings(profile=profile, values=values, config=config, env=env)
    host = values["host"]
    if host.value is not None:
        # Re-check with the insecure-http rule, now that the allow flag is known.
        try:
            normalize_host(host.value, allow_insecure_http=settings.allow_insecure_http)
        except UsageError as exc:
            exc.message = f"{exc.message} (host from {host.describe()})"
            raise
    return settings


def _resolve_profile(flags: Mapping[str, str | None], env: Mapping[str, str], config: ConfigFile) -> Sourced:
    if flags.get("profile"):
        return Sourced(flags["profile"], Source.FLAG, "--profile")
    if env.get(PROFILE_ENV):
        return Sourced(env[PROFILE_ENV], Source.ENV, PROFILE_ENV)
    if config.current_profile:
        return Sourced(config.current_profile, Source.CONFIG, f"{config.path}: current_profile")
    return Sourced(DEFAULT_PROFILE, Source.DEFAULT)


def _resolve_one(
    name: str,
    flags: Mapping[str, str | None],
    env: Mapping[str, str],
    profile_values: Mapping[str, object],
    env_names: tuple[str, ...],
    default: str | None,
    config: ConfigFile,
    profile: Sourced,
) -> Sourced:
    check = SETTINGS[name].check
    flag_value = flags.get(name)
    if flag_value is not None:
        return Sourced(
            _checked(check, str(flag_value), f"--{name.replace('_', '-')}"), Source.FLAG, "--" + name.replace("_", "-")
        )
    for env_name in env_names:
        if env.get(env_name):
            return Sourced(_checked(check, env[env_name], env_name), Source.ENV, env_name)
    if name in profile_values and profile_values[name] is not None:
        raw = profile_values[name]
        text = str(raw).lower() if isinstance(raw, bool) else str(raw)
        where = f"{config.path}, profile {profile.value}"
        return Sourced(_checked(check, text, where), Source.CONFIG, where)
    return Sourced(default, Source.DEFAULT)


def _checked(check: object, value: str, where: str) -> str:
    try:
        return check(value)  # type: ignore[operator,no-any-return]
    except UsageError as exc:
        exc.message = f"{exc.message} (from {where})"
        raise
