"""HTTP/1.1 straight to PostHog over the standard library's ``http.client``, under httpx.

Why it exists: httpx 0.29 imports its default transport (httpcore, h11, anyio) only
when a client is made, and that import is ~30 ms, a fifth of a short command such as
``expctl list``. ``http.client`` and ``ssl`` are already loaded by ``import httpx``, so
this transport costs nothing to load. It is used only where it does all the default
transport would (``transport_for`` decides):

* **No proxy applies.** When the environment (or the system, as ``urllib`` reads it)
  names any proxy for a host that is not loopback, httpx's own transport is used, so
  HTTP(S)_PROXY, ALL_PROXY and NO_PROXY keep working exactly as httpx documents them.
* **TLS** uses the context the client was given (``tls.tls_context``: always verifying,
  hostname included); a failed handshake is httpx's ``ConnectError`` with the ``ssl``
  error as its cause, which is what ``tls.certificate_problem`` reads.
* **Kept-alive connections** are reused one request at a time; before reuse, a
  connection the server has closed (it reads as ready: EOF) is dropped and a new one
  opened, so a request is never sent down a dead socket. A body not read to its end
  closes its connection.
* **Errors** are httpx's classes (connect/read/write timeouts, connect, read, write
  and protocol errors), so retries and messages do not depend on the transport.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import ssl

MAX_CONNECTIONS = 16
_CHUNK = 64 * 1024


def transport_for(host_is_loopback: bool, verify: ssl.SSLContext) -> httpx.BaseTransport | None:
    """This transport, unless a proxy may apply: then None, and httpx builds its own."""
    if not host_is_loopback and _proxies_configured():
        return None
    return DirectTransport(verify)


def _proxies_configured() -> bool:
    """Whether httpx would look for a proxy: any ``*_proxy`` the way ``urllib`` reads them
    (httpx reads the same ``getproxies()``); a NO_PROXY alone sends nothing anywhere else."""
    from urllib.request import getproxies

    return any(scheme != "no" for scheme in getproxies())


class DirectTransport(httpx.BaseTransport):
    """A small pool of ``http.client`` connections per origin, safe across threads."""

    def __init__(self, verify: ssl.SSLContext) -> None:
        self._context = verify
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        pool_wait = timeouts.get("pool")
        if not self._slots.acquire(timeout=-1 if pool_wait is None else pool_wait):
            raise httpx.PoolTimeout("no free connection", request=request)
        try:
            origin = (request.url.scheme, request.url.host, request.url.port or _default_port(request.url.scheme))
            connection = self._idle_connection(origin) or self._connect(origin, timeouts.get("connect"), request)
            answer = self._exchange(connection, request, timeouts)
        except BaseException:
            self._slots.release()
            raise
        return httpx.Response(
            answer.status,
            headers=answer.getheaders(),
            stream=_Body(answer, lambda keep: self._done(origin, connection, keep), request),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason.encode("latin-1", "replace")},
        )

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    # -- connections -----------------------------------------------------------------

    def _idle_connection(self, origin: tuple[str, str, int]) -> http.client.HTTPConnection | None:
        while True:
            with self._lock:
                waiting = self._idle.get(origin)
                if not waiting:
                    return None
                connection = waiting.pop()
            if not _closed_by_server(connection.sock):
                return connection
            connection.close()

    def _connect(
        self, origin: tuple[str, str, int], timeout: float | None, request: httpx.Request
    ) -> http.client.HTTPConnection:
        scheme, host, port = origin
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.connect()
        except TimeoutError as exc:
            connection.close()
            raise httpx.ConnectTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:  # refused, unreachable, name not found, TLS handshake (ssl.SSLError)
            connection.close()
            raise httpx.ConnectError(str(exc), request=request) from exc
        return connection

    def _exchange(
        self, connection: http.client.HTTPConnection, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> http.client.HTTPResponse:
        """Send the request as httpx built it (its headers, Host included) and read the head."""
        sock = connection.sock
        try:
            sock.settimeout(timeouts.get("write"))
            connection.putrequest(
                request.method, request.url.raw_path.decode("ascii"), skip_host=True, skip_accept_encoding=True
            )
            for name, value in request.headers.multi_items():
                connection.putheader(name, value)
            connection.endheaders(request.read() or None)
        except TimeoutError as exc:
            connection.close()
            raise httpx.WriteTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:
            connection.close()
            raise httpx.WriteError(str(exc), request=request) from exc
        try:
            sock.settimeout(timeouts.get("read"))
            return connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise _read_failure(exc, request) from exc

    def _done(self, origin: tuple[str, str, int], connection: http.client.HTTPConnection, keep: bool) -> None:
        if keep:
            with self._lock:
                self._idle.setdefault(origin, []).append(connection)
        else:
            connection.close()
        self._slots.release()


class _Body(httpx.SyncByteStream):
    """The answer's body as it arrives; closing hands the connection back (or drops it)."""

    def __init__(self, answer: http.client.HTTPResponse, done: Callable[[bool], None], request: httpx.Request) -> None:
        self._answer = answer
        self._done = done
        self._request = request
        self._finished = False
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        while True:
            try:
                chunk = self._answer.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise _read_failure(exc, self._request) from exc
            if not chunk:
                if self._answer.length:  # http.client's read(n) ends quietly at an early EOF
                    raise httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body "
                        f"({self._answer.length} bytes missing)",
                        request=self._request,
                    )
                self._finished = True
                return
            yield chunk

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        keep = self._finished and not self._answer.will_close
        self._answer.close()
        self._done(keep)


def _read_failure(exc: OSError | http.client.HTTPException, request: httpx.Request) -> httpx.HTTPError:
    """httpx's error for a failure while reading an answer, its head or its body."""
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(str(exc) or "timed out", request=request)
    if isinstance(exc, http.client.RemoteDisconnected):  # before HTTPException and OSError: it is both
        return httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    if isinstance(exc, http.client.IncompleteRead):
        return httpx.RemoteProtocolError(
            f"peer closed connection without sending complete message body ({exc})", request=request
        )
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(f"malformed answer: {exc}", request=request)
    return httpx.ReadError(str(exc), request=request)


def _closed_by_server(sock: socket.socket | None) -> bool:
    """An idle connection that reads as ready has been closed (EOF) or sent something
    unasked for; either way it cannot carry the next request."""
    if sock is None:
        return True
    try:
        fileno = sock.fileno()
    except OSError:
        return True
    if fileno < 0:
        return True
    if getattr(sock, "pending", lambda: 0)():  # TLS bytes already decrypted and waiting
        return True
    poll = getattr(select, "poll", None)
    if poll is None:  # Windows
        ready, _, _ = select.select([fileno], [], [], 0)
        return bool(ready)
    watcher = poll()
    watcher.register(fileno, select.POLLIN)
    return bool(watcher.poll(0))


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
