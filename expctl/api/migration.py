"""``POST experiments/{id}/migrate``: copy a legacy experiment onto the new engine (PR #104391).

Idempotent on PostHog's side (a second call answers the first copy); the answer is the
new experiment, on the same flag, linked to the old by ``stats_config.migrated_from`` (the
old one gets ``migrated_to``). Releases without the action answer 404.
"""

from __future__ import annotations

from typing import Any

from expctl.api.client import PostHogClient
from expctl.errors import ApiNotFoundError, RejectedError


class MigrationApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client

    def migrate(self, experiment_id: int) -> dict[str, Any]:
        path = self.client.project_path(f"experiments/{experiment_id}/migrate/")
        try:
            data = self.client.post(path, {}, idempotent=True)  # "migrating twice returns the first copy"
        except ApiNotFoundError as exc:
            if exc.detail == "Endpoint not found.":
                raise RejectedError(
                    "this PostHog cannot migrate legacy experiments (no experiments/{id}/migrate)",
                    hint="its legacy experiments keep working with `expctl results`",
                ) from None
            raise
        if not isinstance(data, dict):
            from expctl.errors import ApiUnexpectedError

            raise ApiUnexpectedError("PostHog's migrate answer is not an experiment")
        return data
