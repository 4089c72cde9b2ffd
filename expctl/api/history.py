"""What PostHog knows of an experiment over time, and its running-time calculator.

Both endpoints are recent. ``timeseries_results/`` (a detail action, ``experiment:read``)
needs a metric's ``uuid`` and ``fingerprint``; ``calculate_running_time/`` (a list action,
POST, ``experiment:read``) is a pure calculation. Older releases answer 404 for the first
(no such route) and 405 for the second (their router takes the word for an experiment
id, whose route has no POST): either way, None here, and the caller says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.api.client import PostHogClient
from expctl.api.results import ResultsApi
from expctl.errors import ApiError, ApiNotFoundError

MISSING_STATUSES = (404, 405)


class HistoryApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client
        self.results = ResultsApi(client)

    def exposures(self, experiment: Mapping[str, Any]) -> dict[str, Any] | None:
        """PostHog's ``ExperimentExposureQuery`` answer (None when it cannot run here)."""
        answer = self.results.exposures(experiment, refresh=False)
        return answer if isinstance(answer, dict) else None

    def daily_results(self, experiment_id: int, metric_uuid: str, fingerprint: str) -> dict[str, Any] | None:
        path = self.client.project_path(f"experiments/{experiment_id}/timeseries_results/")
        try:
            data = self.client.get(path, {"metric_uuid": metric_uuid, "fingerprint": fingerprint})
        except ApiNotFoundError:
            return None
        return data if isinstance(data, dict) else None

    def running_time(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """PostHog's own estimate, or None on releases without the calculator."""
        path = self.client.project_path("experiments/calculate_running_time/")
        try:
            data = self.client.post(path, dict(body), idempotent=True)
        except ApiError as exc:
            if exc.status in MISSING_STATUSES:
                return None
            raise
        return data if isinstance(data, dict) else None
