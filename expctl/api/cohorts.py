"""Exposure cohorts: the cohort of users an experiment exposed, created by PostHog."""

from __future__ import annotations

from typing import Any

from expctl.api.client import PostHogClient
from expctl.errors import ApiUnexpectedError


class CohortsApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client
        self.base = client.project_path("experiments/")

    def create_exposure_cohort(self, experiment_id: int) -> dict[str, Any]:
        """POST with no body; 201 ``{"cohort": {...}}``."""
        data = self.client.post(f"{self.base}{experiment_id}/create_exposure_cohort_for_experiment/", None)
        cohort = data.get("cohort") if isinstance(data, dict) else None
        if not isinstance(cohort, dict) or "id" not in cohort:
            raise ApiUnexpectedError("PostHog created the cohort but did not return it")
        return cohort

    def get_cohort(self, cohort_id: int) -> dict[str, Any]:
        data = self.client.get(self.client.project_path(f"cohorts/{cohort_id}/"))
        return data if isinstance(data, dict) else {"id": cohort_id}
