"""The one place where an exception becomes a line on stderr and an exit code."""

from __future__ import annotations

import traceback

from expctl.cli.framework.messages import Messages
from expctl.errors import ApprovalRequiredError, ExitCode, ExpctlError

ISSUES_HINT = "run again with --debug for details"


def write_error(exc: BaseException, messages: Messages) -> int:
    """Print what went wrong and what to do next; return the documented exit code."""
    if isinstance(exc, ApprovalRequiredError):  # an outcome of its own, not a failure
        messages.warn(f"{exc.message}; {exc.hint}" if exc.hint else exc.message)
        return int(exc.exit_code)
    if isinstance(exc, ExpctlError):
        if exc.message:  # an empty one was explained on screen already
            messages.error(exc.message, exc.hint)
        return int(exc.exit_code)
    if isinstance(exc, KeyboardInterrupt):
        messages.error("interrupted")
        return int(ExitCode.INTERRUPTED)
    if messages.debug_enabled:
        messages.debug("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip())
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    messages.error(f"unexpected error ({detail})", None if messages.debug_enabled else ISSUES_HINT)
    return int(ExitCode.ERROR)


def silence_stdout() -> None:
    """After the reader went away (``| head``), send further output nowhere, quietly."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
