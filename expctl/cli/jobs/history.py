"""The history job: an experiment over time, its exposures per day and each primary
metric's daily results (``timeseries_results/``), asked for every metric at once."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expctl.api.daily_results import HistoryApi
    from expctl.core.results.daily import Exposures, MetricHistory

DAILY_AT_ONCE = 8  # timeseries_results/ reads stored rows (CRUD budget), not the query cap
NO_FINGERPRINTS = "This PostHog keeps no daily results for these metrics (no metric fingerprints): exposures only."
NO_DAILY_RESULTS = "This PostHog has no daily results (timeseries_results/): exposures only."


@dataclass
class DailyResults:
    """Each primary metric's history; ``note`` says why there is none (empty: there are),
    ``skipped`` names the metrics without a fingerprint to ask by."""

    histories: list[MetricHistory] = field(default_factory=list)
    note: str = ""
    skipped: list[str] = field(default_factory=list)


@dataclass
class History:
    exposures: Exposures | None
    daily: DailyResults


def history(api: HistoryApi, experiment: Mapping[str, Any]) -> History:
    from expctl.core.results.daily import exposures_from

    return History(exposures_from(api.exposures(experiment)), daily_results(api, experiment))


def daily_results(api: HistoryApi, experiment: Mapping[str, Any]) -> DailyResults:
    """Each primary metric's daily results in the metrics' order: the first alone, then the
    rest concurrently (a few at a time, within the key's request budget)."""
    from expctl.core.results.daily import metric_history
    from expctl.model.metrics import metric_specs

    primary = [s for s in metric_specs(experiment) if s.role == "primary" and not s.legacy and s.query]
    fingerprinted = [s for s in primary if s.query and s.query.get("uuid") and s.query.get("fingerprint")]
    if not fingerprinted:
        return DailyResults(
            note="This PostHog keeps no daily results for these metrics (no metric fingerprints): exposures only."
        )
    # Daily results are stored per metric uuid and fingerprint, which PostHog's experiment
    # answer carries (shared metrics' too, on current Cloud); a metric without one is named
    # rather than its fingerprint guessed.
    skipped = [s.name for s in primary if s not in fingerprinted]

    def ask(spec: Any) -> Any:
        return api.daily_results(int(experiment["id"]), str(spec.query["uuid"]), str(spec.query["fingerprint"]))

    first = ask(fingerprinted[0])  # alone: a release without the endpoint answers 404 once
    payloads = [first]
    if first is not None and len(fingerprinted) > 1:
        with ThreadPoolExecutor(max_workers=DAILY_AT_ONCE, thread_name_prefix="expctl-daily") as pool:
            payloads += list(pool.map(ask, fingerprinted[1:]))
    if any(payload is None for payload in payloads):
        return DailyResults(
            note="This PostHog has no daily results (timeseries_results/): exposures only.", skipped=skipped
        )
    histories = [
        metric_history(spec, payload, experiment.get("stats_config"))
        for spec, payload in zip(fingerprinted, payloads, strict=True)
    ]
    return DailyResults(histories, "", skipped)
