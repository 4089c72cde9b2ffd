"""The project's actions and cohorts: looked up by name when experiments move between
projects, where the same action or cohort has another id (``promote``, ``diff --against``)."""

from __future__ import annotations

from typing import Any

from expctl.api.client import PostHogClient
from expctl.api.pagination import iter_list


class ActionsApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client

    def all(self) -> list[dict[str, Any]]:
        """Every action not deleted (PostHog lists them all at once; scope action:read)."""
        data = self.client.get(self.client.project_path("actions/"))
        rows = data.get("results") if isinstance(data, dict) else None
        return [row for row in rows or [] if isinstance(row, dict)]

    def cohorts(self) -> list[dict[str, Any]]:
        """Every cohort not deleted, every page (scope cohort:read)."""
        return list(iter_list(self.client, self.client.project_path("cohorts/"), {}))
