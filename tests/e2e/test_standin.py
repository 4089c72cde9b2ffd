"""The stand-in itself behaves as a server should: one line for a busy port, and no
traceback when a client goes away in the middle of an answer."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys

from tests.support.cli import REPO


def _standin(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fakeposthog", *args],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_busy_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _standin("--port", str(port))
        stdout, stderr = server.communicate(timeout=120)
    assert server.returncode == 2
    assert stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use; "
        "pick another with --port N (0 picks a free one)"
    ]
    assert stdout == ""


def test_a_client_that_hangs_up_mid_answer_leaves_no_traceback() -> None:
    server = _standin("--port", "0", "--experiments", "3000")
    assert server.stdout is not None
    url = server.stdout.readline().split("listening on ")[1].strip()
    port = int(url.rsplit(":", 1)[1])
    try:
        for _ in range(3):
            client = socket.socket()
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the answer cannot fit
            client.connect(("127.0.0.1", port))
            client.sendall(
                b"GET /api/projects/1/experiments/?limit=3000 HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer phx_fakefullaccesskey0000000000000000000000000001\r\n\r\n"
            )
            client.recv(1)  # the answer has begun ...
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()  # ... and the client resets the connection
        # the server still answers, and a request after the resets shows it handled them
        with socket.create_connection(("127.0.0.1", port)) as after:
            after.sendall(b"GET /_fake/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert after.recv(12).startswith(b"HTTP/1.")
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=120)
    assert "Traceback" not in stderr and "Exception occurred" not in stderr, stderr
