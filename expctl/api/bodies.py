"""Reading an HTTP answer's body: capped in size, decoded as JSON, or the error it means.

A proxy's page, a truncated body or a body nested past Python's recursion limit is a
clear one-line error, never a traceback; an answer larger than the cap is not read to
its end (the memory a run uses stays bounded whatever the server sends).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from expctl.api.errors import not_posthog
from expctl.errors import ApiErrorInfo, ApiUnexpectedError

if TYPE_CHECKING:
    import httpx


def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The whole body, or an error once it passes ``limit`` bytes (declared or read)."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiUnexpectedError(
            f"PostHog's answer ({_mib(int(declared))}) is larger than the {_mib(limit)} expctl reads; stopped",
            hint="ask for less (e.g. a smaller --limit)",
        )
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            raise ApiUnexpectedError(
                f"PostHog's answer is larger than the {_mib(limit)} expctl reads; stopped reading",
                hint="ask for less (e.g. a smaller --limit)",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def decode(raw: bytes, status: int, method: str, path: str, origin: str) -> Any:
    """The body as JSON (None when empty); a web page from ``origin`` is not PostHog."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except RecursionError:
        info = ApiErrorInfo(status=status, method=method, path=path, detail="nested too deeply")
        raise ApiUnexpectedError(f"{method} {path}: PostHog's answer is nested too deeply to read", info=info) from None
    except (ValueError, UnicodeDecodeError):
        info = ApiErrorInfo(status=status, method=method, path=path, detail="invalid JSON")
        if raw.lstrip()[:1] == b"<":
            raise not_posthog(origin, method, path, info) from None
        raise ApiUnexpectedError(
            f"{method} {path}: PostHog's answer is not valid JSON (truncated or corrupted)",
            info=info,
            hint="run the command again; use --debug to see the raw answer",
        ) from None


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"
