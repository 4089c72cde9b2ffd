"""Shell completion for the two commonest Tab presses, answered without importing typer.

Why: completion runs on every Tab, and the issue asks for under 100 ms. Going through
typer costs its import (~75 ms here) and, for zsh, fish and PowerShell, rich as well
(typer passes every help text through rich: ~250 ms in all). A command name or an
EXPERIMENT argument needs neither: the names come from the registry and the flag keys
from the local cache. Anything else (options, subcommands, global flags) returns None
and takes typer's path, so behaviour never depends on this module knowing every case.

The answers match typer's own byte for byte (tests/unit/test_fastcomplete.py compares
them for every shell); the protocol is typer's: ``_EXPCTL_COMPLETE=complete_<shell>``
with ``COMP_WORDS``/``COMP_CWORD`` (bash) or ``_TYPER_COMPLETE_ARGS`` (the others).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from expctl.cli.framework.registry import BY_NAME, COMMANDS, TAKES_EXPERIMENTS, TAKES_ONE_EXPERIMENT


class Answer(NamedTuple):
    text: str  # what to print on stdout ("" prints nothing)
    exit_code: int


def answer(env: Mapping[str, str], instruction: str) -> Answer | None:
    """The completion for ``instruction`` (e.g. ``complete_zsh``), or None for typer."""
    kind, _, shell = instruction.partition("_")
    if kind != "complete":
        return None
    words = _words(env, shell)
    if words is None:
        return None
    args, incomplete = words
    if incomplete.startswith("-") or any(arg.startswith("-") for arg in args):
        return None  # options: typer knows them
    items = _candidates(args, incomplete)
    if items is None:
        return None
    return _format(env, shell, items)


def _candidates(args: list[str], incomplete: str) -> list[tuple[str, str]] | None:
    if not args:
        names = [(entry.name, entry.summary) for entry in COMMANDS if entry.name.startswith(incomplete)]
        return names or None  # nothing matches: let typer decide what to offer
    command = args[0]
    if command not in BY_NAME:
        return None
    if command in TAKES_EXPERIMENTS or (command in TAKES_ONE_EXPERIMENT and len(args) == 1):
        from expctl.cli.framework.completion_source import cached_experiments

        return cached_experiments(incomplete)
    return None


def _words(env: Mapping[str, str], shell: str) -> tuple[list[str], str] | None:
    """Split the command line the way typer's completion classes do."""
    if shell == "bash":
        words = _split(env.get("COMP_WORDS", ""))
        try:
            cword = int(env.get("COMP_CWORD", ""))
        except ValueError:
            return None
        return words[1:cword], (words[cword] if cword < len(words) else "")
    line = env.get("_TYPER_COMPLETE_ARGS", "")
    words = _split(line)
    if shell in ("powershell", "pwsh"):
        incomplete = env.get("_TYPER_COMPLETE_WORD_TO_COMPLETE", "")
        return (words[1:-1] if incomplete else words[1:]), incomplete
    if shell in ("zsh", "fish"):
        args = words[1:]
        if args and not line.endswith(" "):
            return args[:-1], args[-1]
        return args, ""
    return None


def _split(line: str) -> list[str]:
    """shlex, tolerating an unfinished quote or escape (the word being typed)."""
    import shlex

    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    out: list[str] = []
    try:
        out.extend(lexer)
    except ValueError:
        out.append(lexer.token)
    return out


def _format(env: Mapping[str, str], shell: str, items: list[tuple[str, str]]) -> Answer | None:
    if shell == "bash":
        return Answer("\n".join(value for value, _ in items) + "\n", 0)
    if shell == "zsh":
        if not items:
            return Answer("_files\n", 0)
        rows = "\n".join(f'"{_zsh(value)}":"{_zsh(text)}"' if text else f'"{_zsh(value)}"' for value, text in items)
        return Answer(f"_arguments '*: :(({rows}))'\n", 0)
    if shell == "fish":
        action = env.get("_TYPER_COMPLETE_FISH_ACTION", "")
        if action == "is-args":
            return Answer("", 0 if items else 1)
        if action == "get-args":
            lines = [value + "\t" + re.sub(r"\s", " ", text) if text else value for value, text in items]
            return Answer("\n".join(lines) + "\n", 0)
        return None
    if shell in ("powershell", "pwsh"):
        return Answer("\n".join(f"{value}:::{text or ' '}" for value, text in items) + "\n", 0)
    return None


def _zsh(text: str) -> str:
    return text.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")
