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
from expctl.api.project_settings import experiments_config
from expctl.api.results import ResultsApi
from expctl.errors import ApiAuthError, ApiError, ApiNotFoundError
from expctl.model.numbers import not_numbers

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
        if not isinstance(data, dict):
            return None
        timeseries = data.get("timeseries")
        if isinstance(timeseries, dict):  # a day whose numbers are not numbers is left out, not fatal
            data = {**data, "timeseries": {day: None if not_numbers(v) else v for day, v in timeseries.items()}}
        return data

    def running_time(self, body: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """PostHog's own estimate, or None and why it is missing. The calculator is optional:
        an older release lacks it (404/405), and a refusal, a server error or a timeout
        leaves expctl's own estimate standing; only a rejected key (401) stops the command."""
        path = self.client.project_path("experiments/calculate_running_time/")
        try:
            data = self.client.post(path, dict(body), idempotent=True)
        except ApiAuthError as exc:
            if exc.status == 401:
                raise
            return None, f"PostHog's calculator refused the request ({exc.message})"
        except ApiError as exc:
            if exc.status in MISSING_STATUSES:
                return None, "this PostHog has no calculate_running_time/ endpoint"
            return None, f"PostHog's calculator failed ({exc.message})"
        if not isinstance(data, dict):
            return None, "PostHog's calculator answered with no estimate"
        if not_numbers(data):
            return None, "PostHog's calculator answered with numbers that are not numbers"
        return data, None

    def project_default_mde(self) -> tuple[float | None, str | None]:
        """The project's default minimum detectable effect (a percentage) from its experiment
        settings (``experiments_config/``, which the web app's ``experimentsConfigLogic``
        reads), or None and why not: unset, or unreadable (the key may lack project:read,
        an older release lacks the endpoint)."""
        data, why_not = experiments_config(self.client)
        if data is None:
            return None, why_not
        value = data.get("default_minimum_detectable_effect")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value), None
        return None, None
