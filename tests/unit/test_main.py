"""Global options work before or after the subcommand."""

from __future__ import annotations

import pytest

from expctl.main import hoist_global_options


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["list", "--project", "2"], ["--project", "2", "list"]),
        (["list", "--project=2", "-o", "json"], ["--project=2", "list", "-o", "json"]),
        (["--debug", "list", "--host", "h"], ["--debug", "--host", "h", "list"]),
        (["get", "42", "--debug"], ["--debug", "get", "42"]),
        (["auth", "login", "--profile", "eu", "--with-token"], ["--profile", "eu", "auth", "login", "--with-token"]),
        (["api", "GET", "/x", "--", "--project", "3"], ["api", "GET", "/x", "--", "--project", "3"]),
        (["--project", "2", "list"], ["--project", "2", "list"]),
        ([], []),
    ],
)
def test_hoisting(argv: list[str], expected: list[str]) -> None:
    assert hoist_global_options(argv) == expected
