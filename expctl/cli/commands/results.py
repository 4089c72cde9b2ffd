"""results: what the experiment says so far, for people and for CI gates."""

from __future__ import annotations

from typing import Annotated

import typer

from expctl.cli.framework import value_completion
from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, ResultsOutputOpt, examples, new_app
from expctl.cli.views.results import WATCH_MIN_SECONDS

results_app = new_app()

RefreshOpt = Annotated[bool, typer.Option("--refresh", help="Recompute now instead of using PostHog's cache.")]
FailOnOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fail-on",
        help="Exit 9 when a condition holds: srm, loser, not-significant, insufficient-data (comma list).",
        show_default=False,
        autocompletion=value_completion.fail_on,
    ),
]
WatchOpt = Annotated[
    int | None,
    typer.Option(
        "--watch",
        help=f"Redraw every SECONDS (whole, at least {WATCH_MIN_SECONDS}) until Ctrl-C (terminal only).",
        show_default=False,
    ),
]
HistoryOpt = Annotated[
    bool,
    typer.Option("--history", help="Exposures per day, and each primary metric's delta and interval day by day."),
]


@results_app.command(
    "results",
    epilog=examples(
        "expctl results checkout-redesign",
        "expctl results 42 --refresh                     # recompute instead of PostHog's cache",
        "expctl results 42 -o markdown > comment.md      # a table for a pull request",
        "expctl results 42 --fail-on srm,loser           # exit 9 in CI when either holds",
        "expctl results 42 --watch 60                    # redraw every minute (terminal only)",
        "expctl results 42 --history                     # exposures and results day by day",
    ),
)
def results_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    refresh: RefreshOpt = False,
    fail_on: FailOnOpt = None,
    watch: WatchOpt = None,
    history: HistoryOpt = False,
    output: ResultsOutputOpt = None,
) -> None:
    """Show how each variant is doing: delta, interval, chance to win, verdict.

    One table per metric (primary first): exposures, the value (conversion rate or
    mean), the change against the baseline with its interval drawn around zero, the
    chance to win (Bayesian) or p-value (frequentist), and a verdict. The header says
    how fresh the numbers are and checks the sample ratio: exposures per variant against
    the configured split (chi-square, warning when p < 0.001).

    \b
    --fail-on conditions, for CI gates (exit 9 when one holds):
      srm                exposures differ from the configured split (p < 0.001)
      loser              on a primary metric, a variant is significantly worse
      not-significant    no primary metric shows a significant difference yet
      insufficient-data  a primary metric has no result yet, failed, or has too
                         little data (fewer than 50 exposures or 5 conversions)

    --history charts exposures per day per variant and, where PostHog keeps daily
    results (timeseries_results), each primary metric's delta and interval per day,
    with the day it became significant marked; -o json gives the series.
    """
    from expctl.cli.views.results import show_results

    show_results(
        runtime_of(ctx),
        experiment=experiment,
        refresh=refresh,
        fail_on=fail_on,
        watch=watch,
        history=history,
        output=output,
    )
