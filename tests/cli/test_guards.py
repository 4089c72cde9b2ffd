"""Guards: help text and examples everywhere, registry in sync, no heavy imports at start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from expctl.cli.framework.app import app
from expctl.cli.framework.registry import COMMANDS

runner = CliRunner()


def _subcommands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []
    for entry in COMMANDS:
        command = root.get_command(None, entry.name)  # type: ignore[arg-type]
        sub = getattr(command, "commands", None)
        if sub:
            found.extend((entry.name, name) for name in sub)
        found.append((entry.name,))
    return found


@pytest.mark.parametrize("path", _subcommands(), ids=" ".join)
def test_every_command_has_summary_description_and_example(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], prog_name="expctl")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Usage: expctl" in text
    assert "Examples:" in text or "Commands:" in text, f"{path} --help shows no example"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert len(lines) > 4


def test_registry_summaries_match_the_commands() -> None:
    root = typer.main.get_command(app)
    for entry in COMMANDS:
        command = root.get_command(None, entry.name)  # type: ignore[arg-type]
        assert command is not None
        assert command.get_short_help_str(200).rstrip(".") == entry.summary, entry.name


def test_help_version_and_offline_plan_do_not_import_httpx_yaml_or_keyring() -> None:
    code = (
        "import sys\n"
        "from expctl.main import main\n"
        "plan = ['plan', '--baseline-rate', '0.1', '--mde', '5%', '-o', 'json']  # offline: arithmetic only\n"
        "for args in (['--help'], ['list', '--help'], ['auth', '--help'], plan):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = sorted(m for m in ('httpx', 'yaml', 'keyring', 'rich', 'httpcore') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in result.stdout, result.stdout[-300:]


def test_importing_the_app_loads_no_command_module() -> None:
    code = (
        "import sys\nimport expctl.cli.framework.app\n"
        "print(sorted(m for m in sys.modules if m.startswith(('expctl.cli.commands', 'expctl.cli.state'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_version() -> None:
    from expctl import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"expctl {__version__}\n"


def test_column_names_in_help_match_the_columns() -> None:
    from expctl.cli.framework.options import COLUMN_NAMES_HELP
    from expctl.render.columns import EXPERIMENT_COLUMNS

    assert ", ".join(EXPERIMENT_COLUMNS) == COLUMN_NAMES_HELP

    from expctl.cli.commands.flags import FLAG_COLUMN_NAMES_HELP
    from expctl.render.flags import FLAG_COLUMNS

    assert ", ".join(FLAG_COLUMNS) == FLAG_COLUMN_NAMES_HELP


def _options() -> list[tuple[str, object]]:
    """(command path, option) for every value-taking option of every command."""
    root = typer.main.get_command(app)
    found: list[tuple[str, object]] = []

    def walk(command: object, path: str) -> None:
        for param in getattr(command, "params", []):
            if type(param).__name__ == "TyperOption" and not param.is_flag:
                found.append((path, param))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    for entry in COMMANDS:
        walk(root.get_command(None, entry.name), f"expctl {entry.name}")  # type: ignore[arg-type]
    return found


def test_placeholders_say_what_the_value_is() -> None:
    """SECONDS only where the value is seconds; rates and percentages say so."""
    wrong = []
    for path, option in _options():
        metavar, help_text = option.metavar, (option.help or "").lower()  # type: ignore[attr-defined]
        if metavar == "SECONDS" and "second" not in help_text:
            wrong.append(f"{path} {option.opts[0]} {metavar}")  # type: ignore[attr-defined]
        if metavar in ("RATE", "EFFECT") and "%" not in help_text:
            wrong.append(f"{path} {option.opts[0]}: a rate's help gives both forms (0.10 or 10%)")  # type: ignore[attr-defined]
    assert wrong == []
    plan = {option.opts[0]: option.metavar for path, option in _options() if path == "expctl plan"}  # type: ignore[attr-defined]
    assert plan == {
        "--baseline-rate": "RATE",
        "--baseline-mean": "MEAN",
        "--baseline-stddev": "STDDEV",
        "--mde": "EFFECT",
        "--variants": "N",
        "--alpha": "RATE",
        "--power": "RATE",
        "--daily-exposures": "N",
        "--output": "FORMAT",
    }
    holdouts = {path: option.metavar for path, option in _options() if option.opts[0] == "--percentage"}  # type: ignore[attr-defined]
    assert holdouts == {"expctl holdouts create": "PERCENT", "expctl holdouts update": "PERCENT"}


def test_every_output_option_lists_exactly_its_commands_modes() -> None:
    from expctl.cli.framework.output_modes import COMMAND_MODES, help_for

    found = {}
    for path, option in _options():
        if option.opts[0] == "--output":  # type: ignore[attr-defined]
            found[path.removeprefix("expctl ")] = option.help  # type: ignore[attr-defined]
    assert set(found) == set(COMMAND_MODES), "every -o is in output_modes.COMMAND_MODES, and nothing else"
    wrong = {path: text for path, text in found.items() if text != help_for(COMMAND_MODES[path])}
    assert wrong == {}
