"""Serve a FakePostHog through httpx.MockTransport, for in-process unit tests."""

from __future__ import annotations

import httpx

from expctl.standin.server import FakePostHog
from expctl.standin.wire import FakeRequest


def mock_transport(fake: FakePostHog) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        body = request.read()
        fake_request = FakeRequest.build(
            request.method,
            request.url.path,
            request.url.query.decode("ascii"),
            dict(request.headers.items()),
            body,
            scheme=request.url.scheme,
        )
        response = fake.handle(fake_request)
        if response.drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        if response.truncate_to is not None:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            )
        if response.stream is not None:
            return httpx.Response(response.status, headers=response.headers, content=b"".join(response.stream))
        return httpx.Response(response.status, headers=response.headers, content=response.body)

    return httpx.MockTransport(handler)
