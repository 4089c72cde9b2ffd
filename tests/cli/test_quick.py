"""The quick path (cli/quick): list, get and results without typer, the same as with it.

Three kinds of proof: the quick table is the typer commands' options, option by option;
a plain command line answers exactly as typer answers it (exit code, stdout, stderr) on
both eras; anything that is not plain is left to typer. tests/e2e/test_quick_entry.py
shows that the installed entry point does not import typer for them.
"""

from __future__ import annotations

import inspect
import os
import re
from typing import Any

import pytest

from expctl.cli.quick.argv import parse
from expctl.cli.quick.entry import BODIES
from expctl.cli.quick.table import COMMANDS, ROOT
from expctl.main import hoist_global_options
from tests.cli.conftest import InProcess, invoke
from tests.fakeposthog import FULL_KEY


def _typer_commands() -> dict[str, Any]:
    import typer.main

    from expctl.cli.framework.app import app, tidy_metavars
    from expctl.cli.framework.typer_compat import click_context

    root = typer.main.get_command(app)
    tidy_metavars(root)
    context = click_context(root)
    return {"": root, **{name: root.get_command(context, name) for name in COMMANDS}}


def _as_param(click_param: Any) -> tuple[str, tuple[str, ...], str, str, Any]:
    from expctl.cli.framework.typer_compat import value_type

    if type(click_param).__name__ == "TyperArgument":
        return (click_param.name, (), "argument", "str", _bounds(click_param))
    kind = "flag" if click_param.is_flag else ("repeated" if click_param.multiple else "value")
    shown_type = "str" if kind == "flag" else value_type(click_param)
    return (click_param.name, tuple(click_param.opts), kind, shown_type, _bounds(click_param))


def _bounds(click_param: Any) -> tuple[Any, Any]:
    """(min, max) of a number option: on typer 0.29 in its parameter info, on 0.28 in click's range type."""
    descriptor = getattr(click_param, "type_descriptor", None)
    if descriptor is not None:
        return (descriptor.parameter_info.min, descriptor.parameter_info.max)
    kind = getattr(click_param, "type", None)
    return (getattr(kind, "min", None), getattr(kind, "max", None))


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_the_quick_table_is_the_typer_commands_options(name: str) -> None:
    typer_params = [_as_param(p) for p in _typer_commands()[name].params if p.name != "version"]
    table = ROOT if name == "" else COMMANDS[name]
    assert [(p.name, p.flags, p.kind, p.type, (p.minimum, None)) for p in table] == typer_params
    assert not any(p.secondary_opts for p in _typer_commands()[name].params), "a --no-X form is not in the table"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_quick_functions_take_the_typer_functions_defaults(name: str) -> None:
    """What is not on the command line is the function's default: typer's and the body's agree."""
    import importlib

    module, attribute = BODIES[name]
    body = inspect.signature(getattr(importlib.import_module(module), attribute)).parameters
    command = _typer_commands()[name]
    for param in command.params:
        if not param.required:
            default = param.default if not param.multiple or param.default else None
            assert body[param.name].default == default, param.name


def test_the_minimums_are_typer_s() -> None:
    """Below a minimum the quick path steps aside and typer refuses; at it both take it."""
    project = InProcess("cloud")
    for param in (p for p in COMMANDS["list"] if p.minimum is not None):
        flag = param.flags[0]
        assert param.minimum is not None
        assert parse(["list", flag, str(param.minimum - 1)]) is None
        refused = project.run("list", flag, str(param.minimum - 1))
        assert refused.returncode == 2 and "range" in refused.stderr, refused
        assert parse(["list", flag, str(param.minimum)]) is not None


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--help"],
        ["list", "-h"],
        ["list", "--limitx", "3"],
        ["list", "-oj"],
        ["list", "--limit", "three"],
        ["list", "--limit"],
        ["list", "--archived=yes"],
        ["list", "--", "x"],
        ["list", "extra"],
        ["get"],
        ["get", "a", "b"],
        ["results", "42", "--watch", "1.5"],
        ["--version", "list"],
        ["--unknown", "list"],
        ["update", "42"],
        [],
    ],
)
def test_what_is_not_plain_is_left_to_typer(args: list[str]) -> None:
    assert parse(args) is None


def test_a_plain_command_line_is_read_as_typer_reads_it() -> None:
    parsed = parse(
        ["--project", "2", "--debug", "--timeout=5", "list", "--tag", "a", "--tag=b", "-o", "json", "--limit", "7"]
    )
    assert parsed is not None
    assert parsed.name == "list"
    assert parsed.root == {"project": "2", "debug": True, "timeout": 5.0}
    assert parsed.values == {"tag": ["a", "b"], "output": "json", "limit": 7}
    assert parse(["results", "--history", "checkout-redesign"]) == (
        "results",
        {},
        {"history": True, "experiment": "checkout-redesign"},
    )


SAME_ANSWERS = [
    ["list"],
    ["list", "-o", "json"],
    ["list", "--all", "-o", "jsonl"],
    ["list", "--status", "running", "-o", "plain"],
    ["list", "--limit", "2", "--offset=1", "--columns", "id,flag,status"],
    ["list", "--tag", "checkout", "--tag", "pricing", "--exclude-tag", "q3", "-o", "yaml"],
    ["list", "--archived", "--order", "-created_at"],
    ["list", "--search", "-x"],
    ["list", "--status", "bogus"],
    ["list", "--project", "1", "--search", "check"],
    ["--env", "../outside", "list"],
    ["--env", "prod", "--profile", "staging", "list"],
    ["get", "checkout-redesign"],
    ["get", "checkout-redesign", "-o", "json"],
    ["get", "no-such-flag"],
    ["--timeout", "5", "get", "pricing-copy", "-o", "yaml"],
    ["results", "checkout-redesign"],
    ["results", "checkout-redesign", "-o", "json"],
    ["results", "checkout-redesign", "-o", "markdown", "--fail-on", "srm", "--fail-on", "loser"],
    ["results", "checkout-redesign", "--history", "-o", "json"],
    ["results", "checkout-redesign", "--watch", "2"],
    ["results", "pricing-copy"],
    ["results", "pricing-copy", "--fail-on", "insufficient-data"],
]


@pytest.mark.parametrize("flavour", ["cloud", "legacy"])
def test_the_quick_path_answers_as_typer_does(flavour: str) -> None:
    project = InProcess(flavour)
    env = {"EXPCTL_HOST": "http://127.0.0.1:8000", "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": FULL_KEY}
    for args in SAME_ANSWERS:
        assert parse(hoist_global_options(args)) is not None, args
        environ = {**os.environ, **env}
        by_typer = invoke(environ, project.transport, args, clock=project.clock, quick=False)
        quick = invoke(environ, project.transport, args, clock=project.clock)
        assert (quick.returncode, _unstamped(quick.stdout), quick.stderr) == (
            by_typer.returncode,
            _unstamped(by_typer.stdout),
            by_typer.stderr,
        ), args


def _unstamped(text: str) -> str:
    """The legacy era's stand-in stamps computed results with the moment they were computed."""
    return re.sub(r'"last_refresh": ?"[^"]*"', '"last_refresh": ""', text)


def _clean_environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_ctrl_c_while_closing_ends_quietly_with_130_as_typer_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the output, the runtime saves the send log and the caches; a Ctrl-C there is
    no traceback (found by a fresh-eyes trial with a cache file that blocked)."""
    from expctl.cli.framework.runtime import Runtime

    def interrupted(self: Runtime) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Runtime, "close", interrupted)
    project = InProcess("cloud")
    env = {**os.environ, "EXPCTL_HOST": "http://127.0.0.1:8000", "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": FULL_KEY}
    outcome = invoke(env, project.transport, ["list", "-o", "ids"], clock=project.clock)
    assert (outcome.returncode, outcome.stderr) == (130, "")
    assert outcome.stdout.split(), "the listing was out before the Ctrl-C"
