"""Experiment tags in bulk: ``POST experiments/bulk_update_tags/`` (PR #74331, ``experiment:write``).

``posthog/api/tagged_item.py``: ``{ids, action: add|remove|set, tags}``, at most 500 ids a
request (``BULK_UPDATE_TAGS_MAX_IDS``), answered ``{updated: [{id, tags}], skipped: [{id,
reason}]}``. The same request twice leaves the same tags, so it is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.api.client import PostHogClient

BATCH = 500


class TagsApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client
        self.path = client.project_path("experiments/bulk_update_tags/")

    def bulk_update(self, action: str, tags: list[str], ids: list[int]) -> tuple[list[Any], list[Any]]:
        """(updated, skipped) over every batch of 500."""
        updated: list[Any] = []
        skipped: list[Any] = []
        for start in range(0, len(ids), BATCH):
            body = {"ids": ids[start : start + BATCH], "action": action, "tags": tags}
            answer = self.client.post(self.path, body, idempotent=True)
            if isinstance(answer, Mapping):
                updated.extend(answer.get("updated") or [])
                skipped.extend(answer.get("skipped") or [])
        return updated, skipped
