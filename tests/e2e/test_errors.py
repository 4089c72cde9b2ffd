"""Every expected failure: one readable line on stderr, no traceback, the documented exit code.

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_errors.py.
"""

from __future__ import annotations

import socket

from tests.conftest import Server
from tests.support.area_errors import assert_one_error_line


def test_no_key_exits_4(server: Server) -> None:
    env = {"EXPCTL_API_KEY": ""}
    result = server.run("list", env=env)
    assert_one_error_line(result, code=4, contains="no PostHog API key found")
    assert "expctl auth login" in result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_server_down_exits_7_quickly(server: Server) -> None:
    result = server.run("list", env={"EXPCTL_HOST": f"http://127.0.0.1:{_closed_port()}"}, timeout=120)
    assert_one_error_line(result, code=7, contains="cannot connect to http://127.0.0.1:")
    assert "gave up after 3 attempts" in result.stderr
