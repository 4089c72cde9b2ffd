"""Transport-neutral request and response, shared by the HTTP server and MockTransport."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    scheme: str = "http"
    host: str = "127.0.0.1"

    @classmethod
    def build(
        cls, method: str, path: str, query_string: str, headers: dict[str, str], body: bytes, scheme: str = "http"
    ) -> FakeRequest:
        lowered = {k.lower(): v for k, v in headers.items()}
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(query_string, keep_blank_values=True),
            headers=lowered,
            body=body,
            scheme=scheme,
            host=lowered.get("host", "127.0.0.1"),
        )

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        if not self.body.strip():
            return {}
        return json.loads(self.body)


@dataclass
class FakeResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Transport faults, as a real network or proxy produces them:
    drop: bool = False  # close the connection without an answer
    truncate_to: int | None = None  # declare the full length, send only this many bytes, close
    stream: Iterator[bytes] | None = None  # a body produced piece by piece (no Content-Length)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> FakeResponse:
        body = json.dumps(payload).encode("utf-8")
        merged = {"Content-Type": "application/json"}
        merged.update(headers or {})
        return cls(status=status, body=body, headers=merged)

    def json_body(self) -> Any:
        """The body read back as JSON (None when it is not)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @classmethod
    def empty(cls, status: int, headers: dict[str, str] | None = None) -> FakeResponse:
        return cls(status=status, body=b"", headers=dict(headers or {}))

    @classmethod
    def html(cls, status: int, text: str) -> FakeResponse:
        return cls(status=status, body=text.encode("utf-8"), headers={"Content-Type": "text/html"})


def error(
    status: int, detail: str, *, type_: str = "validation_error", code: str = "invalid_input", attr: str | None = None
) -> FakeResponse:
    """PostHog's drf-exceptions-hog error body."""
    return FakeResponse.json(status, {"type": type_, "code": code, "detail": detail, "attr": attr})


def validation(detail: str, attr: str | None = None, code: str = "invalid_input") -> FakeResponse:
    return error(400, detail, attr=attr, code=code)


def not_found(detail: str = "Not found.") -> FakeResponse:
    return error(404, detail, type_="invalid_request", code="not_found")


def raw(status: int, payload: dict[str, Any]) -> FakeResponse:
    return FakeResponse.json(status, payload)


class HttpError(Exception):
    """Raised inside handlers to answer with ``response`` at once."""

    def __init__(self, response: FakeResponse) -> None:
        super().__init__(response.status)
        self.response = response


def metric_definition(metric: Any) -> str | None:
    """Which definition of PostHog's query schema a stored metric is checked against
    (the legacy kinds have their own)."""
    if not isinstance(metric, dict):
        return None
    kind = metric.get("kind")
    if kind in ("ExperimentTrendsQuery", "ExperimentFunnelsQuery"):
        return str(kind)
    return "ExperimentMetric"
