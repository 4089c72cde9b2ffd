"""An experiment's history: ``GET experiments/{id}/activity/`` (``activity_log:read``).

Current Cloud serves each experiment's activity-log entries, newest first, paginated by
``limit`` and ``page`` (``{results, next, previous, total_count}``; a fork's copy of
PostHog's ``presentation/views.py`` and ``activity_page.py``). Each entry says who
(``user``), what (``activity``) and when (``created_at``), with each changed field's
``before`` and ``after`` under ``detail.changes``. The flag's own log (rollout edits made on
the flag) is not in this feed. Releases without the action answer 404.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from expctl.api.client import PostHogClient
from expctl.errors import ApiNotFoundError, RejectedError
from expctl.model.times import parse_time

PAGE = 100


class ActivityApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client

    def entries(self, experiment_id: int, *, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Entries newest first, stopping at the first one older than ``since``."""
        path = self.client.project_path(f"experiments/{experiment_id}/activity/")
        page = 1
        while True:
            try:
                data = self.client.get(path, {"limit": PAGE, "page": page})
            except ApiNotFoundError as exc:
                if exc.detail == "Endpoint not found." or (page == 1 and "Not found" in exc.detail):
                    raise RejectedError(
                        "this PostHog keeps no experiment activity log (experiments/{id}/activity/)",
                        hint="PostHog's web app shows the history under the experiment's Activity tab",
                    ) from None
                raise
            rows = data.get("results") if isinstance(data, dict) else None
            for row in rows or []:
                if not isinstance(row, dict):
                    continue
                when = parse_time(row.get("created_at"))
                if since is not None and when is not None and when < since:
                    return
                yield row
            if not isinstance(data, dict) or not data.get("next"):
                return
            page += 1


def entries_during_run(client: PostHogClient, experiment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The log's entries since the experiment started, where the key may read the log
    (``activity_log:read``) and the server keeps one; nothing otherwise (asked once a run)."""
    from expctl.errors import ExpctlError

    start = parse_time(experiment.get("start_date"))
    if start is None or client.capabilities.get("activity_log") is False:
        return []
    try:
        return list(ActivityApi(client).entries(int(experiment["id"]), since=start))
    except ExpctlError:
        client.capabilities["activity_log"] = False
        return []
