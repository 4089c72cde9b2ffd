"""``results``: PostHog's verdicts per metric, once, watched, or day by day."""

from __future__ import annotations

from typing import TYPE_CHECKING

from expctl.cli.framework.output_modes import RESULTS
from expctl.cli.framework.runtime import Runtime
from expctl.model.experiment import Experiment

if TYPE_CHECKING:
    from expctl.core.results.verdicts import ExperimentResults

WATCH_MIN_SECONDS = 5


def show_results(
    rt: Runtime,
    *,
    experiment: str,
    refresh: bool = False,
    fail_on: list[str] | None = None,
    watch: int | None = None,
    history: bool = False,
    output: str | None = None,
) -> None:
    """Print the results (or their history, or redraw them); exit 9 through an
    already-said error when a --fail-on gate holds or a metric failed."""
    from expctl.api.experiments import ExperimentRef
    from expctl.core.results.read import parse_fail_on

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
    from expctl.cli.framework.output_modes import OBJECTS
    from expctl.cli.jobs.history import history
    from expctl.errors import RejectedError, UsageError
    from expctl.model.experiment import status_of
    from expctl.render.history import history_data, history_plain, render_history

    if conflicting:
        raise UsageError("--history shows the past; it does not take --fail-on or --watch")
    if mode not in OBJECTS:
        raise UsageError(f"--history prints {', '.join(OBJECTS)}, not {mode}")
    if status_of(exp) == "draft":
        raise RejectedError(f"'{exp.get('name')}' (id {exp.get('id')}) is a draft: it has no history yet")
    with rt.progress("Fetching the history", output=mode):
        found = history(rt.history_api, exp)
    if found.daily.skipped:
        names = ", ".join(repr(n) for n in found.daily.skipped)
        rt.messages.note(f"No daily results asked for {names}: no fingerprint given.")
    if mode in ("json", "yaml"):
        rt.output(mode).data(history_data(exp, found.exposures, found.daily.histories, found.daily.note))
    elif mode == "plain":
        rt.output("plain").text(history_plain(found.exposures, found.daily.histories))
    else:
        title = f"{exp.get('name')} (id {exp.get('id')}) · history"
        width = min(rt.width or 80, 100)
        chart = render_history(title, found.exposures, found.daily.histories, width=width, color=rt.stdout_color)
        rt.output("table").text(chart)
    if found.daily.note:
        rt.messages.note(found.daily.note)
    if found.exposures is None:
        rt.messages.note("This PostHog gives no exposure series (ExperimentExposureQuery); nothing to chart.")


def _show_once(rt: Runtime, exp: Experiment, refresh: bool, conditions: list[str], mode: str) -> int:
    from expctl.cli.jobs.results import ResultsOptions, draft_refusal, experiment_results, gate_code
    from expctl.errors import ExitCode
    from expctl.model.experiment import status_of
    from expctl.render.safe import for_display

    if status_of(exp) == "draft":
        refusal = draft_refusal(exp)
        if "insufficient-data" in conditions:
            rt.messages.error(f"gate failed: insufficient-data: {refusal.message}")
            return int(ExitCode.GATE_FAILED)
        raise refusal
    with rt.progress("Recalculating results" if refresh else "Fetching results", output=mode) as bar:
        options = ResultsOptions(
            refresh,
            display=for_display if mode in ("table", "plain", "markdown") else None,
            on_done=lambda _: bar.advance(),
            on_progress=lambda run: bar.describe(run.progress_text()),
        )
        results = experiment_results(rt.results_api, exp, options)
    _render(rt, results, mode)
    for metric in results.metrics:
        if metric.error is not None:  # said in every mode: plain and json rows only carry an "error" cell
            rt.messages.error(f"could not compute the {metric.role} metric '{metric.name}': {metric.error}")
    code, held = gate_code(results, conditions)
    for reason in held:
        rt.messages.error(f"gate failed: {reason}")
    return code


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

    from expctl.cli.jobs.results import ResultsOptions, experiment_results
    from expctl.render.results import render_table

    api = rt.results_api
    stream = rt.streams.stdout
    try:
        while True:
            report = experiment_results(api, exp, ResultsOptions(refresh))
            screen = render_table(report, width=rt.width or 100, color=rt.stdout_color)
            stream.write("\033[H\033[2J" + screen + f"\nRedrawing every {every:g} s; Ctrl-C to stop.\n")
            stream.flush()
            time.sleep(every)
    except KeyboardInterrupt:
        return  # Ctrl-C is how a watch is meant to end: a normal exit, nothing to report
