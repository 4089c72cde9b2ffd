"""Entry point: ``expctl`` and ``python -m expctl``.

Three things happen before typer sees the arguments: ``--version`` alone is answered at
once (it is run thousands of times by scripts and needs nothing else); global options
written after the subcommand (``expctl list --project 2``, the way gh and kubectl allow)
are moved in front of it, where the root command parses them; and a plain ``list``,
``get`` or ``results`` runs without typer at all (``cli/quick``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from expctl import COMPLETE_VAR

GLOBAL_VALUE_OPTIONS = frozenset(
    {"--host", "--project", "-p", "--profile", "--env", "--timeout", "--max-wait", "--rate-limit", "--ca-bundle"}
)
GLOBAL_FLAG_OPTIONS = frozenset({"--debug", "--allow-insecure-http"})


def hoist_global_options(argv: Sequence[str]) -> list[str]:
    """Move global options found after the subcommand to before it (up to ``--``)."""
    args = list(argv)
    index = 0
    while index < len(args):
        token = args[index]
        if token in GLOBAL_VALUE_OPTIONS:
            index += 2
            continue
        if token.startswith("-"):
            index += 1
            continue
        break
    command_at = index
    if command_at >= len(args):
        return args
    before, after = args[:command_at], args[command_at:]
    moved: list[str] = []
    kept: list[str] = []
    position = 0
    while position < len(after):
        token = after[position]
        if token == "--":
            kept.extend(after[position:])
            break
        name = token.split("=", 1)[0]
        if name in GLOBAL_VALUE_OPTIONS and position > 0:
            if "=" in token:
                moved.append(token)
                position += 1
            else:
                moved.extend(after[position : position + 2])
                position += 2
            continue
        if token in GLOBAL_FLAG_OPTIONS and position > 0:
            moved.append(token)
            position += 1
            continue
        kept.append(token)
        position += 1
    return before + moved + kept


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        from expctl import __version__

        sys.stdout.write(f"expctl {__version__}\n")
        return 0
    instruction = os.environ.get(COMPLETE_VAR)
    if instruction:
        from expctl.cli.framework.fastcomplete import answer

        quick = answer(os.environ, instruction)
        if quick is not None:
            sys.stdout.write(quick.text)
            return quick.exit_code
    from expctl import gcpolicy

    gcpolicy.defer_during_startup()
    try:
        return _run(args, completing=bool(instruction))
    finally:
        gcpolicy.finish()


def _run(args: list[str], *, completing: bool) -> int:
    hoisted = hoist_global_options(args)
    if not completing:
        from expctl.cli.quick.entry import run_quick

        quick = run_quick(hoisted)  # list, get and results without typer, when plain
        if quick is not None:
            return _flushed(quick)
    import typer

    from expctl.cli.framework.app import app, tidy_metavars

    if completing:
        # Shell completion (the scripts in completions/) calls back into expctl with this
        # variable set; typer registers its completion formats only on request.
        from expctl.cli.framework.typer_compat import init_completion

        init_completion()
    command = typer.main.get_command(app)
    tidy_metavars(command)
    code: int = 0
    try:
        command.main(args=hoisted, prog_name="expctl", complete_var=COMPLETE_VAR, standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return _flushed(code)


def _flushed(code: int) -> int:
    """``code``, once the last of the output is written (or its reader went away)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): that is not an error, and nothing is left to say.
        _silence_stdout()
    except OSError as exc:  # the last of the output did not fit (`> /dev/full`, a full disk)
        _silence_stdout()
        sys.stderr.write(f"error: could not write to standard output: {exc.strerror or exc}\n")
        return 11  # ExitCode.LOCAL_WRITE, without importing the error table at start-up
    return code


def _silence_stdout() -> None:
    from expctl.cli.framework.failures import silence_stdout

    silence_stdout()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
