"""The results job: PostHog's answers for one experiment, read into results by core.

Data flows one way: api fetches (the stored run first, the query endpoint for what it
lacks), core reads, and the caller renders. ``display`` (render.safe's ``for_display``
when the results are drawn for people) is applied to every server string first, so a
name, a variant key or PostHog's error detail cannot move a terminal's cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expctl.api.results import ResultsApi
    from expctl.core.results.verdicts import ExperimentResults
    from expctl.errors import RejectedError
    from expctl.model.metrics import MetricAnswer
    from expctl.model.stored_run import StoredRun

Display = Callable[[Any], Any]


@dataclass
class ResultsOptions:
    refresh: bool = False
    display: Display | None = None  # strings made visible: the results are drawn for people
    on_done: Callable[[Any], None] | None = None  # one metric answered
    on_progress: Callable[[StoredRun], None] | None = None  # the recalculation's counters


def draft_refusal(exp: Mapping[str, Any]) -> RejectedError:
    """A draft has no results: what `results`, `report` and `decide` say (exit 6)."""
    from expctl.errors import RejectedError

    return RejectedError(
        f"'{exp.get('name')}' (id {exp.get('id')}) is a draft: it has no results until it is launched",
        hint=f"launch it with `expctl launch {exp.get('feature_flag_key') or exp.get('id')}`",
    )


def experiment_results(api: ResultsApi, exp: Mapping[str, Any], options: ResultsOptions) -> ExperimentResults:
    """PostHog's answers from api, read into results by core, with the changes made
    during the run (activity log) and the project's statistics defaults where needed."""
    from concurrent.futures import ThreadPoolExecutor

    from expctl.api.activity import entries_during_run
    from expctl.api.project_settings import results_defaults
    from expctl.core.results.freshness import changes_during_run
    from expctl.core.results.read import read_results
    from expctl.core.results.stats_settings import needs_project_defaults
    from expctl.model.metrics import metric_specs
    from expctl.model.stored_run import StoredRun

    specs = metric_specs(exp)
    # The project's defaults and the activity log depend only on the experiment: they are
    # asked for while the results are read, not after (two round trips fewer to wait for).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="expctl-results") as pool:
        wanted_defaults = needs_project_defaults(exp.get("stats_config"))
        defaults_asked = pool.submit(results_defaults, api.client) if wanted_defaults else None
        entries_asked = pool.submit(entries_during_run, api.client, exp)
        raw = api.fetch(exp, specs, refresh=options.refresh, on_done=options.on_done, on_progress=options.on_progress)
        defaults = defaults_asked.result() if defaults_asked is not None else {}
        changes = changes_during_run(entries_asked.result())
    meta = {k: v for k, v in raw.run.payload.items() if k != "results"} if raw.run is not None else None
    exposures, answers = raw.exposures, raw.answers
    notes = [*raw.notes, *changes]
    display = options.display
    if display is not None:
        exp, meta = display(exp), display(meta)
        exposures, answers, notes = display(exposures), _shown(answers, display), [display(n) for n in notes]
        specs = metric_specs(exp)
    source = StoredRun(meta, raw.run.server_now) if raw.run is not None and meta is not None else None
    results = read_results(exp, specs, exposures, answers, project_settings=defaults, source=source, notes=notes)
    results.changes = [display(c) for c in changes] if display is not None else changes
    return results


def _shown(answers: Mapping[str, MetricAnswer], display: Display) -> dict[str, MetricAnswer]:
    from dataclasses import replace

    shown = {}
    for key, answer in answers.items():
        if answer.error is not None:
            answer.error.message = display(answer.error.message)
        shown[key] = replace(answer, payload=display(answer.payload), detail=display(answer.detail))
    return shown


def gate_code(results: ExperimentResults, conditions: list[str]) -> tuple[int, list[str]]:
    """The exit code and the gates that held: 9 when a --fail-on condition holds, else the
    first failed metric's code, else 0."""
    from expctl.core.results.read import gate_failures
    from expctl.errors import ExitCode

    held = gate_failures(results, conditions)
    failed = [m for m in results.metrics if m.error is not None]
    if held:
        return int(ExitCode.GATE_FAILED), held
    if failed:
        return failed[0].error_code or int(ExitCode.ERROR), held
    return 0, held
