"""The options of the root and of ``list``, ``get`` and ``results``, as data.

The same options as the typer declarations (``cli/framework/app.py``,
``cli/commands/experiments.py``, ``cli/commands/results.py``); a test compares them
one by one, so a new option there fails until it is written here too.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal["value", "flag", "repeated", "argument"]
ValueType = Literal["str", "int", "float"]


class Param(NamedTuple):
    """One option (or the positional argument) and how its value is read."""

    name: str  # the keyword the command's function takes
    flags: tuple[str, ...]  # () for the positional argument
    kind: Kind
    type: ValueType = "str"
    minimum: int | None = None  # below it, typer says what is wrong


def _value(name: str, *flags: str, type: ValueType = "str", minimum: int | None = None) -> Param:
    return Param(name, flags, "value", type, minimum)


def _flag(name: str, *flags: str) -> Param:
    return Param(name, flags, "flag")


def _repeated(name: str, *flags: str) -> Param:
    return Param(name, flags, "repeated")


EXPERIMENT = Param("experiment", (), "argument")
OUTPUT = _value("output", "--output", "-o")
COLUMNS = _value("columns", "--columns")

ROOT: tuple[Param, ...] = (
    _value("host", "--host"),
    _value("project", "--project", "-p"),
    _value("profile", "--profile"),
    _value("env", "--env"),
    _flag("debug", "--debug"),
    _value("timeout", "--timeout", type="float"),
    _value("max_wait", "--max-wait", type="float"),
    _value("rate_limit", "--rate-limit"),
    _value("ca_bundle", "--ca-bundle"),
    _flag("allow_insecure_http", "--allow-insecure-http"),
)

COMMANDS: dict[str, tuple[Param, ...]] = {
    "list": (
        _value("status", "--status"),
        _flag("archived", "--archived"),
        _value("search", "--search"),
        _value("created_by", "--created-by", type="int"),
        _repeated("tag", "--tag"),
        _repeated("exclude_tag", "--exclude-tag"),
        _value("order", "--order"),
        _value("limit", "--limit", type="int", minimum=1),
        _value("offset", "--offset", type="int", minimum=0),
        _flag("all_", "--all"),
        OUTPUT,
        COLUMNS,
    ),
    "get": (EXPERIMENT, OUTPUT, COLUMNS),
    "results": (
        EXPERIMENT,
        _flag("refresh", "--refresh"),
        _repeated("fail_on", "--fail-on"),
        _value("watch", "--watch", type="int"),
        _flag("history", "--history"),
        OUTPUT,
    ),
}
