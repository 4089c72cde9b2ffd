"""How fresh PostHog's stored results are, judged on PostHog's clock.

A stored run (``metrics_recalculation``) computed every metric up to one ``query_to``
("the data freshness cutoff", shared by every metric of the run: ``recalculation.py``).
PostHog recalculates a running experiment about once a day (``experiment_recalculation_time``
on ``TeamExperimentsConfig``), so a cutoff more than a day and an hour before the server's
own time (its ``Date`` header, never this machine's clock), or more than an hour before a
stopped experiment's ``end_date``, leaves data out: said, with ``--refresh`` as the way on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from expctl.model.stored_run import StoredRun
from expctl.model.times import parse_time

STALE_WHILE_RUNNING = timedelta(hours=25)
STALE_AFTER_END = timedelta(hours=1)


def freshness_warnings(source: StoredRun, experiment: Mapping[str, Any]) -> list[str]:
    """What a reader must know before trusting the stored numbers."""
    warnings: list[str] = []
    cutoff = parse_time(source.query_to)
    end = parse_time(experiment.get("end_date"))
    now = parse_time(source.server_now)
    if source.placeholder:
        warnings.append(
            "PostHog has not finished a full recalculation yet: these are its latest daily results "
            "(a placeholder); --refresh asks for one"
        )
    if source.status == "failed":
        warnings.append("PostHog's latest recalculation failed for some metrics; --refresh tries again")
    if cutoff is not None and end is not None and end - cutoff > STALE_AFTER_END:
        warnings.append(
            f"PostHog's stored results stop {_span(end - cutoff)} before the experiment ended; "
            "--refresh recalculates with all its data"
        )
    elif cutoff is not None and end is None and now is not None and now - cutoff > STALE_WHILE_RUNNING:
        warnings.append(f"PostHog's stored results are {_span(now - cutoff)} old; --refresh recalculates them")
    active = source.active_run
    if active is not None:
        warnings.append(
            f"PostHog is recalculating now (run {active.get('id')}, {str(active.get('status')).replace('_', ' ')}); "
            "these are the previous run's numbers"
        )
    return warnings


def age(source: StoredRun) -> str | None:
    """The cutoff's age on PostHog's clock ("3 h"), or None when either time is unknown."""
    cutoff, now = parse_time(source.query_to), parse_time(source.server_now)
    if cutoff is None or now is None:
        return None
    return _span(max(now - cutoff, timedelta(0)))


def _span(gap: timedelta) -> str:
    hours = gap.total_seconds() / 3600
    if gap.total_seconds() < 60:
        return "under a minute"
    if hours < 1:
        return f"{int(gap.total_seconds() // 60)} min"
    if hours < 48:
        return f"{int(hours)} h"
    return f"{int(hours // 24)} days"


# Fields whose change during a run mixes numbers computed two ways.
_MEANING = {
    "parameters": "the split",
    "metrics": "metrics",
    "metrics_secondary": "metrics",
    "saved_metrics": "shared metrics",
    "holdout": "the holdout",
    "holdout_id": "the holdout",
}


def changes_during_run(entries: list[dict[str, Any]]) -> list[str]:
    """Notes from PostHog's activity log: the split, metrics or holdout changed mid-run."""
    notes: list[str] = []
    for entry in entries:
        changes = (entry.get("detail") or {}).get("changes") or []
        fields = {c.get("field") for c in changes if isinstance(c, Mapping)}
        what = sorted({_MEANING[f] for f in fields if f in _MEANING})
        if not what:
            continue
        user = entry.get("user") if isinstance(entry.get("user"), Mapping) else None
        who = (user or {}).get("email") or "someone"
        when = str(entry.get("created_at") or "")[:10]
        notes.append(f"{' and '.join(what)} changed during the run ({when}, {who}): earlier numbers mix both")
    return list(dict.fromkeys(notes))
