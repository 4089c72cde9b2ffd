"""The shape issue 35 gave the command line, checked on every run (beside
test_architecture.py): jobs are free of the terminal, commands are thin and stand alone,
private names stay private, and each cross-cutting list has one owner tied to the app."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import typer

PACKAGE = Path(__file__).resolve().parents[2] / "expctl"
JOBS = PACKAGE / "cli" / "jobs"
COMMANDS = PACKAGE / "cli" / "commands"


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_jobs_never_touch_the_terminal() -> None:
    """A job is called and tested without typer, a Runtime or the render layer."""
    forbidden = ("typer", "click", "rich", "expctl.cli.commands", "expctl.cli.framework", "expctl.render")
    wrong = {
        f"{path.name}: {module}"
        for path in JOBS.glob("*.py")
        for module in _imported_modules(path)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    }
    assert not wrong, sorted(wrong)
    assert len(list(JOBS.glob("*.py"))) >= 8, "apply, export, promote, results, history, sizing, report"


def test_no_command_imports_another() -> None:
    wrong = {
        f"{path.name}: {module}"
        for path in COMMANDS.glob("*.py")
        for module in _imported_modules(path)
        if module.startswith("expctl.cli.commands")
    }
    assert not wrong, sorted(wrong)


def test_no_private_name_is_imported_from_another_module() -> None:
    """A ``_name`` is its module's own."""
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("expctl"):
                wrong += [
                    f"{path.relative_to(PACKAGE)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert not wrong, wrong


def _root_options() -> dict[str, Any]:
    from expctl.cli.framework.app import app

    root = typer.main.get_command(app)
    return {opt: param for param in root.params for opt in param.opts if opt.startswith("-")}


def test_the_global_options_are_one_list_the_app_agrees_with() -> None:
    """main.py moves global options found after the subcommand to before it, so its two
    sets must name exactly the root's options (value options and flags), and every one
    must reach the runtime's GlobalOptions."""
    from expctl.cli.framework.runtime import GlobalOptions
    from expctl.main import GLOBAL_FLAG_OPTIONS, GLOBAL_VALUE_OPTIONS

    options = _root_options()
    own = {"--version", "-V", "--help", "--install-completion", "--show-completion"}
    taking_values = {opt for opt, p in options.items() if not p.is_flag and opt not in own}
    flags = {opt for opt, p in options.items() if p.is_flag and opt not in own}
    assert taking_values == GLOBAL_VALUE_OPTIONS
    assert flags == GLOBAL_FLAG_OPTIONS
    names = {p.name for opt, p in options.items() if opt in GLOBAL_VALUE_OPTIONS | GLOBAL_FLAG_OPTIONS}
    assert names == set(GlobalOptions._fields)


def test_every_output_option_takes_its_modes_from_the_one_table() -> None:
    """Each command's -o type is one of the option aliases built from output_modes'
    tuples, and the tuple a command passes to rt.output is the one COMMAND_MODES gives."""
    from expctl.cli.framework import output_modes

    tuples = {name for name, value in vars(output_modes).items() if name.isupper() and isinstance(value, tuple)}
    for path in COMMANDS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "output" and len(node.args) == 2:
                mode_set = node.args[1]
                assert isinstance(mode_set, ast.Name) and mode_set.id in tuples, f"{path.name}:{node.lineno}"
