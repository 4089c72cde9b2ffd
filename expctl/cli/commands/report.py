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
    from expctl.cli.jobs.report import ReportApis
    from expctl.core.results.overview import ExperimentOverview

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


def _apis(rt: Runtime) -> ReportApis:
    from expctl.cli.jobs.report import ReportApis

    return ReportApis(rt.experiments, rt.results_api, rt.history_api)


def _one(rt: Runtime, ref: str, refresh: bool) -> ExperimentOverview:
    from expctl.api.experiments import ExperimentRef
    from expctl.cli.jobs.report import overview
    from expctl.cli.jobs.results import draft_refusal
    from expctl.model.experiment import status_of

    experiment = rt.experiments.resolve(ExperimentRef.parse(ref))
    if status_of(experiment) == "draft":
        raise draft_refusal(experiment)
    with rt.progress("Gathering the report"):
        return overview(_apis(rt), experiment, refresh)


def _every(rt: Runtime, status: str | None, refresh: bool) -> list[ExperimentOverview]:
    from expctl.cli.jobs.report import every_overview

    return every_overview(_apis(rt), status, refresh, rt.progress)


def _where(rt: Runtime, experiment_id: Any = None) -> Any:
    from expctl.render.html_report import Where

    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    url = rt.web_url(experiment_id) if experiment_id is not None else ""
    return Where(rt.settings.host, str(rt.client.project), made, url)


def _write_one(rt: Runtime, path: Path | None, page: ExperimentOverview) -> None:
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


def _write_all(rt: Runtime, directory: Path, pages: list[ExperimentOverview]) -> None:
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


def _exit_like_results(rt: Runtime, pages: list[ExperimentOverview]) -> None:
    """A metric PostHog could not compute is in the report; it is said on stderr too, and
    the run ends with its code, as `results` does."""
    from expctl.errors import AlreadySaidError

    failed = [(page, m) for page in pages for m in (page.results.metrics if page.results else []) if m.error]
    for page, metric in failed:
        rt.messages.error(f"{page.experiment.get('name')}: {metric.name}: {metric.error}")
    if failed:
        raise AlreadySaidError(failed[0][1].error_code or 1)
