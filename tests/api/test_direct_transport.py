"""The http.client transport under httpx (``expctl/api/direct_transport.py``), on real sockets.

A tiny scripted HTTP server on 127.0.0.1 answers each connection the way a test needs
(kept alive, closed after one answer, gzip in chunks, never, half a body), and counts the
connections it accepted, so reuse and reconnection are seen rather than inferred. No
test waits on a clock to prove an order: overlap is a barrier both requests must reach.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from expctl.api.client import ClientConfig, PostHogClient
from expctl.api.direct_transport import DirectTransport, transport_for
from expctl.settings.secret import Secret

Answer = Callable[[socket.socket, int], bool]  # (connection, request number) -> keep the connection open


def _read_head(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = conn.recv(65536)
        except OSError:  # the client went away
            return None
        if not chunk:
            return None
        data += chunk
    return data


class ScriptedServer:
    """Accepts connections on loopback; ``answer`` writes each response."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests = 0
        self.heads: list[bytes] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            while True:
                head = _read_head(conn)
                if head is None:
                    return
                with self._lock:
                    self.requests += 1
                    number = self.requests
                    self.heads.append(head)
                if not self.answer(conn, number):
                    return

    def stop(self) -> None:
        self._stopped = True
        self._listener.close()


def _json(conn: socket.socket, body: bytes = b'{"ok": true}', extra: str = "") -> None:
    conn.sendall(
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode()
        + body
    )


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(answer: Answer) -> ScriptedServer:
        servers.append(ScriptedServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def _client(url: str, timeout: float = 30.0) -> httpx.Client:
    return httpx.Client(
        base_url=url, transport=DirectTransport(ssl.create_default_context()), timeout=httpx.Timeout(timeout)
    )


def _keep_alive(conn: socket.socket, number: int) -> bool:
    _json(conn, f'{{"n": {number}}}'.encode())
    return True


def test_requests_share_one_kept_alive_connection(serve: Callable[[Answer], ScriptedServer]) -> None:
    server = serve(_keep_alive)
    with _client(server.url) as client:
        answers = [client.get("/x").json()["n"] for _ in range(5)]
    assert answers == [1, 2, 3, 4, 5]
    assert server.connections == 1


def test_a_connection_the_server_closed_is_replaced_before_the_request_is_sent(
    serve: Callable[[Answer], ScriptedServer],
) -> None:
    """The server answers without saying it will close, then closes (as an idle timeout
    does): the next request must go out on a new connection, not fail or be retried."""

    closed = threading.Event()

    def answer_then_close(conn: socket.socket, number: int) -> bool:
        _json(conn)
        conn.shutdown(socket.SHUT_RDWR)
        closed.set()
        return False

    server = serve(answer_then_close)
    config = ClientConfig(host=server.url, project="1", api_key=Secret("phx_test"), retries=0)
    with PostHogClient(config, sleep=lambda _: None) as client:
        first = client.get("/a")
        assert closed.wait(60)  # the server has closed the kept-alive connection
        second = client.get("/b")
    assert first == second == {"ok": True}
    assert client.stats.retried == 0
    assert server.connections == server.requests == 2


def test_a_body_not_read_to_its_end_is_not_reused(serve: Callable[[Answer], ScriptedServer]) -> None:
    def big(conn: socket.socket, number: int) -> bool:
        _json(conn, b"[" + b"0," * 200_000 + b"0]")
        return True

    server = serve(big)
    with _client(server.url) as client:
        with client.stream("GET", "/big") as response:
            next(response.iter_raw(1024))  # read a little, then give up (expctl's size cap does this)
        assert len(client.get("/big").content) > 400_000
    assert server.connections == 2


def test_gzip_in_chunks_is_decoded(serve: Callable[[Answer], ScriptedServer]) -> None:
    payload = gzip.compress(b'{"results": [1, 2, 3]}')

    def chunked(conn: socket.socket, number: int) -> bool:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        parts = [payload[:7], payload[7:]]
        body = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n"
        conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n" + body)
        return True

    server = serve(chunked)
    with _client(server.url) as client:
        assert client.get("/r").json() == {"results": [1, 2, 3]}
        assert client.get("/r").json() == {"results": [1, 2, 3]}
    assert server.connections == 1


def test_requests_from_two_threads_are_in_flight_at_once(serve: Callable[[Answer], ScriptedServer]) -> None:
    both_arrived = threading.Barrier(2, timeout=60)

    def meet(conn: socket.socket, number: int) -> bool:
        both_arrived.wait()  # breaks (and the test fails) if the transport sent them one by one
        _json(conn)
        return True

    server = serve(meet)
    with _client(server.url) as client:
        answers: list[int] = []
        threads = [threading.Thread(target=lambda: answers.append(client.get("/x").status_code)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert answers == [200, 200]
    assert server.connections == 2
    assert not both_arrived.broken


def test_the_request_goes_out_as_httpx_built_it(serve: Callable[[Answer], ScriptedServer]) -> None:
    server = serve(_keep_alive)
    with _client(server.url) as client:
        client.post("/api/x/?a=1&b=%20", content=b'{"k": 1}', headers={"Authorization": "Bearer phx_k"})
    head = server.heads[0].decode()
    assert head.startswith("POST /api/x/?a=1&b=%20 HTTP/1.1\r\n")
    lines = head.lower().split("\r\n")
    assert f"host: {server.url.removeprefix('http://')}" in lines
    assert "authorization: bearer phx_k" in lines
    assert "content-length: 8" in lines
    assert sum(line.startswith("host:") for line in lines) == 1


def test_failures_are_httpxs_own_errors(serve: Callable[[Answer], ScriptedServer]) -> None:
    def hang_up(conn: socket.socket, number: int) -> bool:
        return False

    def half_a_body(conn: socket.socket, number: int) -> bool:
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial":')
        conn.shutdown(socket.SHUT_RDWR)
        return False

    silent = threading.Event()

    def never(conn: socket.socket, number: int) -> bool:
        silent.wait()
        return False

    with _client(serve(hang_up).url) as client, pytest.raises(httpx.RemoteProtocolError, match="disconnected"):
        client.get("/x")
    with _client(serve(half_a_body).url) as client, pytest.raises(httpx.RemoteProtocolError, match="complete"):
        client.get("/x")
    try:
        with _client(serve(never).url, timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
            client.get("/x")  # the server never answers: whatever the machine's speed, this times out
    finally:
        silent.set()
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with _client(f"http://127.0.0.1:{port}") as client, pytest.raises(httpx.ConnectError, match="refused"):
        client.get("/x")


def test_a_proxy_in_the_environment_hands_over_to_httpxs_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    context = ssl.create_default_context()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert isinstance(transport_for(False, context), DirectTransport)
    monkeypatch.setenv("NO_PROXY", "example.com")  # names no proxy to use
    assert isinstance(transport_for(False, context), DirectTransport)
    for name in ("HTTPS_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://proxy.internal:3128")
        assert transport_for(False, context) is None, name  # httpx builds its own, with the proxy
        assert isinstance(transport_for(True, context), DirectTransport)  # loopback never uses one
        monkeypatch.delenv(name)
