"""``--debug``: each request and response on stderr, the API key never among them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

_DEBUG_BODY_LIMIT = 2000


class HttpDebug:
    """Writes the exchange through ``debug`` (when given), with the key redacted."""

    def __init__(self, debug: Callable[[str], None] | None, secret: str) -> None:
        self.debug = debug
        self.secret = secret

    def request(self, request: httpx.Request, content: bytes | None) -> None:
        if self.debug is None:
            return
        lines = [f"> {request.method} {request.url}"]
        for name, value in request.headers.items():
            shown = "Bearer [REDACTED]" if name.lower() == "authorization" else value
            lines.append(f"> {name}: {shown}")
        if content:
            lines.append("> " + _truncate(content.decode("utf-8", "replace")))
        self.debug(self.redact("\n".join(lines)))

    def response(self, response: httpx.Response, raw: bytes, elapsed_ms: float) -> None:
        if self.debug is None:
            return
        lines = [f"< HTTP {response.status_code} {response.reason_phrase} ({elapsed_ms:.0f} ms, {len(raw)} bytes)"]
        for name in ("content-type", "retry-after", "location"):
            if name in response.headers:
                lines.append(f"< {name}: {response.headers[name]}")
        if raw:
            lines.append("< " + _truncate(raw.decode("utf-8", "replace")))
        self.debug(self.redact("\n".join(lines)))

    def redact(self, text: str) -> str:
        return text.replace(self.secret, "[REDACTED]") if self.secret else text


def _truncate(text: str) -> str:
    return text if len(text) <= _DEBUG_BODY_LIMIT else text[:_DEBUG_BODY_LIMIT] + f"... ({len(text)} characters)"
