"""One exit-code table, and messages that say what to do next."""

from __future__ import annotations

import io

from expctl.cli.framework.failures import write_error
from expctl.cli.framework.messages import Messages
from expctl.errors import (
    EXIT_CODE_MEANINGS,
    ApiAuthError,
    ApiNotFoundError,
    ApiRejectedError,
    ApiUnavailableError,
    ConfirmationRequiredError,
    ExitCode,
    IllegalTransitionError,
)


def test_every_exit_code_has_a_meaning() -> None:
    assert set(EXIT_CODE_MEANINGS) == set(ExitCode)


def test_error_classes_map_to_their_codes() -> None:
    assert ApiAuthError("x").exit_code == 4
    assert ApiNotFoundError("x").exit_code == 5
    assert ApiRejectedError("x").exit_code == 6
    assert IllegalTransitionError("x").exit_code == 6
    assert ApiUnavailableError("x").exit_code == 7
    assert ConfirmationRequiredError("x").exit_code == 2


def test_report_prints_one_line_and_redacts_the_key() -> None:
    stream = io.StringIO()
    messages = Messages(stream, color=False)
    messages.add_secret("phx_secret")
    code = write_error(ApiAuthError("key phx_secret refused", hint="run `expctl auth login`"), messages)
    assert code == 4
    assert stream.getvalue() == "error: key [REDACTED] refused; run `expctl auth login`\n"


def test_unexpected_errors_are_one_line_without_debug() -> None:
    stream = io.StringIO()
    code = write_error(ValueError("boom"), Messages(stream, color=False))
    assert code == 1
    assert stream.getvalue() == "error: unexpected error (ValueError: boom); run again with --debug for details\n"


def test_unexpected_errors_show_the_traceback_with_debug() -> None:
    stream = io.StringIO()
    try:
        raise ValueError("boom")
    except ValueError as exc:
        write_error(exc, Messages(stream, color=False, debug=True))
    assert "Traceback" in stream.getvalue()
