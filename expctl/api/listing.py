"""The experiments list with its filters, on every release.

Current PostHog filters (``status``, ``archived``, ``search``, ``created_by_id``), sorts
(``order``) and pages the list itself. Releases before June 2025 ignore all of that
(a plain ``ModelViewSet``: archived rows included, always ``-created_at``); there every
page is read and filtered, sorted and windowed here, by the rules in
``expctl.model.listing``, so ``--limit``/``--offset`` and the total count mean the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from expctl.api.client import PostHogClient
from expctl.api.pagination import ALL_PAGE_SIZE, PageInfo, iter_list
from expctl.model.experiment import matches_status_filter
from expctl.model.listing import check_order, created_by_matches, sort_rows


class ListFilters(NamedTuple):
    status: str | None = None
    archived: bool = False
    search: str | None = None
    created_by_id: int | None = None
    order: str | None = None
    tags: tuple[str, ...] = ()  # any of these (PR #74331's ``tags`` filter)
    excluded_tags: tuple[str, ...] = ()  # none of these (``excluded_tags``)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.status:
            params["status"] = self.status
        if self.archived:
            params["archived"] = "true"
        if self.search:
            params["search"] = self.search
        if self.created_by_id is not None:
            params["created_by_id"] = self.created_by_id
        if self.order:
            params["order"] = self.order
        if self.tags:  # the format PostHog parses was not found: a JSON array, as its web app sends lists
            params["tags"] = json.dumps(list(self.tags))
        if self.excluded_tags:
            params["excluded_tags"] = json.dumps(list(self.excluded_tags))
        return params

    def keeps(self, experiment: Mapping[str, Any]) -> bool:
        """Older releases ignore the list filters; apply them again on our side."""
        if bool(experiment.get("archived")) != self.archived:
            return False
        if not matches_status_filter(experiment, self.status):
            return False
        if not created_by_matches(experiment, self.created_by_id):
            return False
        tags = {str(t).lower() for t in experiment.get("tags") or []}
        if self.tags and not tags & {t.lower() for t in self.tags}:
            return False
        if self.excluded_tags and tags & {t.lower() for t in self.excluded_tags}:
            return False
        return not (self.search and self.search.lower() not in str(experiment.get("name", "")).lower())


def list_rows(
    client: PostHogClient,
    base: str,
    filters: ListFilters,
    *,
    limit: int | None = None,
    offset: int = 0,
    page_size: int = ALL_PAGE_SIZE,
    info: PageInfo | None = None,
    on_page: Callable[[PageInfo], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """List rows matching ``filters``, from ``offset``, at most ``limit`` of them.

    The server filters, sorts and pages where it can. A release that ignores the list
    filters is detected once per run (:func:`server_filters`); then every page is read
    and filtered, sorted and windowed here, and ``info.count`` counts the filtered rows."""
    info = info if info is not None else PageInfo()
    if client.capabilities.get("list_filters") is False:
        yield from _filtered_here(client, base, filters, limit, offset, info, on_page)
        return
    items = iter_list(
        client, base, filters.params(), page_size=page_size, offset=offset, limit=limit, info=info, on_page=on_page
    )
    for index, item in enumerate(items):
        # Current releases send `status` on every row and have every filter; rows
        # without it come from an older release that may ignore them.
        if index == 0 and "status" not in item and not server_filters(client, base):
            items.close()
            yield from _filtered_here(client, base, filters, limit, offset, info, on_page)
            return
        if filters.keeps(item):
            yield item


def server_filters(client: PostHogClient, base: str) -> bool:
    """Whether this server filters the list, found out once per run with at most two
    one-row requests: an older release answers ``archived=true`` and the default
    (non-archived) listing with the same newest row."""
    caps = client.capabilities
    if "list_filters" not in caps:
        supported = True
        for archived in (True, False):
            params: dict[str, Any] = {"limit": 1, **({"archived": "true"} if archived else {})}
            page = client.get(base, params)
            rows = page.get("results") if isinstance(page, Mapping) else None
            if isinstance(rows, list) and rows and bool(rows[0].get("archived")) != archived:
                supported = False
                break
        caps["list_filters"] = supported
    return bool(caps["list_filters"])


def _filtered_here(
    client: PostHogClient,
    base: str,
    filters: ListFilters,
    limit: int | None,
    offset: int,
    info: PageInfo,
    on_page: Callable[[PageInfo], None] | None,
) -> Iterator[dict[str, Any]]:
    order = check_order(filters.order) if filters.order else None
    listing = PageInfo()
    matched = [
        row
        for row in iter_list(client, base, {}, page_size=ALL_PAGE_SIZE, info=listing, on_page=on_page)
        if filters.keeps(row)
    ]
    ordered = sort_rows(matched, order) if order else matched  # the server's order is -created_at
    end = None if limit is None else offset + limit
    window = ordered[offset:end]
    info.count = len(ordered)
    info.requests += listing.requests
    info.fetched = len(window)
    info.more_after_limit = end is not None and end < len(ordered)
    for row in window:
        yield dict(row)
