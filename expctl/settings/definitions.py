"""The settings expctl knows, where each may come from, and how each is checked.

One table serves the resolver, ``expctl config`` and the README's configuration section.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from expctl.errors import UsageError
from expctl.settings.hosts import normalize_host

OUTPUT_MODES = ("table", "plain", "json", "yaml", "ids", "jsonl")


def _host(value: str) -> str:
    # The insecure-http check needs the allow flag, so it is applied by the resolver.
    return normalize_host(value, allow_insecure_http=True)


def _project(value: str) -> str:
    text = value.strip()
    if text == "@current" or re.fullmatch(r"[0-9]+", text):
        return text
    raise UsageError(f"project {value!r} must be a number or @current")


def _output(value: str) -> str:
    if value not in OUTPUT_MODES:
        raise UsageError(f"output {value!r} is not one of {', '.join(OUTPUT_MODES)}")
    return value


def _positive_number(name: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        from expctl.settings.quantities import finite

        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"{name} {value!r} is not a number of seconds") from None
        finite(value, name)  # nan, inf and 1e400 are not a wait
        if number <= 0:
            raise UsageError(f"{name} must be more than 0 seconds")
        return value

    return check


def _rate_limit(value: str) -> str:
    if value in ("auto", "off", "cloud"):
        return value
    if re.fullmatch(r"[0-9]+/(s|sec|m|min|h|hour|[0-9]+(\.[0-9]+)?s)", value):
        return value
    raise UsageError(
        f"rate limit {value!r} is not understood",
        hint="use auto, off, cloud, or a budget such as 480/min, 10/s or 100/5s",
    )


def _boolean(value: str) -> str:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return "true"
    if lowered in ("0", "false", "no", "off", ""):
        return "false"
    raise UsageError(f"{value!r} is not true or false")


def _path(value: str) -> str:
    return value


class SettingKey(NamedTuple):
    name: str
    env: tuple[str, ...]
    default: str | None
    description: str
    check: Callable[[str], str]


SETTINGS: dict[str, SettingKey] = {
    key.name: key
    for key in (
        SettingKey(
            "host",
            ("EXPCTL_HOST", "POSTHOG_HOST"),
            "https://us.posthog.com",
            "PostHog site: https://us.posthog.com, https://eu.posthog.com or your own",
            _host,
        ),
        SettingKey(
            "project",
            ("EXPCTL_PROJECT", "POSTHOG_PROJECT_ID"),
            "@current",
            "project ID (a number), or @current for the key owner's current project",
            _project,
        ),
        SettingKey(
            "output",
            ("EXPCTL_OUTPUT",),
            None,
            "default output: table on a terminal, plain when piped",
            _output,
        ),
        SettingKey(
            "timeout", ("EXPCTL_TIMEOUT",), "30", "seconds to wait for one HTTP response", _positive_number("timeout")
        ),
        SettingKey(
            "max_wait",
            ("EXPCTL_MAX_WAIT",),
            "120",
            "longest single wait, in seconds, that a 429 or retry may impose",
            _positive_number("max_wait"),
        ),
        SettingKey(
            "rate_limit",
            ("EXPCTL_RATE_LIMIT",),
            "auto",
            "client-side request budget: auto (Cloud's limits on PostHog Cloud, off elsewhere), off, cloud, N/period",
            _rate_limit,
        ),
        SettingKey(
            "ca_bundle",
            ("EXPCTL_CA_BUNDLE", "SSL_CERT_FILE"),
            None,
            "PEM file of certificate authorities to trust (self-hosted with a private CA)",
            _path,
        ),
        SettingKey(
            "allow_insecure_http",
            ("EXPCTL_ALLOW_INSECURE_HTTP",),
            "false",
            "allow plain http:// to a host that is not loopback (the key travels unencrypted)",
            _boolean,
        ),
    )
}

API_KEY_ENV = ("EXPCTL_API_KEY", "POSTHOG_PERSONAL_API_KEY")
PROFILE_ENV = "EXPCTL_PROFILE"
