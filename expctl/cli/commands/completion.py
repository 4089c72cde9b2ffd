"""completion: print the shell completion script for bash, zsh, fish or PowerShell."""

from __future__ import annotations

from typing import Annotated

import typer

from expctl.cli.framework.options import examples, new_app

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
    from expctl import COMPLETE_VAR
    from expctl.cli.framework.typer_compat import completion_script

    text = completion_script(prog_name="expctl", complete_var=COMPLETE_VAR, shell=shell).strip() + "\n"
    if shell == "zsh":
        text = _complete_on_first_tab(text)
    return text


_ZSH_REGISTER = "compdef _expctl_completion expctl\n"
_ZSH_REGISTER_OR_RUN = """\
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  # Autoloaded from $fpath on the first Tab: complete now, not only from the second Tab on.
  _expctl_completion "$@"
else
  # Sourced or eval'd: register for later.
  compdef _expctl_completion expctl
fi
"""


def _complete_on_first_tab(text: str) -> str:
    """typer's zsh script only registers its function when it runs. Installed in $fpath
    (as the README says) zsh runs the file on the first Tab, which then completes
    nothing; this makes that first run complete too, as click's own script does."""
    if not text.endswith(_ZSH_REGISTER):
        return text  # a different typer script: leave it as typer wrote it
    return text[: -len(_ZSH_REGISTER)] + _ZSH_REGISTER_OR_RUN


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
