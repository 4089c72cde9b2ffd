"""Questions to the person at the terminal, and the flags that answer them in scripts.

Without a TTY (or under ``CI=true``) nothing is ever asked: a missing answer fails at
once with exit 2, naming the flag that supplies it.
"""

from __future__ import annotations

from expctl.cli.framework.runtime import Runtime
from expctl.errors import CancelledError, ConfirmationRequiredError


def confirm(runtime: Runtime, question: str, *, action: str, assume_yes: bool, flag: str = "--yes") -> None:
    """Return when confirmed; raise CancelledError (3) or ConfirmationRequiredError (2).

    ``action`` names what would happen ("deleting 'X' (id 4)"), for the message shown
    when there is no terminal to ask on.
    """
    if assume_yes:
        return
    if not runtime.interactive:
        raise ConfirmationRequiredError(
            f"{action} needs confirmation, and there is no terminal to ask on",
            hint=f"pass {flag} to confirm",
        )
    stream = runtime.streams.stderr
    stream.write(f"{question} [y/N] ")
    stream.flush()
    answer = runtime.streams.stdin.readline()
    if answer.strip().lower() not in ("y", "yes"):
        raise CancelledError("cancelled; nothing was changed")


def secret(runtime: Runtime, prompt: str, *, flag: str) -> str:
    """Read a secret without echo; only on a terminal."""
    if not runtime.interactive:
        raise ConfirmationRequiredError(
            "there is no terminal to type the API key on",
            hint=f'pipe it instead: echo "$KEY" | expctl auth login {flag}',
        )
    import getpass

    try:
        return getpass.getpass(prompt, stream=runtime.streams.stderr)
    except EOFError:
        raise CancelledError("no key entered") from None
