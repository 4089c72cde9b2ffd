"""What the errors tests share, in process and end to end."""

from __future__ import annotations

from tests.support.cli import Result


def assert_one_error_line(result: Result, *, code: int, contains: str) -> None:
    assert result.returncode == code, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert contains in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
