"""`results EXPERIMENT --history`: exposures per day, and each primary metric day by day."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from expctl.cli.framework.runtime import Runtime

if TYPE_CHECKING:
    from expctl.api.daily_results import HistoryApi


def show_history(rt: Runtime, experiment: Mapping[str, Any], mode: str) -> None:
    from expctl.core.results.daily import exposures_from

    api = rt.history_api
    with rt.progress("Fetching the history", output=mode):
        exposures = exposures_from(api.exposures(experiment))
        histories, note = _daily(rt, api, experiment)
    if mode in ("json", "yaml"):
        payload = {
            "experiment_id": experiment.get("id"),
            "exposures": exposures.as_json() if exposures else None,
            "daily_results": note == "",
            "metrics": [h.as_json() for h in histories],
        }
        rt.output(mode).data(payload)
    elif mode == "plain":
        rt.output("plain").text(_plain(exposures, histories))
    else:
        from expctl.render.history import render_history

        title = f"{experiment.get('name')} (id {experiment.get('id')}) · history"
        width = min(rt.width or 80, 100)
        rt.output("table").text(render_history(title, exposures, histories, width=width, color=rt.stdout_color))
    if note:
        rt.messages.note(note)
    if exposures is None:
        rt.messages.note("This PostHog gives no exposure series (ExperimentExposureQuery); nothing to chart.")


def _daily(rt: Runtime, api: HistoryApi, experiment: Mapping[str, Any]) -> tuple[list[Any], str]:
    """Each primary metric's history, and a note when this server keeps no daily results."""
    from expctl.core.results.daily import metric_history
    from expctl.model.metrics import metric_specs

    primary = [s for s in metric_specs(experiment) if s.role == "primary" and not s.legacy and s.query]
    fingerprinted = [s for s in primary if s.query and s.query.get("uuid") and s.query.get("fingerprint")]
    if not fingerprinted:
        return [], "This PostHog keeps no daily results for these metrics (no metric fingerprints): exposures only."
    # Daily results are stored per metric uuid and fingerprint, which PostHog's experiment
    # answer carries (shared metrics' too, on current Cloud); a metric without one is named
    # rather than its fingerprint guessed.
    skipped = [s.name for s in primary if s not in fingerprinted]
    if skipped:
        rt.messages.note(f"No daily results asked for {', '.join(repr(n) for n in skipped)}: no fingerprint given.")
    histories = []
    for spec in fingerprinted:
        assert spec.query is not None
        payload = api.daily_results(int(experiment["id"]), str(spec.query["uuid"]), str(spec.query["fingerprint"]))
        if payload is None:
            return [], "This PostHog has no daily results (timeseries_results/): exposures only."
        histories.append(metric_history(spec, payload, experiment.get("stats_config")))
    return histories, ""


def _plain(exposures: Any, histories: list[Any]) -> str:
    """Tab-separated rows for scripts: exposures, then daily deltas."""
    lines = []
    if exposures is not None:
        for index, day in enumerate(exposures.days):
            for key, counts in exposures.daily.items():
                lines.append(f"exposures\t{day}\t{key}\t{counts[index]}")
    for history in histories:
        for day in history.days:
            for row in day.rows:
                low, high = row.interval or (None, None)
                cells = ["result", history.spec.key, history.spec.name, day.day, row.key, row.delta, low, high]
                cells.append(row.significant)
                lines.append(
                    "\t".join("" if c is None else str(c).lower() if isinstance(c, bool) else str(c) for c in cells)
                )
    return "".join(f"{line}\n" for line in lines)
