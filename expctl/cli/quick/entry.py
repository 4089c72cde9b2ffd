"""Run a plain ``list``, ``get`` or ``results`` without importing typer."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from expctl.cli.quick.argv import QuickCommand, parse

if TYPE_CHECKING:
    from expctl.cli.framework.runtime import RuntimeOverrides

# Each quick command's function (module, name): the one its typer command calls.
BODIES = {
    "list": ("expctl.cli.views.experiments", "show_list"),
    "get": ("expctl.cli.views.experiments", "show_experiment"),
    "results": ("expctl.cli.views.results", "show_results"),
}


def run_quick(args: Sequence[str], overrides: RuntimeOverrides | None = None) -> int | None:
    """The exit code, or None when the command line is for typer (see cli/quick/argv)."""
    command = parse(args)
    if command is None:
        return None
    try:
        return _run(command, overrides)
    except KeyboardInterrupt:
        # Ctrl-C while loading or while closing (the output is out; the send log and the
        # caches are being saved): 130 and nothing more said, as typer ends then.
        return 130


def _run(command: QuickCommand, overrides: RuntimeOverrides | None) -> int:
    from expctl.cli.framework.failures import silence_stdout, write_error
    from expctl.cli.framework.messages import Messages
    from expctl.cli.framework.runtime import GlobalOptions, Runtime, checked

    module, name = BODIES[command.name]
    body = getattr(importlib.import_module(module), name)
    runtime: Runtime | None = None
    try:
        runtime = Runtime(checked(GlobalOptions(**command.root)), overrides)
        body(runtime, **command.values)
        return 0
    except BrokenPipeError:
        silence_stdout()
        return 0
    except (Exception, KeyboardInterrupt) as exc:
        messages = runtime.messages if runtime is not None else Messages(sys.stderr, color=False)
        return write_error(exc, messages)
    finally:
        if runtime is not None:
            runtime.close()
