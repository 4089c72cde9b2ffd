"""A project's experiment statistics: from ``experiments/stats/``, or from the list on
releases without it, by the endpoint's rules (``expctl.model.project``)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from expctl.api.client import PostHogClient
from expctl.api.flag_checks import ROUTE_MISSING
from expctl.errors import ApiNotFoundError, ApiUnexpectedError
from expctl.model.project import experiment_stats


class ProjectStatsApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client
        self.base = client.project_path("experiments/")

    def stats(self) -> dict[str, Any]:
        """Launches, completions and running experiments; computed from the list on
        releases without the ``stats/`` endpoint, by that endpoint's rules."""
        if self.client.capabilities.get("stats_endpoint") is not False:
            try:
                data = self.client.get(f"{self.base}stats/")
            except ApiNotFoundError as exc:
                if exc.detail not in ROUTE_MISSING:
                    raise
                self.client.capabilities["stats_endpoint"] = False
            else:
                if not isinstance(data, dict):
                    raise ApiUnexpectedError("PostHog's statistics answer is not an object")
                return data
        from expctl.api.experiments import ExperimentsApi

        return experiment_stats(ExperimentsApi(self.client).every_row(), today=datetime.now(timezone.utc).date())
