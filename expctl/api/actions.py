"""The project's actions: looked up by name when experiments move between projects,
where the same action has another id (``promote``, ``diff --against``)."""

from __future__ import annotations

from typing import Any

from expctl.api.client import PostHogClient


class ActionsApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client

    def all(self) -> list[dict[str, Any]]:
        """Every action not deleted (PostHog lists them all at once; scope action:read)."""
        data = self.client.get(self.client.project_path("actions/"))
        rows = data.get("results") if isinstance(data, dict) else None
        return [row for row in rows or [] if isinstance(row, dict)]
