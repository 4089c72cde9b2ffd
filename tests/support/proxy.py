"""A small forward proxy on 127.0.0.1 for the proxy tests: what a company proxy does.

Plain-http requests arrive in absolute form (``GET http://host/path``) and are forwarded;
``CONNECT host:port`` opens a tunnel (how HTTPS goes through a proxy). Every request is
recorded in ``seen``. It only ever connects to loopback addresses: anything else is
refused with 403, so no test traffic can leave the machine. ``posthog.test`` (a name no
resolver knows, so a client treats it as any remote host) reaches 127.0.0.1 through it:
expctl never sends a loopback host through a proxy, so the proxy tests address that name.
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")
REMOTE_NAME = "posthog.test"  # what the proxy resolves to 127.0.0.1 for the tests
_REACHES = {REMOTE_NAME: "127.0.0.1"}
HOP_BY_HOP = (
    "connection",
    "proxy-connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "proxy-authorization",
)


class ForwardProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.seen: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, name="forward-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def note(self, line: str) -> None:
        with self._lock:
            self.seen.append(line)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ForwardProxy

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_CONNECT(self) -> None:
        self.server.note(f"CONNECT {self.path}")
        host, _, port = self.path.rpartition(":")
        host = _REACHES.get(host, host).strip("[]")
        if host not in LOOPBACK:
            self.send_error(403, "this test proxy only reaches loopback")
            return
        upstream = socket.create_connection((host, int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        self._pump(self.connection, upstream)

    def _forward(self) -> None:
        self.server.note(f"{self.command} {self.path}")
        parts = urlsplit(self.path)
        hostname = _REACHES.get(parts.hostname or "", parts.hostname)
        if parts.scheme != "http" or hostname not in LOOPBACK:
            self.send_error(403, "this test proxy only forwards http to loopback")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(hostname, parts.port or 80, timeout=30)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        upstream.request(self.command, target, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

    @staticmethod
    def _pump(client: socket.socket, upstream: socket.socket) -> None:
        sockets = [client, upstream]
        with contextlib.suppress(OSError):
            while True:
                readable, _, broken = select.select(sockets, [], sockets, 30)
                if broken or not readable:
                    break
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is client else client).sendall(data)
        upstream.close()
