"""results: what the experiment says so far, for people and for CI gates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework import value_completion
from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, ResultsOutputOpt, examples, new_app
from expctl.cli.framework.output_modes import RESULTS
from expctl.cli.framework.runtime import Runtime
from expctl.model.experiment import Experiment

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from expctl.api.results import ResultsApi
    from expctl.core.results.verdicts import ExperimentResults
    from expctl.errors import RejectedError
    from expctl.model.metrics import MetricAnswer
    from expctl.model.stored_run import StoredRun

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
WATCH_MIN_SECONDS = 5
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
    from expctl.api.experiments import ExperimentRef
    from expctl.core.results.read import parse_fail_on

    rt = runtime_of(ctx)
    conditions = parse_fail_on(fail_on or [])
    out = rt.output(output, RESULTS)
    if watch is not None:
        _check_watch(watch, rt.streams.stdout_isatty and out.mode == "table")
    exp = rt.experiments.resolve(ExperimentRef.parse(experiment))
    if history:
        _history(rt, exp, out.mode, bool(conditions) or watch is not None)
        return
    if watch is not None:
        _watch(rt, exp, watch, refresh)
        return
    code = _show_once(rt, exp, refresh, conditions, out.mode)
    if code:
        from expctl.errors import AlreadySaidError

        raise AlreadySaidError(code)  # the gates and failed metrics were said on stderr


def _history(rt: Runtime, exp: Experiment, mode: str, conflicting: bool) -> None:
    from expctl.cli.commands.results_history import show_history
    from expctl.cli.framework.output_modes import OBJECTS
    from expctl.errors import RejectedError, UsageError
    from expctl.model.experiment import status_of

    if conflicting:
        raise UsageError("--history shows the past; it does not take --fail-on or --watch")
    if mode not in OBJECTS:
        raise UsageError(f"--history prints {', '.join(OBJECTS)}, not {mode}")
    if status_of(exp) == "draft":
        raise RejectedError(f"'{exp.get('name')}' (id {exp.get('id')}) is a draft: it has no history yet")
    show_history(rt, exp, mode)


def draft_refusal(exp: Mapping[str, Any]) -> RejectedError:
    """A draft has no results: what `results` and `report` say (exit 6)."""
    from expctl.errors import RejectedError

    return RejectedError(
        f"'{exp.get('name')}' (id {exp.get('id')}) is a draft: it has no results until it is launched",
        hint=f"launch it with `expctl launch {exp.get('feature_flag_key') or exp.get('id')}`",
    )


def _show_once(rt: Runtime, exp: Experiment, refresh: bool, conditions: list[str], mode: str) -> int:
    from expctl.core.results.read import gate_failures
    from expctl.errors import ExitCode
    from expctl.model.experiment import status_of

    if status_of(exp) == "draft":
        refusal = draft_refusal(exp)
        if "insufficient-data" in conditions:
            rt.messages.error(f"gate failed: insufficient-data: {refusal.message}")
            return int(ExitCode.GATE_FAILED)
        raise refusal
    with rt.progress("Recalculating results" if refresh else "Fetching results", output=mode) as bar:
        report = _report(
            rt.results_api,
            exp,
            refresh,
            on_done=lambda _: bar.advance(),
            shown=mode in ("table", "plain", "markdown"),
            on_progress=lambda run: bar.describe(run.progress_text()),
        )
    _render(rt, report, mode)
    failed = [m for m in report.metrics if m.error is not None]
    for metric in failed:
        # Said here in every mode: plain and json rows only carry an "error" cell.
        rt.messages.error(f"could not compute the {metric.role} metric '{metric.name}': {metric.error}")
    held = gate_failures(report, conditions)
    for reason in held:
        rt.messages.error(f"gate failed: {reason}")
    if held:
        return int(ExitCode.GATE_FAILED)
    if failed:
        return failed[0].error_code or int(ExitCode.ERROR)
    return 0


def _report(
    api: ResultsApi,
    exp: Experiment,
    refresh: bool,
    on_done: Callable[[Any], None] | None = None,
    *,
    shown: bool = False,
    on_progress: Callable[[StoredRun], None] | None = None,
) -> ExperimentResults:
    """PostHog's answers from api, read into a report by core: data flows one way.
    ``shown``: the report is drawn for people, so its strings (names, variant keys,
    PostHog's error details) have their control characters made visible first."""
    from expctl.api.activity import entries_during_run
    from expctl.api.project_settings import results_defaults
    from expctl.core.results.freshness import changes_during_run
    from expctl.core.results.read import read_results
    from expctl.core.results.stats_settings import needs_project_defaults
    from expctl.model.metrics import metric_specs
    from expctl.model.stored_run import StoredRun
    from expctl.render.safe import for_display, visible

    specs = metric_specs(exp)
    raw = api.fetch(exp, specs, refresh=refresh, on_done=on_done, on_progress=on_progress)
    defaults = results_defaults(api.client) if needs_project_defaults(exp.get("stats_config")) else {}
    meta = {k: v for k, v in raw.run.payload.items() if k != "results"} if raw.run is not None else None
    exposures, answers, notes = (
        raw.exposures,
        raw.answers,
        [*raw.notes, *changes_during_run(entries_during_run(api.client, exp))],
    )
    if shown:
        exp, meta = for_display(exp), for_display(meta)
        exposures, answers, notes = for_display(exposures), _shown(answers), [visible(n) for n in notes]
        specs = metric_specs(exp)
    source = StoredRun(meta, raw.run.server_now) if raw.run is not None and meta is not None else None
    return read_results(exp, specs, exposures, answers, project_settings=defaults, source=source, notes=notes)


def _shown(answers: Mapping[str, MetricAnswer]) -> dict[str, MetricAnswer]:
    """PostHog's answers with every string made visible, for a report drawn for people."""
    from dataclasses import replace

    from expctl.render.safe import for_display, visible

    shown = {}
    for key, answer in answers.items():
        if answer.error is not None:
            answer.error.message = visible(answer.error.message)
        shown[key] = replace(answer, payload=for_display(answer.payload), detail=visible(answer.detail))
    return shown


def _render(rt: Runtime, report: ExperimentResults, mode: str) -> None:
    from expctl.render.results import holdout_line, render_table
    from expctl.render.results_text import render_markdown, render_plain

    out = rt.output(mode, RESULTS)
    if mode in ("json", "yaml"):
        out.data(report.raw())
    elif mode == "markdown":
        out.text(render_markdown(report))
    elif mode == "plain":
        out.text(render_plain(report))
    else:
        out.text(render_table(report, width=rt.width or 100, color=rt.stdout_color, wrap=rt.streams.stdout_isatty))
    holdout = holdout_line(report.experiment)
    if holdout and mode in ("json", "yaml", "plain"):  # the table and markdown say it in their header
        rt.messages.note(holdout)


def _check_watch(seconds: int, on_a_terminal: bool) -> None:
    from expctl.errors import UsageError

    if seconds < WATCH_MIN_SECONDS:
        raise UsageError(
            f"--watch {seconds}: redraw every {WATCH_MIN_SECONDS} seconds or more",
            hint="PostHog caches results, so faster redraws would only repeat them",
        )
    if not on_a_terminal:
        raise UsageError("--watch redraws a terminal; it needs table output on a terminal")


def _watch(rt: Runtime, exp: Experiment, every: float, refresh: bool) -> None:
    import time

    from expctl.render.results import render_table

    api = rt.results_api
    stream = rt.streams.stdout
    try:
        while True:
            report = _report(api, exp, refresh)
            screen = render_table(report, width=rt.width or 100, color=rt.stdout_color)
            stream.write("\033[H\033[2J" + screen + f"\nRedrawing every {every:g} s; Ctrl-C to stop.\n")
            stream.flush()
            time.sleep(every)
    except KeyboardInterrupt:
        return  # Ctrl-C is how a watch is meant to end: a normal exit, nothing to report
