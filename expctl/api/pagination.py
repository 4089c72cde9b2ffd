"""Limit/offset paging that fetches pages concurrently once ``count`` is known.

PostHog's list endpoints use DRF's LimitOffsetPagination: ``{count, next, previous,
results}`` with no maximum page size. The first page tells the total, after which the
remaining offsets are known and up to ``concurrency`` pages are fetched at once; pages
are still yielded in order and at most ``concurrency`` of them are held in memory,
so streaming output starts with the first page and memory stays bounded.

``next`` links are absolute URLs that PostHog builds from the Host it saw (behind a
proxy it may differ from ours). They are never requested as given: only their
``limit``/``offset`` are read, and the request goes to the configured host, so
credentials never travel to a host named in a response.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from expctl.api.client import PostHogClient
from expctl.errors import ApiUnexpectedError

if TYPE_CHECKING:
    from concurrent.futures import Future

# Why 500: one page of the slimmest Cloud list rows is ~1.5 KB per experiment, so 500
# rows are under 1 MB of JSON (fast to produce and parse) while a 5,000-experiment
# project needs only 10 requests; larger pages gain little and make each request slow
# enough to risk proxy timeouts on busy instances.
ALL_PAGE_SIZE = 500
DEFAULT_CONCURRENCY = 4


class PageInfo:
    """How far a listing got: the total PostHog reported, items yielded, requests made."""

    def __init__(self) -> None:
        self.count: int | None = None
        self.fetched = 0
        self.requests = 0
        self.more_after_limit = False


class _Emitter:
    """Hands out items at most ``limit`` of them, each experiment once: offsets shift when
    experiments are created during a long listing, and no item may come twice."""

    def __init__(self, limit: int | None, info: PageInfo) -> None:
        self.limit = limit
        self.info = info
        self.emitted = 0
        self._seen: set[Any] = set()

    @property
    def full(self) -> bool:
        return self.limit is not None and self.emitted >= self.limit

    def emit(self, items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            if self.full:
                return
            key = item.get("id") if isinstance(item, dict) else None
            if key is not None:
                if key in self._seen:
                    continue
                self._seen.add(key)
            self.emitted += 1
            self.info.fetched = self.emitted
            yield item


def iter_list(
    client: PostHogClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    page_size: int = ALL_PAGE_SIZE,
    offset: int = 0,
    limit: int | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    info: PageInfo | None = None,
    on_page: Callable[[PageInfo], None] | None = None,
) -> Generator[dict[str, Any], None, None]:
    """Yield list items from ``offset``; at most ``limit`` of them when given."""
    info = info if info is not None else PageInfo()
    base = dict(params or {})
    first_size = min(page_size, limit) if limit is not None else page_size
    page = _fetch(client, path, base, first_size, offset)
    info.requests += 1
    info.count = _count(page)
    results = _results(page, path)
    out = _Emitter(limit, info)
    yield from out.emit(results)
    if on_page:
        on_page(info)
    if page.get("next") is None or not results:
        return
    served = len(results)
    if served < first_size:
        page_size = served  # the server caps page size; follow its lead
    end = _window_end(info, offset, limit)
    if out.full:
        info.more_after_limit = page.get("next") is not None
        return
    if end is None:
        yield from _follow_next(client, path, base, page, info, out.emit, on_page)
        return
    offsets = list(range(offset + served, end, page_size))
    last_page = yield from _concurrent_pages(client, path, base, offsets, page_size, concurrency, out, on_page)
    # The total grew while we listed, or a page came back short: finish by following next.
    if last_page is None:
        last_page = page
    if last_page.get("next") and not out.full:
        yield from _follow_next(client, path, base, last_page, info, out.emit, on_page)


def _window_end(info: PageInfo, offset: int, limit: int | None) -> int | None:
    """Where the listing ends: the total PostHog reported, or ``offset + limit`` if sooner."""
    end = info.count
    if limit is not None:
        want_end = offset + limit
        if end is not None and end > want_end:
            info.more_after_limit = True
        end = want_end if end is None else min(end, want_end)
    return end


def _concurrent_pages(
    client: PostHogClient,
    path: str,
    base: dict[str, Any],
    offsets: list[int],
    page_size: int,
    concurrency: int,
    out: _Emitter,
    on_page: Callable[[PageInfo], None] | None,
) -> Generator[dict[str, Any], None, dict[str, Any] | None]:
    """Fetch the known offsets ``concurrency`` at a time, yielding in order; returns the
    last page read, or None when nothing was left to read (or the limit was reached)."""
    from concurrent.futures import ThreadPoolExecutor

    last_page: dict[str, Any] | None = None
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="expctl-page") as pool:
        pending: deque[Future[dict[str, Any]]] = deque()
        queue = iter(offsets)
        for item_offset in queue:
            pending.append(pool.submit(_fetch, client, path, base, page_size, item_offset))
            if len(pending) >= concurrency:
                break
        while pending:
            fetched = pending.popleft().result()
            out.info.requests += 1
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(pool.submit(_fetch, client, path, base, page_size, nxt))
            last_page = fetched
            yield from out.emit(_results(fetched, path))
            if on_page:
                on_page(out.info)
            if out.full:
                for future in pending:
                    future.cancel()
                return None
    return last_page


def _follow_next(
    client: PostHogClient,
    path: str,
    base: dict[str, Any],
    page: dict[str, Any],
    info: PageInfo,
    emit: Callable[[list[dict[str, Any]]], Iterator[dict[str, Any]]],
    on_page: Callable[[PageInfo], None] | None,
) -> Iterator[dict[str, Any]]:
    guard = 0
    while page.get("next"):
        limit, offset = _next_window(str(page["next"]), path)
        page = _fetch(client, path, base, limit, offset)
        info.requests += 1
        results = _results(page, path)
        yield from emit(results)
        if on_page:
            on_page(info)
        guard += 1
        if not results or guard > 100_000:
            return


def _next_window(link: str, path: str) -> tuple[int, int]:
    parts = urlsplit(link)
    if parts.path.rstrip("/") != path.rstrip("/"):
        raise ApiUnexpectedError(f"PostHog's next-page link points elsewhere ({parts.path}); stopped paging")
    query = parse_qs(parts.query)
    try:
        limit = int(query.get("limit", ["100"])[0])
        offset = int(query.get("offset", ["0"])[0])
    except ValueError:
        raise ApiUnexpectedError("PostHog's next-page link has no usable limit/offset; stopped paging") from None
    return limit, offset


def _fetch(client: PostHogClient, path: str, base: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
    params = dict(base)
    params["limit"] = limit
    if offset:
        params["offset"] = offset
    data = client.get(path, params)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ApiUnexpectedError(
            f"GET {path}: expected a page with 'results', got {type(data).__name__}",
            hint="check that --host points at PostHog and that the server version is supported",
        )
    return data


def _results(page: dict[str, Any], path: str) -> list[dict[str, Any]]:
    return [item for item in page["results"] if isinstance(item, dict)]


def _count(page: dict[str, Any]) -> int | None:
    count = page.get("count")
    return count if isinstance(count, int) and count >= 0 else None
