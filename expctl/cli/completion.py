"""completion: print the shell completion script for bash, zsh, fish or PowerShell."""

from __future__ import annotations

from typing import Annotated

import typer

from expctl.cli.options import examples, new_app

completion_app = new_app()

SHELLS = ("bash", "zsh", "fish", "powershell")
INSTALL = {
    "bash": "expctl completion bash > ~/.local/share/bash-completion/completions/expctl",
    "zsh": 'expctl completion zsh > "${fpath[1]}/_expctl"   # then restart zsh (compinit picks it up)',
    "fish": "expctl completion fish > ~/.config/fish/completions/expctl.fish",
    "powershell": "expctl completion powershell >> $PROFILE",
}


def script(shell: str) -> str:
    """The completion script; the committed files in completions/ are exactly these."""
    from typer._completion_shared import get_completion_script

    from expctl.main import COMPLETE_VAR

    return get_completion_script(prog_name="expctl", complete_var=COMPLETE_VAR, shell=shell).strip() + "\n"


@completion_app.command(
    "completion",
    epilog=examples(*INSTALL.values()),
)
def completion_command(
    shell: Annotated[str, typer.Argument(help="bash, zsh, fish or powershell.", metavar="SHELL", show_default=False)],
) -> None:
    """Print the shell completion script.

    For bash, zsh, fish or PowerShell; see the examples for where to put it. Completion
    covers commands, options and experiment flag keys. Keys come from a local cache that
    `expctl list` refreshes (it never calls PostHog while you press Tab).
    """
    from expctl.errors import UsageError

    if shell not in SHELLS:
        raise UsageError(f"unknown shell {shell!r}", hint=f"choose one of: {', '.join(SHELLS)}")
    typer.echo(script(shell), nl=False)
