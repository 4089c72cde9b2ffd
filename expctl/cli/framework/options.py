"""Options and arguments shared by several commands, defined once."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from expctl.cli.framework.output_modes import (
    CHECKS,
    DECISIONS,
    EVERY,
    METRIC_LISTS,
    OBJECTS,
    PLANS,
    PROBLEMS,
    RAW,
    RESULTS,
    REVIEWS,
    SPECS,
    help_for,
)

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


def _output_option(modes: tuple[str, ...]) -> Any:
    from expctl.cli.framework.value_completion import words

    return typer.Option("--output", "-o", help=help_for(modes), show_default=False, autocompletion=words(modes))


# The -o option for each set of modes (cli/framework/output_modes.py); a command takes the
# one its row names, and a guard test checks that every command's option is its row's.
EveryOutputOpt = Annotated[str | None, _output_option(EVERY)]
ObjectOutputOpt = Annotated[str | None, _output_option(OBJECTS)]
MetricListOutputOpt = Annotated[str | None, _output_option(METRIC_LISTS)]
ResultsOutputOpt = Annotated[str | None, _output_option(RESULTS)]
PlanOutputOpt = Annotated[str | None, _output_option(PLANS)]
ChecksOutputOpt = Annotated[str | None, _output_option(CHECKS)]
ProblemsOutputOpt = Annotated[str | None, _output_option(PROBLEMS)]
SpecsOutputOpt = Annotated[str | None, _output_option(SPECS)]
RawOutputOpt = Annotated[str | None, _output_option(RAW)]
DecisionOutputOpt = Annotated[str | None, _output_option(DECISIONS)]
ReviewOutputOpt = Annotated[str | None, _output_option(REVIEWS)]
OutputOpt = EveryOutputOpt
ColumnsOpt = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help=f"Comma-separated columns for table/plain output. Available: {COLUMN_NAMES_HELP}.",
        show_default=False,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a terminal).")]
ParallelOpt = Annotated[int, typer.Option("--parallel", help="Experiments to work on at once.", min=1, max=32)]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Only show the plan (exit 8 when changes are pending).")]
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
