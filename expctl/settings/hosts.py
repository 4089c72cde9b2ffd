"""Rules for the PostHog host URL: absolute, http(s), no path, credentials or query."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

from expctl.errors import UsageError

CLOUD_HOSTS = {"us.posthog.com", "eu.posthog.com", "app.posthog.com", "eu.i.posthog.com", "us.i.posthog.com"}
_INGESTION_ONLY = {"us.i.posthog.com", "eu.i.posthog.com"}


def normalize_host(raw: str, *, allow_insecure_http: bool = False) -> str:
    """Return ``scheme://host[:port]`` or raise :class:`UsageError` saying what is wrong.

    Plain ``http://`` is accepted only for loopback addresses (a local test server or
    a tunnel), unless ``allow_insecure_http`` says the user knows the key will travel
    unencrypted.
    """
    text = raw.strip()
    if "://" not in text:
        raise UsageError(
            f"host {raw!r} is not an absolute URL",
            hint="use the full address, e.g. https://us.posthog.com or https://posthog.example.com",
        )
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    _check_shape(raw, text, parts, scheme)
    assert parts.hostname is not None
    try:
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"host {raw!r} has an invalid port") from exc
    hostname = parts.hostname.lower()
    if hostname in _INGESTION_ONLY:
        api_host = hostname.replace(".i.", ".")
        raise UsageError(
            f"{hostname} only accepts events, not API calls",
            hint=f"use --host https://{api_host}",
        )
    if scheme == "http" and not allow_insecure_http and not is_loopback(hostname):
        raise UsageError(
            f"refusing to send the API key over plain http to {hostname}",
            hint=f"use https://{parts.netloc}, or pass --allow-insecure-http if you really mean it",
        )
    netloc = f"[{hostname}]" if ":" in hostname else hostname
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def _check_shape(raw: str, text: str, parts: SplitResult, scheme: str) -> None:
    """Only a site address: http(s), a host name, no credentials, path, query or fragment."""
    if scheme not in ("http", "https"):
        raise UsageError(f"host {raw!r} must start with https:// (or http:// for a local server)")
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            f"host {_without_userinfo(text)!r} contains a user name or password",
            hint="remove them from the URL; the API key is sent in a header",
        )
    if not parts.hostname:
        raise UsageError(f"host {raw!r} has no host name")
    if parts.path not in ("", "/"):
        raise UsageError(
            f"host {raw!r} has a path ({parts.path})",
            hint=f"use only the site address, e.g. {scheme}://{parts.netloc}",
        )
    if parts.query or parts.fragment:
        raise UsageError(f"host {raw!r} has a query or fragment; use only {scheme}://{parts.netloc}")


def is_loopback(hostname: str) -> bool:
    """A loopback address, or a ``localhost`` name this machine's resolver maps only to
    loopback (RFC 6761 asks resolvers to; not every one does, and a name that reaches
    another machine must not be treated as this one)."""
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        pass
    if hostname != "localhost" and not hostname.endswith(".localhost"):
        return False
    import socket

    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(hostname, None)}
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(ipaddress.ip_address(address.split("%")[0]).is_loopback for address in found)


def is_posthog_cloud(host: str) -> bool:
    hostname = urlsplit(host).hostname or ""
    return hostname in CLOUD_HOSTS


def _without_userinfo(text: str) -> str:
    parts = urlsplit(text)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}"
