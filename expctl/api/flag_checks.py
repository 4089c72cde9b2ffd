"""Flags and experiments: do events carry flag information, and which flags can back one.

Releases before the ``eligible_feature_flags/`` endpoint get the same list from
``feature_flags/``, filtered by the endpoint's own rules (``expctl.model.project``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from expctl.api.client import PostHogClient
from expctl.api.experiments import ENDPOINT_MISSING
from expctl.api.pagination import iter_list
from expctl.errors import ApiNotFoundError, ApiUnexpectedError
from expctl.model.listing import sort_rows
from expctl.model.project import is_eligible_flag

MAX_ELIGIBLE_PAGE = 100
# A missing route: unregistered ("Endpoint not found."), or, on releases whose router
# sends any word to the detail route, that word taken as an experiment id ("Not found.").
ROUTE_MISSING = (ENDPOINT_MISSING, "Not found.")


class FlagChecksApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client
        self.base = client.project_path("experiments/")

    def requires_flag_implementation(self, events: Sequence[str], actions: Sequence[int]) -> bool:
        """True when the sampled events of the last 7 days carry no feature flag information."""
        params: dict[str, str] = {}
        if events:
            params["events"] = json.dumps([{"id": e, "type": "events", "order": i} for i, e in enumerate(events)])
        if actions:
            params["actions"] = json.dumps([{"id": a, "type": "actions", "order": i} for i, a in enumerate(actions)])
        data = self.client.get(f"{self.base}requires_flag_implementation/", params)
        if not isinstance(data, dict) or not isinstance(data.get("result"), bool):
            raise ApiUnexpectedError("PostHog's flag check answered without a result")
        return bool(data["result"])

    def eligible_flags(
        self, *, search: str | None, active: bool | None, limit: int | None, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Flags that can back an experiment (multivariate, 'control' first); all pages when no limit.

        Releases before the ``eligible_feature_flags/`` endpoint get the same list from
        ``feature_flags/``, filtered here by the endpoint's own rules."""
        if self.client.capabilities.get("eligible_endpoint") is not False:
            try:
                return self._eligible_from_endpoint(search=search, active=active, limit=limit, offset=offset)
            except ApiNotFoundError as exc:
                if exc.detail not in ROUTE_MISSING:
                    raise
                self.client.capabilities["eligible_endpoint"] = False
        flags = iter_list(
            self.client,
            self.client.project_path("feature_flags/"),
            {k: v for k, v in (("search", search), ("active", _flag(active))) if v is not None},
            page_size=MAX_ELIGIBLE_PAGE,
        )
        eligible = sort_rows([f for f in flags if is_eligible_flag(f, search=search, active=active)], "-created_at")
        end = None if limit is None else offset + limit
        return [dict(f) for f in eligible[offset:end]], len(eligible)

    def _eligible_from_endpoint(
        self, *, search: str | None, active: bool | None, limit: int | None, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        rows: list[dict[str, Any]] = []
        total = 0
        while True:
            size = MAX_ELIGIBLE_PAGE if limit is None else min(MAX_ELIGIBLE_PAGE, limit - len(rows))
            params: dict[str, Any] = {"limit": size, "offset": offset + len(rows)}
            if search:
                params["search"] = search
            if active is not None:
                params["active"] = _flag(active)
            data = self.client.get(f"{self.base}eligible_feature_flags/", params)
            page = data.get("results") if isinstance(data, Mapping) else None
            if not isinstance(page, list):
                raise ApiUnexpectedError("PostHog's eligible flags answer has no results")
            total = int(data.get("count") or 0)
            rows.extend(r for r in page if isinstance(r, dict))
            if not page or len(rows) + offset >= total or (limit is not None and len(rows) >= limit):
                return rows, total


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")
