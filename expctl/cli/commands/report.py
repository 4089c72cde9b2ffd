"""report: results people can share, as one self-contained HTML file per experiment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework import value_completion
from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import OptionalExperimentArg, examples, new_app
from expctl.cli.framework.runtime import Runtime

if TYPE_CHECKING:
    from expctl.render.html_report import PageInputs

report_app = new_app()


@report_app.command(
    "report",
    epilog=examples(
        "expctl report checkout-redesign -f checkout.html      # one file; open it anywhere",
        "expctl report --all --status running -f reports/      # one file each, and reports/index.html",
        "expctl report checkout-redesign > checkout.html",
    ),
)
def report_command(
    ctx: typer.Context,
    experiment: OptionalExperimentArg = None,
    all_: Annotated[bool, typer.Option("--all", help="Every experiment the filters keep (with -f DIR).")] = False,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="With --all: running, paused, stopped…",
            show_default=False,
            autocompletion=value_completion.statuses,
        ),
    ] = None,
    path: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", help="Write here (a directory with --all); else standard output.", show_default=False
        ),
    ] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Have PostHog recompute the results first.")] = False,
) -> None:
    """Write a report people can share: one HTML file, nothing to log in to or load.

    The experiment (hypothesis, flag, split, dates, conclusion), every metric's verdict,
    chance to win and change with its interval drawn on one axis, the sample-ratio check,
    exposures per day, each primary metric day by day where PostHog keeps daily results,
    and the plan. Styles and charts are inline: the file opens offline, prints, and reads
    at phone width and without colour. Exit codes as `results`: a metric PostHog could
    not compute is in the report and sets the exit code.
    """
    from expctl.errors import UsageError

    rt = runtime_of(ctx)
    if bool(experiment) == all_:
        raise UsageError("name an experiment, or pass --all (not both)")
    if all_:
        if path is None:
            raise UsageError("--all writes one file per experiment: give a directory with -f DIR")
        from expctl.settings.shared_files import folder

        folder(path)  # refused before anything is asked of PostHog
        pages = _every(rt, status, refresh)
        _write_all(rt, path, pages)
    else:
        if status is not None:
            raise UsageError("--status goes with --all")
        page = _one(rt, str(experiment), refresh)
        _write_one(rt, path, page)
        pages = [page]
    _exit_like_results(rt, pages)


def _one(rt: Runtime, ref: str, refresh: bool) -> PageInputs:
    from expctl.api.experiments import ExperimentRef
    from expctl.cli.commands.results import draft_refusal
    from expctl.model.experiment import status_of

    experiment = rt.experiments.resolve(ExperimentRef.parse(ref))
    if status_of(experiment) == "draft":
        raise draft_refusal(experiment)
    with rt.progress("Gathering the report"):
        return gather(rt, experiment, refresh)


def _every(rt: Runtime, status: str | None, refresh: bool) -> list[PageInputs]:
    from expctl.api.listing import ListFilters
    from expctl.model.experiment import status_of

    rows = [row for row in rt.experiments.iter(ListFilters(status=status)) if status_of(row) != "draft"]
    pages = []
    with rt.progress("Gathering the reports", total=len(rows)) as bar:
        for row in rows:
            pages.append(gather(rt, rt.experiments.get(int(row["id"])), refresh))
            bar.advance()
    return pages


def gather(rt: Runtime, experiment: Mapping[str, Any], refresh: bool) -> PageInputs:
    """Results, exposures, daily results and the plan; what this PostHog (or key) cannot
    give becomes a note on the page instead of a failure."""
    from expctl.cli.commands.results import _report
    from expctl.cli.commands.results_history import _daily
    from expctl.core.results.daily import exposures_from, exposures_from_history, latest_samples
    from expctl.errors import ExpctlError
    from expctl.render.html_report import PageInputs

    results = _report(rt.results_api, experiment, refresh)  # type: ignore[arg-type]
    # The results already asked for the exposures and every metric: the history and the
    # plan use those answers rather than asking again.
    page = PageInputs(experiment, results, exposures=exposures_from(results.exposures_raw))
    try:
        page.daily, note = _daily(rt, rt.history_api, experiment)
        if note:
            page.notes.append(note)
    except ExpctlError as exc:
        page.notes.append(f"No history: {exc.message}")
    if page.exposures is None:  # the stored results asked no exposure query: the daily results count them
        query_to = results.source.query_to if results.source else None
        latest = {m.key: latest_samples(query_to, m.raw) for m in results.metrics}
        page.exposures = next(
            filter(None, (exposures_from_history(h, latest.get(h.spec.key)) for h in page.daily)), None
        )
    if page.exposures is None:
        page.notes.append("This PostHog gives no exposure series (ExperimentExposureQuery): no exposures per day.")
    known: dict[str, Any] = {"exposures": results.exposures_raw, "exposure_series": page.exposures}
    known.update((metric.key, metric.raw) for metric in results.metrics if metric.raw is not None)
    page.plan = _sizing_lines(rt, experiment, page, known)
    return page


def _sizing_lines(
    rt: Runtime, experiment: Mapping[str, Any], page: PageInputs, known: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The plan as label/value rows, PostHog's running-time estimate among them (and on the
    page's head); what the estimate leaves out of the experiment's analysis is said."""
    from expctl.cli.commands.sizing_running import measure
    from expctl.core.results.stats_settings import plan_caveats
    from expctl.core.sizing.running import calculator_request
    from expctl.core.sizing.sample_size import SizingError
    from expctl.errors import ExpctlError
    from expctl.render.sizing import posthog_estimate, running_rows

    try:
        spec, plan, source, control = measure(rt, experiment, mde=None, alpha=0.05, power=0.8, known=known)
    except (SizingError, ExpctlError) as exc:
        page.notes.append(f"No plan: {getattr(exc, 'message', None) or exc}")
        return []
    body = calculator_request(spec.query or {}, control, plan.size.inputs.mde, plan.size.inputs.variants, plan.per_day)
    posthog, _missing = rt.history_api.running_time(body)
    page.estimate = posthog_estimate(posthog)
    rows = running_rows(spec.name, plan, source, posthog)
    settings = page.results.settings if page.results else None
    rows.extend(("note", f"expctl's estimate: {caveat}") for caveat in (plan_caveats(settings) if settings else []))
    return rows


def _where(rt: Runtime, experiment_id: Any = None) -> Any:
    from expctl.render.html_report import Where

    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    url = rt.web_url(experiment_id) if experiment_id is not None else ""
    return Where(rt.settings.host, str(rt.client.project), made, url)


def _write_one(rt: Runtime, path: Path | None, page: PageInputs) -> None:
    from expctl.render.html_report import experiment_page
    from expctl.render.safe import visible_block

    html = visible_block(experiment_page(page, _where(rt, page.experiment.get("id"))))  # no control reaches a tty
    if path is None:
        rt.output("plain").text(html)
        return
    from expctl.errors import UsageError
    from expctl.settings.shared_files import write_shared

    if path.is_dir():
        raise UsageError(f"{path} is a folder", hint="name a file (-f report.html), or write every page with --all")
    write_shared(path, html)
    rt.messages.success(f"Wrote {path}")


def page_name(experiment: Mapping[str, Any]) -> str:
    """A page's file name: a safe slug of its flag key and its id, so that two experiments
    sharing a flag get two pages, a flag key like ``index`` or ``../x`` can neither
    overwrite the index nor leave the folder."""
    from expctl.settings.shared_files import slug

    return f"{slug(experiment.get('feature_flag_key'), fallback='experiment')}-{experiment.get('id')}.html"


def _write_all(rt: Runtime, directory: Path, pages: list[PageInputs]) -> None:
    """One page each, then the index; a failure half-way still leaves the index of what
    was written, and its own line and exit code."""
    from expctl.render.html_report import experiment_page, index_page
    from expctl.settings.shared_files import folder, inside, write_shared

    folder(directory)
    entries = []
    try:
        for page in pages:
            name = page_name(page.experiment)
            html = experiment_page(page, _where(rt, page.experiment.get("id")), index_link=True)
            write_shared(inside(directory, name), html)
            entries.append((name, page))
    finally:
        write_shared(directory / "index.html", index_page(entries, _where(rt)))
    rt.messages.success(f"Wrote {len(pages)} report{'' if len(pages) == 1 else 's'} and index.html to {directory}/")


def _exit_like_results(rt: Runtime, pages: list[PageInputs]) -> None:
    """A metric PostHog could not compute is in the report; it is said on stderr too, and
    the run ends with its code, as `results` does."""
    from expctl.errors import AlreadySaidError

    failed = [(page, m) for page in pages for m in (page.results.metrics if page.results else []) if m.error]
    for page, metric in failed:
        rt.messages.error(f"{page.experiment.get('name')}: {metric.name}: {metric.error}")
    if failed:
        raise AlreadySaidError(failed[0][1].error_code or 1)
