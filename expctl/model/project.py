"""A project's experiments and flags as the helper endpoints summarise them.

Releases without ``experiments/stats/`` or ``eligible_feature_flags/`` get the same
answers computed from the list rows and flags, by the endpoints' own rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta, timezone
from typing import Any

from expctl.model.times import parse_time


def _day(value: Any) -> date | None:
    """The UTC day of a timestamp."""
    moment = parse_time(value)
    return moment.astimezone(timezone.utc).date() if moment is not None else None


def experiment_stats(rows: Iterable[Mapping[str, Any]], *, today: date) -> dict[str, Any]:
    """What PostHog's ``experiments/stats/`` answers, from list rows.

    The endpoint's rules (``stats`` in ``products/experiments/backend/presentation/
    views.py``): experiments neither archived nor deleted; launches and completions by
    day in the last 30 days (today included) and the 30 before; running = started and
    not ended; percent change rounded to one place, 100 when there was nothing before.
    Days are taken in UTC here (PostHog uses the project's time zone)."""
    last_start, previous_start = today - timedelta(days=30), today - timedelta(days=60)
    live = [r for r in rows if not r.get("archived") and not r.get("deleted")]
    started = [d for d in (_day(r.get("start_date")) for r in live) if d is not None]
    ended = [d for d in (_day(r.get("end_date")) for r in live) if d is not None]
    last = sum(1 for d in started if last_start <= d <= today)
    previous = sum(1 for d in started if previous_start <= d < last_start)
    change = (last - previous) / previous * 100 if previous else (100.0 if last else 0.0)
    return {
        "launched_last_30d": last,
        "launched_previous_30d": previous,
        "percent_change": round(change, 1),
        "active_experiments": sum(1 for r in live if r.get("start_date") and not r.get("end_date")),
        "completed_last_30d": sum(1 for d in ended if last_start <= d <= today),
    }


def is_eligible_flag(flag: Mapping[str, Any], *, search: str | None, active: bool | None) -> bool:
    """``eligible_feature_flags``' rules: not deleted, multivariate with two or more
    variants and ``control`` first; ``search`` in the key or name; ``active`` as asked."""
    if flag.get("deleted"):
        return False
    filters = flag.get("filters") if isinstance(flag.get("filters"), Mapping) else {}
    variants = ((filters or {}).get("multivariate") or {}).get("variants") or []
    if len(variants) < 2 or not isinstance(variants[0], Mapping) or variants[0].get("key") != "control":
        return False
    if search and search.lower() not in f"{flag.get('key') or ''}\n{flag.get('name') or ''}".lower():
        return False
    return active is None or bool(flag.get("active")) == active
