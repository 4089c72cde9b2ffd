"""The URL side of a request: the origin a response may redirect to, query parameters, and
the paths the escape hatch (`expctl api`) may send to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit


def origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return f"{scheme}://{host}:{port}"


def clean_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not params:
        return None
    cleaned: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            cleaned[key] = "true" if value else "false"
        else:
            cleaned[key] = str(value)
    return cleaned


def query_string(params: Mapping[str, Any]) -> str:
    """Encode params the way the client does, for messages and tests."""
    return urlencode(clean_params(params) or {})


def api_path(path: str, project: str) -> str:
    """The path ``expctl api`` sends: it stays on the configured host (full URLs are
    refused), and a relative path is the project's."""
    from expctl.errors import UsageError

    if "://" in path or path.startswith("//"):
        raise UsageError(
            "give a path, not a URL: the host comes from --host, so your key only goes there",
            hint="e.g. expctl api GET experiments/",
        )
    resolved = path.replace("{project}", project)
    if not resolved.startswith("/"):
        resolved = f"/api/projects/{project}/{resolved}"
    if not resolved.startswith("/api/"):
        raise UsageError(
            f"{path!r} is not an API path", hint="API paths start with /api/, or are relative to your project"
        )
    return resolved
