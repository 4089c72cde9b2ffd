"""The experiments list's filters and orders, applied on our side for servers that ignore them.

PostHog releases before June 2025 list experiments with a plain ``ModelViewSet``
(``ee/clickhouse/views/experiments.py``): ``status``, ``archived``, ``search``,
``created_by_id`` and ``order`` are ignored, archived experiments are listed, and the
order is always ``-created_at``. expctl then reads every page and does here what newer
servers do: the same filters, and the same order fields (``-`` for descending).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from expctl.errors import UsageError
from expctl.model.experiment import status_of
from expctl.model.times import parse_time

ORDER_FIELDS = ("created_at", "created_by", "updated_at", "name", "start_date", "end_date", "duration", "status")
DEFAULT_ORDER = "-created_at"


def _creator(row: Mapping[str, Any]) -> Any:
    creator = row.get("created_by")
    return creator.get("id") if isinstance(creator, Mapping) else creator


def _duration(row: Mapping[str, Any]) -> float | None:
    start = parse_time(row.get("start_date"))
    if start is None:
        return None
    end = parse_time(row.get("end_date")) or datetime.now(timezone.utc)
    return (end - start).total_seconds()


_VALUES: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "created_at": lambda row: parse_time(row.get("created_at")),
    "updated_at": lambda row: parse_time(row.get("updated_at")),
    "start_date": lambda row: parse_time(row.get("start_date")),
    "end_date": lambda row: parse_time(row.get("end_date")),
    "name": lambda row: str(row.get("name") or "").casefold(),
    "created_by": _creator,
    "duration": _duration,
    "status": status_of,
}


def check_order(order: str) -> str:
    if order.lstrip("-") not in ORDER_FIELDS:
        raise UsageError(f"--order {order!r} is not one of {', '.join(ORDER_FIELDS)} (with '-' for descending)")
    return order


def sort_rows(rows: Iterable[Mapping[str, Any]], order: str | None) -> list[Mapping[str, Any]]:
    """Rows in ``order``; rows without a value for it come last, in the order they came."""
    order = check_order(order or DEFAULT_ORDER)
    value = _VALUES[order.lstrip("-")]
    keyed = [(value(row), row) for row in rows]
    present = [pair for pair in keyed if pair[0] is not None]
    present.sort(key=lambda pair: pair[0], reverse=order.startswith("-"))
    return [row for _, row in present] + [row for key, row in keyed if key is None]


def created_by_matches(row: Mapping[str, Any], user_id: int | None) -> bool:
    return user_id is None or _creator(row) == user_id
