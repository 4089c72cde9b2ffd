"""Read a plain command line for the quick path, or say it is not plain (``None``).

Plain means: root options, then ``list``, ``get`` or ``results``, then that command's
options and its one argument, each option written ``--name VALUE``, ``--name=VALUE`` or
``-o VALUE``, every value one typer would take (the token after an option is its value,
as for click: ``--order -created_at``). Whatever else a person may write (help, ``--``,
a misspelt or bundled option, a number typer refuses) is left to typer, so that every
mistake is said the one way typer says it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from expctl.cli.quick.table import COMMANDS, ROOT, Param


class QuickCommand(NamedTuple):
    name: str
    root: dict[str, Any]  # GlobalOptions' fields that were given
    values: dict[str, Any]  # the command function's keywords that were given


def parse(args: Sequence[str]) -> QuickCommand | None:
    """``args`` with the global options already in front (main.hoist_global_options)."""
    at = 0
    while at < len(args) and args[at].startswith("-"):
        at += 1 if args[at] in _FLAGS_OF_ROOT or "=" in args[at] else 2
    if at >= len(args) or args[at] not in COMMANDS:
        return None
    root = _read(args[:at], ROOT)
    values = _read(args[at + 1 :], COMMANDS[args[at]])
    if root is None or values is None:
        return None
    return QuickCommand(args[at], root, values)


_FLAGS_OF_ROOT = frozenset(flag for param in ROOT if param.kind == "flag" for flag in param.flags)


def _read(tokens: Sequence[str], params: Sequence[Param]) -> dict[str, Any] | None:
    by_flag = {flag: param for param in params for flag in param.flags}
    positional = [param for param in params if param.kind == "argument"]
    values: dict[str, Any] = {}
    arguments: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token.startswith("-") or token == "-":
            arguments.append(token)
            continue
        name, equals, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        param = by_flag.get(name)
        if param is None:
            return None
        if param.kind == "flag":
            if equals:
                return None
            values[param.name] = True
            continue
        if equals:
            raw = attached
        elif index < len(tokens):
            raw = tokens[index]
            index += 1
        else:
            return None
        value = _convert(raw, param)
        if value is None:
            return None
        if param.kind == "repeated":
            values.setdefault(param.name, []).append(value)
        else:
            values[param.name] = value
    if len(arguments) != len(positional):
        return None
    values.update({param.name: raw for param, raw in zip(positional, arguments, strict=True)})
    return values


def _convert(raw: str, param: Param) -> Any:
    """The value as typer converts it, or None where typer would refuse it."""
    try:
        if param.type == "int":
            number = int(raw)
            return None if param.minimum is not None and number < param.minimum else number
        if param.type == "float":
            return float(raw)
    except ValueError:
        return None
    return raw
