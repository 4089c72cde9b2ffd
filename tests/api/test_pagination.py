"""Paging: concurrent once the total is known, in order, bounded, never off our host."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs

import httpx

from expctl.api.pagination import PageInfo, iter_list
from expctl.standin.holds import Barrier
from tests.support.clients import client_for


def paged_server(
    total: int, *, cap: int | None = None, next_host: str = "posthog.test", together: Barrier | None = None
):
    """``together``: the pages after the first wait there until its count have arrived,
    which proves that many were in flight at once, on a machine of any speed."""
    seen: list[httpx.Request] = []
    in_flight = {"now": 0, "max": 0}
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            seen.append(request)
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        try:
            query = parse_qs(request.url.query.decode())
            if together is not None and int(query.get("offset", ["0"])[0]) > 0:
                together.hold()
            limit = int(query.get("limit", ["100"])[0])
            if cap:
                limit = min(limit, cap)
            offset = int(query.get("offset", ["0"])[0])
            rows = [{"id": i, "name": f"e{i}"} for i in range(offset, min(total, offset + limit))]
            following = offset + limit
            next_link = (
                f"https://{next_host}/api/projects/1/experiments/?limit={limit}&offset={following}"
                if following < total
                else None
            )
            return httpx.Response(200, json={"count": total, "next": next_link, "previous": None, "results": rows})
        finally:
            with lock:
                in_flight["now"] -= 1

    return seen, in_flight, handler


PATH = "/api/projects/1/experiments/"


def test_all_pages_in_order_with_concurrency() -> None:
    four = Barrier(None, "", count=4)
    seen, in_flight, handler = paged_server(2250, together=four)
    client = client_for(handler)
    info = PageInfo()
    ids = [row["id"] for row in iter_list(client, PATH, page_size=500, concurrency=4, info=info)]
    assert ids == list(range(2250))
    assert len(seen) == 5 == info.requests
    assert four.met, "the four pages after the first were in flight at once"
    assert in_flight["max"] == 4


def test_never_more_pages_in_flight_than_the_concurrency() -> None:
    three = Barrier(None, "", count=3)
    seen, in_flight, handler = paged_server(5000, together=three)
    ids = [row["id"] for row in iter_list(client_for(handler), PATH, page_size=500, concurrency=3)]
    assert ids == list(range(5000)) and len(seen) == 10
    assert three.met and in_flight["max"] == 3


def test_limit_stops_early_and_says_more_exist() -> None:
    seen, _, handler = paged_server(340)
    info = PageInfo()
    ids = [row["id"] for row in iter_list(client_for(handler), PATH, page_size=100, limit=100, info=info)]
    assert ids == list(range(100))
    assert len(seen) == 1
    assert info.more_after_limit and info.count == 340


def test_offset_and_limit_across_pages() -> None:
    _, _, handler = paged_server(1000)
    ids = [row["id"] for row in iter_list(client_for(handler), PATH, page_size=100, offset=250, limit=230)]
    assert ids == list(range(250, 480))


def test_server_side_page_cap_is_followed() -> None:
    seen, _, handler = paged_server(250, cap=100)
    ids = [row["id"] for row in iter_list(client_for(handler), PATH, page_size=500)]
    assert ids == list(range(250))
    assert len(seen) == 3


def test_next_link_to_another_host_is_never_requested() -> None:
    seen, _, handler = paged_server(250, cap=100, next_host="evil.example")
    ids = [row["id"] for row in iter_list(client_for(handler), PATH, page_size=100, concurrency=1)]
    assert ids == list(range(250))
    assert {request.url.host for request in seen} == {"posthog.test"}


def test_duplicates_from_shifting_offsets_are_dropped() -> None:
    pages = {
        0: {"count": 4, "next": "https://posthog.test/x?limit=2&offset=2", "results": [{"id": 1}, {"id": 2}]},
        2: {"count": 4, "next": None, "results": [{"id": 2}, {"id": 3}]},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(parse_qs(request.url.query.decode()).get("offset", ["0"])[0])
        return httpx.Response(200, json=pages[offset])

    assert [r["id"] for r in iter_list(client_for(handler), PATH, page_size=2)] == [1, 2, 3]
