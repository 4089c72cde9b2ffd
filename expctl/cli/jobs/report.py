"""The report job: what one shareable page shows, gathered from PostHog's answers, for
one experiment or every one the filters keep (several at once, within the budgets).

The results already ask for the exposures and every metric, so the daily results and
the running estimate use those answers rather than asking again; what this PostHog (or
key) cannot give becomes a note on the page instead of a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from expctl.cli.jobs.hooks import Progress, no_progress

if TYPE_CHECKING:
    from expctl.api.daily_results import HistoryApi
    from expctl.api.experiments import ExperimentsApi
    from expctl.api.results import ResultsApi
    from expctl.core.decision import Decision
    from expctl.core.results.overview import ExperimentOverview

# Experiments gathered at once by `report --all`: each asks its stored run and daily
# results (the key's CRUD budget); a /query/ fallback is capped by the client at PostHog's
# three concurrent queries per team.
PAGES_AT_ONCE = 4


@dataclass
class ReportApis:
    experiments: ExperimentsApi
    results: ResultsApi
    history: HistoryApi


def overview(apis: ReportApis, experiment: Mapping[str, Any], refresh: bool) -> ExperimentOverview:
    """Results, exposures, daily results and the running estimate of one experiment."""
    from expctl.cli.jobs.history import daily_results
    from expctl.cli.jobs.results import ResultsOptions, experiment_results
    from expctl.cli.jobs.sizing import known_from
    from expctl.core.results.daily import exposures_from, exposures_from_history, latest_samples
    from expctl.core.results.overview import ExperimentOverview
    from expctl.errors import ExpctlError

    # The daily results depend on the experiment alone: they are asked for (the key's
    # CRUD budget) while the results are (stored run or /query/), not after them.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="expctl-daily") as pool:
        daily_asked = pool.submit(daily_results, apis.history, experiment)
        results = experiment_results(apis.results, experiment, ResultsOptions(refresh=refresh))
        page = ExperimentOverview(experiment, results, exposures=exposures_from(results.exposures_raw))
        try:
            daily = daily_asked.result()
            page.daily = daily.histories
            if daily.note:
                page.notes.append(daily.note)
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
    _size(apis, page, known_from(results, page.exposures))
    page.decision = _decision(page)
    return page


def _decision(page: ExperimentOverview) -> Decision | None:
    """The default policy's decision from the answers the page already has: no request."""
    from expctl.cli.jobs.decide import decision_context
    from expctl.core.decision import Policy, decide

    if page.results is None:
        return None
    planned = int(page.sizing.estimate.size.sample_size_per_variant) if page.sizing is not None else None
    return decide(page.results, Policy(), decision_context(page.experiment, page.results, [], planned))


def _size(apis: ReportApis, page: ExperimentOverview, known: Mapping[str, Any]) -> None:
    from expctl.cli.jobs.sizing import SizingOptions, running_sizing
    from expctl.core.sizing.sample_size import SizingError
    from expctl.errors import ExpctlError

    try:
        page.sizing = running_sizing(apis.history, apis.results, page.experiment, SizingOptions(), known)
    except (SizingError, ExpctlError) as exc:
        page.notes.append(f"No plan: {getattr(exc, 'message', None) or exc}")


def every_overview(
    apis: ReportApis, status: str | None, refresh: bool, progress: Progress = no_progress
) -> list[ExperimentOverview]:
    """Every experiment the filter keeps but drafts, in the list's order, gathered a few
    at a time."""
    from expctl.api.listing import ListFilters
    from expctl.model.experiment import status_of

    rows = [row for row in apis.experiments.iter(ListFilters(status=status)) if status_of(row) != "draft"]

    with (
        progress("Gathering the reports", total=len(rows)) as bar,
        ThreadPoolExecutor(max_workers=PAGES_AT_ONCE, thread_name_prefix="expctl-report") as pool,
    ):

        def one(row: Mapping[str, Any]) -> ExperimentOverview:
            page = overview(apis, apis.experiments.get(int(row["id"])), refresh)
            bar.advance()
            return page

        return list(pool.map(one, rows))
