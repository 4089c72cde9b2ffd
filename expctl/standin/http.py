"""Serve a FakePostHog on a real socket: ThreadingHTTPServer on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from expctl.standin.server import FakePostHog
from expctl.standin.wire import FakeRequest


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], fake: FakePostHog, tls: ssl.SSLContext | None = None) -> None:
        self.fake = fake
        self.tls = tls
        self.connections = 0  # accepted TCP connections (TLS handshakes, when serving https)
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (``| head``, a timeout, Ctrl-C) is normal
        for a server; anything else is a bug of the stand-in and keeps its traceback."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)

    def get_request(self) -> tuple[Any, Any]:
        connection, address = self.socket.accept()
        self.connections += 1
        if self.tls is None:
            return connection, address
        # A client that refuses our certificate fails the handshake here; socketserver
        # drops that connection (SSLError is an OSError) and keeps serving.
        try:
            return self.tls.wrap_socket(connection, server_side=True), address
        except OSError:
            connection.close()
            raise


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as PostHog's front servers answer: http.server writes the head and the
    # body in two sends, and with Nagle on, a kept-alive connection's second send waits for
    # the client's delayed ACK (~40 ms on Linux), a stall real PostHog does not have.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = FakeRequest.build(self.command, parts.path, parts.query, dict(self.headers.items()), body)
        response = self.server.fake.handle(request)
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        # send_response's own Date would be the machine's clock: the answer's is the server's.
        self.log_request(response.status)
        self.send_response_only(response.status)
        self.send_header("Server", self.version_string())
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.stream is not None:
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            with contextlib.suppress(OSError):
                for chunk in response.stream:
                    self.wfile.write(chunk)
            return
        self.send_header("Content-Length", str(len(response.body)))
        if response.truncate_to is not None:
            self.end_headers()
            self.wfile.write(response.body[: response.truncate_to])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.end_headers()
        self.wfile.write(response.body)

    # http.server's names for its per-method handlers
    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815


class RunningServer:
    """A FakePostHog listening on 127.0.0.1; stop() shuts it down."""

    def __init__(self, fake: FakePostHog, port: int = 0, *, tls: ssl.SSLContext | None = None) -> None:
        self.fake = fake
        self._httpd = _Server(("127.0.0.1", port), fake, tls)
        self.port = self._httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fakeposthog", daemon=True)
        self._thread.start()

    @property
    def connections(self) -> int:
        return self._httpd.connections

    def stop(self) -> None:
        self.fake.holds.release_all()
        self._httpd.shutdown()
        self._httpd.server_close()


@contextlib.contextmanager
def serve(fake: FakePostHog, port: int = 0) -> Iterator[RunningServer]:
    running = RunningServer(fake, port)
    try:
        yield running
    finally:
        running.stop()
