"""The typer-free completion path answers exactly as typer would, for every shell."""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import typer

from expctl.cli.framework import fastcomplete
from expctl.cli.framework.options import complete_experiment
from expctl.cli.framework.registry import COMMANDS, TAKES_EXPERIMENTS, TAKES_ONE_EXPERIMENT
from expctl.cli.state.flag_keys import FlagKeyCache
from expctl.main import COMPLETE_VAR, main
from tests.support.cli import moved_clock

HOST = "http://127.0.0.1:8010"


@pytest.fixture
def cached_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"EXPCTL_CACHE_DIR": str(tmp_path / "cache"), "EXPCTL_CONFIG_DIR": str(tmp_path / "config")}
    env |= {"EXPCTL_HOST": HOST, "EXPCTL_PROJECT": "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    FlagKeyCache.for_target(env, HOST, "1").update(
        [
            {"id": 1, "feature_flag_key": "checkout-redesign", "name": "Checkout redesign"},
            {"id": 2, "feature_flag_key": "pricing-copy", "name": "Pricing: page copy"},
            {"id": 3, "feature_flag_key": "pricing-v2", "name": 'Pricing "v2" $'},
        ]
    )
    return env


def _shell_env(shell: str, line: str) -> dict[str, str]:
    """What each completion script puts in the environment for ``line``."""
    if shell == "bash":
        words = line.split()
        cword = len(words) if line.endswith(" ") else len(words) - 1
        return {COMPLETE_VAR: "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword)}
    env = {COMPLETE_VAR: f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line}
    if shell == "powershell":
        env["_TYPER_COMPLETE_WORD_TO_COMPLETE"] = "" if line.endswith(" ") else line.rsplit(maxsplit=1)[-1]
    return env


LINES = [
    "expctl ",
    "expctl li",
    "expctl l",
    "expctl get ",
    "expctl get pri",
    "expctl get 2",
    "expctl get nothing-like-it",
    "expctl delete checkout-redesign pri",
    "expctl export ",
    "expctl results che",
]
SHELLS = ["bash", "zsh", "powershell", "fish:get-args", "fish:is-args"]


def _typer_answer(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[str, int]:
    monkeypatch.setattr(fastcomplete, "answer", lambda env, instruction: None)
    code = main([])
    return capsys.readouterr().out, code


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("line", LINES)
def test_fast_answers_equal_typers(
    shell: str,
    line: str,
    cached_keys: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name, _, fish_action = shell.partition(":")
    env = _shell_env(name, line)
    if fish_action:
        env["_TYPER_COMPLETE_FISH_ACTION"] = fish_action
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    fast = fastcomplete.answer(dict(env, **cached_keys), env[COMPLETE_VAR])
    assert fast is not None, "this line should take the fast path"
    assert (fast.text, fast.exit_code) == _typer_answer(monkeypatch, capsys)


@pytest.mark.parametrize(
    "line",
    ["expctl list --arc", "expctl --debug get pri", "expctl config ", "expctl get checkout-redesign ", "expctl zzz"],
)
def test_everything_else_is_left_to_typer(line: str, cached_keys: dict[str, str]) -> None:
    env = dict(_shell_env("zsh", line), **cached_keys)
    assert fastcomplete.answer(env, env[COMPLETE_VAR]) is None


def test_script_generation_is_left_to_typer() -> None:
    assert fastcomplete.answer({}, "source_bash") is None


def _experiment_arity(entry_module: str, attr: str) -> str:
    """'one', 'many' or '' from the command's first argument, read off its signature."""
    import importlib

    app = getattr(importlib.import_module(entry_module), attr)
    if len(app.registered_commands) > 1:
        return ""  # a group: its first argument is a subcommand
    callback = app.registered_commands[0].callback if app.registered_commands else None
    if callback is None:
        return ""
    hints = typing.get_type_hints(callback, include_extras=True)
    for hint in hints.values():
        for info in getattr(hint, "__metadata__", ()):
            if isinstance(info, typer.models.ArgumentInfo):
                if info.autocompletion is not complete_experiment:
                    return ""
                value_type = hint.__origin__  # the type inside Annotated, maybe `list[str] | None`
                candidates = (value_type, *typing.get_args(value_type))
                return "many" if any(typing.get_origin(t) is list for t in candidates) else "one"
    return ""


@pytest.mark.parametrize("entry", COMMANDS, ids=lambda e: e.name)
def test_registry_knows_which_commands_take_experiments(entry: typing.Any) -> None:
    expected = "many" if entry.name in TAKES_EXPERIMENTS else "one" if entry.name in TAKES_ONE_EXPERIMENT else ""
    assert _experiment_arity(entry.module, entry.attr) == expected


def _complete_in_a_fresh_process(line: str, cached_keys: dict[str, str]) -> tuple[str, list[str]]:
    """zsh's answer for ``line``, and which heavy modules answering it loaded."""
    code = (
        "import sys, json\n"
        "from expctl.main import main\n"
        "main([])\n"
        "heavy = sorted(m for m in ('typer', 'httpx', 'yaml', 'keyring', 'rich') if m in sys.modules)\n"
        "sys.stderr.write(json.dumps(heavy))\n"
    )
    env = moved_clock() | _shell_env("zsh", line) | cached_keys
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout, json.loads(result.stderr.strip().splitlines()[-1])


def test_fast_completion_loads_neither_typer_nor_httpx(cached_keys: dict[str, str]) -> None:
    answer, heavy = _complete_in_a_fresh_process("expctl get pri", cached_keys)
    assert "pricing-copy" in answer
    assert heavy == []


def test_help_without_markup_skips_rich_and_reads_the_same() -> None:
    import types

    import typer._completion_classes as completion_classes

    from expctl.cli.framework.typer_compat import skip_rich_for_plain_help

    original = completion_classes._sanitize_help_text
    module = types.SimpleNamespace(_sanitize_help_text=original)
    skip_rich_for_plain_help(module)
    for text in ("List archived experiments instead.", "Output format: table, plain, json", "a: b $ `c` 'd'"):
        assert module._sanitize_help_text(text) == original(text)
    assert module._sanitize_help_text("[bold]Bold[/bold] move") == original("[bold]Bold[/bold] move") == "Bold move"


def test_option_completion_through_typer_does_not_load_rich(cached_keys: dict[str, str]) -> None:
    answer, heavy = _complete_in_a_fresh_process("expctl list --arc", cached_keys)
    assert '"--archived":"List archived experiments instead."' in answer
    assert heavy == ["typer"]
