"""typer's private API, as expctl uses it (expctl/cli/framework/typer_compat.py), on the installed typer.

When a typer release moves one of these names, this test fails naming it: widen or fix
expctl/cli/framework/typer_compat.py before widening the pin in pyproject.toml.
"""

from __future__ import annotations

from importlib.metadata import version

import typer.main

from expctl.cli.framework.app import app, tidy_metavars
from expctl.cli.framework.typer_compat import missing_private_names, value_type


def test_every_private_typer_name_expctl_uses_exists() -> None:
    assert missing_private_names() == [], (
        f"typer {version('typer')} moved these; see expctl/cli/framework/typer_compat.py"
    )


def test_option_value_types_are_read_on_this_typer() -> None:
    from expctl.cli.commands.experiments import list_app
    from expctl.cli.commands.results import results_app
    from expctl.cli.commands.sizing import plan_app

    listing = typer.main.get_command(list_app)
    types = {p.name: value_type(p) for p in listing.params}
    assert types["limit"] == "int" and types["offset"] == "int" and types["search"] == "str"
    results = typer.main.get_command(results_app)
    assert {p.name: value_type(p) for p in results.params}["watch"] == "int"
    planning = typer.main.get_command(plan_app)
    assert {p.name: value_type(p) for p in planning.params}["variants"] == "int"
    assert value_type(next(p for p in typer.main.get_command(app).params if p.name == "timeout")) == "float"


def test_help_placeholders_are_the_same_on_every_supported_typer() -> None:
    command = typer.main.get_command(app)
    tidy_metavars(command)
    listing = command.get_command(None, "list")  # type: ignore[attr-defined]
    metavars = {p.name: p.metavar for p in listing.params if not getattr(p, "is_flag", False)}
    assert metavars["limit"] == "N" and metavars["status"] == "STATUS" and metavars["search"] == "TEXT"


def _fresh(code: str) -> str:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_commands_run_without_pydantic_on_every_supported_typer() -> None:
    """typer 0.29 checks values through pydantic (~95 ms of imports); expctl's light
    converters (typer_compat.light_conversion) keep it out of every run."""
    code = (
        "import sys\nfrom expctl.main import main\n"
        "for args in (['list', '--help'], ['get', '-h'], ['list', '--limit', '0'], ['results', '7', '--watch', '1']):\n"
        "    main(args)\n"
        "print('pydantic' in sys.modules)\n"
    )
    assert _fresh(code).strip().splitlines()[-1] == "False"


def test_bad_values_are_explained_the_same_on_every_supported_typer() -> None:
    import subprocess
    import sys
    from pathlib import Path

    expctl = str(Path(sys.executable).with_name("expctl"))
    cases = {
        (
            "list",
            "--limit",
            "0",
        ): "error: invalid value for '--limit': 0 is not in the range x>=1; see `expctl list --help`",
        ("list", "--limit", "abc"): "error: invalid value for '--limit': 'abc' is not a valid int range; see `expctl",
        ("results", "7", "--watch", "1.5"): "error: invalid value for '--watch': '1.5' is not a valid int; see",
        # Below the minimum: said in seconds, as a whole number, by expctl itself.
        ("results", "7", "--watch", "2"): "error: --watch 2: redraw every 5 seconds or more; PostHog caches results",
    }
    for args, message in cases.items():
        done = subprocess.run([expctl, *args], capture_output=True, text=True, check=False)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
