"""An httpx transport on the standard library's http.client: HTTP/1.1 with keep-alive.

Why: expctl runs thousands of times a day in scripts, and httpx's default transport
imports httpcore, h11 and anyio on every run (about a quarter of a `list`'s start-up
here). PostHog's API is plain HTTP/1.1 JSON, which http.client (already loaded by httpx
itself) speaks well: chunked and fixed-length bodies, TLS with hostname checks, timeouts.
httpx still does everything above the wire (URLs, headers, timeouts, streaming), and
proxies from the environment still go through httpx's own transport, which handles them.

Errors are raised as the httpx exceptions the default transport raises for the same
failures, so the client's retry rules see no difference.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx

_CHUNK = 65_536


class StdlibTransport(httpx.BaseTransport):
    """Connections are pooled per (scheme, host, port); each request holds one exclusively."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, max_idle: int = 16) -> None:
        self._ssl_context = ssl_context
        self._max_idle = max_idle
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        port = url.port or (443 if scheme == "https" else 80)
        origin = (scheme, url.host, port)
        timeouts = request.extensions.get("timeout", {})
        body = request.read()
        connection, reused = self._checkout(origin, timeouts.get("connect"), request)
        connection.timeout = timeouts.get("read")
        if connection.sock is not None:
            connection.sock.settimeout(timeouts.get("read"))
        target = url.raw_path.decode("ascii")
        try:
            connection.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in request.headers.raw:
                connection.putheader(name.decode("latin-1"), value.decode("latin-1"))
            connection.endheaders(body if body else None)
            response = connection.getresponse()
        except TimeoutError as exc:
            connection.close()
            raise httpx.ReadTimeout(f"timed out waiting for the response: {exc}", request=request) from None
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
            connection.close()
            raise httpx.RemoteProtocolError(
                f"Server disconnected without sending a response ({'reused connection, ' if reused else ''}{exc})",
                request=request,
            ) from None
        except (http.client.HTTPException, OSError) as exc:
            connection.close()
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from None
        stream = _ResponseStream(response, connection, lambda: self._checkin(origin, connection), request)
        return httpx.Response(
            status_code=response.status,
            headers=response.getheaders(),
            stream=stream,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode("latin-1")},
            request=request,
        )

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    # -- the pool ------------------------------------------------------------------------

    def _checkout(
        self, origin: tuple[str, str, int], connect_timeout: float | None, request: httpx.Request
    ) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            candidates = self._idle.get(origin, [])
            while candidates:
                idle = candidates.pop()
                if _still_open(idle):
                    return idle, True
                idle.close()
        scheme, host, port = origin
        connection: http.client.HTTPConnection
        if scheme == "https":
            context = self._ssl_context or ssl.create_default_context()
            connection = http.client.HTTPSConnection(host, port, timeout=connect_timeout, context=context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        connection._create_connection = _open_socket  # type: ignore[attr-defined]
        try:
            connection.connect()
        except TimeoutError as exc:
            connection.close()
            raise httpx.ConnectTimeout(f"timed out connecting: {exc}", request=request) from None
        except ssl.SSLError as exc:
            connection.close()
            raise httpx.ConnectError(f"TLS: {exc}", request=request) from None
        except OSError as exc:
            connection.close()
            raise httpx.ConnectError(str(exc), request=request) from None
        return connection, False

    def _checkin(self, origin: tuple[str, str, int], connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                idle.append(connection)
                return
        connection.close()


def _open_socket(
    address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
) -> socket.socket:
    """socket.create_connection, with an ASCII host name passed as bytes.

    Given a str, the resolver loads Python's IDNA codec first (1-2 ms of every run);
    PostHog hosts and IP addresses are ASCII, and bytes mean the same name to it.
    TLS still checks the certificate against the str name http.client keeps.
    """
    host, port = address
    try:
        name: str | bytes = host.encode("ascii")
    except UnicodeEncodeError:
        name = host  # an internationalised name: let the resolver encode it
    return socket.create_connection((name, port), timeout, source_address)  # type: ignore[arg-type]


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """An idle keep-alive connection is reusable only if the server has not closed it:
    nothing should be readable on it (a readable socket here means EOF or garbage)."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class _ResponseStream(httpx.SyncByteStream):
    def __init__(
        self,
        response: http.client.HTTPResponse,
        connection: http.client.HTTPConnection,
        release: Any,
        request: httpx.Request,
    ) -> None:
        self._response = response
        self._connection = connection
        self._release = release
        self._request = request
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            while True:
                chunk = self._response.read(_CHUNK)
                if not chunk:
                    break
                yield chunk
            if self._response.length:  # http.client stops quietly at EOF short of Content-Length
                raise http.client.IncompleteRead(b"", self._response.length)
        except TimeoutError as exc:
            self._discard()
            raise httpx.ReadTimeout(f"timed out reading the response: {exc}", request=self._request) from None
        except http.client.IncompleteRead:
            self._discard()
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=self._request
            ) from None
        except (http.client.HTTPException, OSError) as exc:
            self._discard()
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=self._request) from None
        self._finish()

    def close(self) -> None:
        if not self._done:
            # Closed before the body was read to the end: the connection cannot be reused.
            self._discard()

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        if self._response.will_close:
            self._connection.close()
        else:
            self._release()

    def _discard(self) -> None:
        self._done = True
        self._connection.close()
