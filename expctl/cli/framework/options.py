"""Options and arguments shared by several commands, defined once."""

from __future__ import annotations

from typing import Annotated, Any

import typer

# Kept in step with render.columns.EXPERIMENT_COLUMNS by a test; spelled out here so that
# defining options does not import the column machinery.
COLUMN_NAMES_HELP = (
    "id, name, flag, status, type, variants, started, ended, created, updated, archived, flag_active, "
    "conclusion, creator, description"
)


def complete_experiment(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Flag keys and names from the local cache; never the network."""
    from expctl.cli.framework.completion_source import cached_experiments

    return cached_experiments(incomplete)


OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Output format: table, plain, json, yaml, ids or jsonl (default: table on a terminal, plain when piped).",
        show_default=False,
    ),
]
ColumnsOpt = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help=f"Comma-separated columns for table/plain output. Available: {COLUMN_NAMES_HELP}.",
        show_default=False,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a terminal).")]
ExperimentArg = Annotated[
    str,
    typer.Argument(
        help="Experiment id, or its feature flag key.",
        metavar="EXPERIMENT",
        autocompletion=complete_experiment,
        show_default=False,
    ),
]
OptionalExperimentArg = Annotated[
    str | None,
    typer.Argument(
        help="Experiment id, or its feature flag key.",
        metavar="[EXPERIMENT]",
        autocompletion=complete_experiment,
        show_default=False,
    ),
]
ExperimentsArg = Annotated[
    list[str],
    typer.Argument(
        help="One or more experiment ids or feature flag keys.",
        metavar="EXPERIMENT...",
        autocompletion=complete_experiment,
        show_default=False,
    ),
]


def new_app(**settings: Any) -> typer.Typer:
    """A Typer for one command or group, with expctl's house rules: plain (fast) help,
    no pretty exceptions (they print locals, which may hold the key), no completion flags."""
    settings.setdefault("rich_markup_mode", None)
    settings.setdefault("pretty_exceptions_enable", False)
    settings.setdefault("add_completion", False)
    settings.setdefault("context_settings", {"help_option_names": ["-h", "--help"], "max_content_width": 100})
    return typer.Typer(**settings)


def examples(*lines: str) -> str:
    """An epilog of examples that click prints as written."""
    body = "\n".join(f"  {line}" for line in lines)
    return f"\b\nExamples:\n{body}"
