"""Writes planned from a read that never overwrite a person's concurrent edit (issue 34).

Current PostHog versions every experiment (PR #71032): a write carrying a stale
``version`` is merged field by field against the ``original_experiment`` it was planned
from, or refused with 409. ``ExperimentsApi.update`` sends both; here a 409 (or a plan
made from a list row, which has no ``version``) reads the experiment again: when nobody
touched the fields the write changes, it is sent on the new version; otherwise nothing is
written and the conflict is shown (``ConflictError``, exit 12). A server without
``version`` keeps last-write-wins, found once per run (``versioned`` capability).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from expctl.api.client import PostHogClient
from expctl.model.experiment import Experiment


class ExperimentsApi(Protocol):
    """What a planned write needs of ``expctl.api.experiments.ExperimentsApi``."""

    client: PostHogClient

    def get(self, experiment_id: int) -> Experiment: ...

    def update(
        self, experiment_id: int, body: Mapping[str, Any], *, read: Mapping[str, Any] | None = None
    ) -> Experiment: ...


def update_planned(
    api: ExperimentsApi,
    read: Mapping[str, Any],
    body: Mapping[str, Any],
    *,
    on_retry: Callable[[str], None] | None = None,
) -> Experiment:
    """A write planned from ``read``: a 409 re-reads the experiment; when nobody touched
    the fields this write changes, it is sent again on the new version (``on_retry``
    hears what changed), else ``ConflictError`` (exit 12) with the conflict."""
    from expctl.errors import ApiVersionConflictError

    experiment_id = int(read["id"])
    if "version" not in read and api.client.capabilities.get("versioned") is not False:
        # Planned from a list row (which has no version): the full object gives it, and
        # what moved between the row and it is checked here, the rest by PostHog.
        fresh = api.get(experiment_id)
        api.client.capabilities["versioned"] = "version" in fresh
        if "version" in fresh:
            return _written_around(api, read, fresh, body, on_retry)
    try:
        return api.update(experiment_id, body, read=read)
    except ApiVersionConflictError:
        fresh = api.get(experiment_id)
    return _written_around(api, read, fresh, body, on_retry)


def _written_around(
    api: ExperimentsApi,
    read: Mapping[str, Any],
    fresh: Experiment,
    body: Mapping[str, Any],
    on_retry: Callable[[str], None] | None,
) -> Experiment:
    from expctl.errors import ConflictError
    from expctl.model.concurrency import changed_fields, conflict_message, overlap

    experiment_id = int(read["id"])
    moved = changed_fields(read, {k: v for k, v in fresh.items() if k in read})
    clash = overlap(body, moved)
    name = str(fresh.get("name") or experiment_id)
    if clash:
        raise ConflictError(
            conflict_message(name, clash, read, fresh)
            + _by_whom(api.client, experiment_id, clash)
            + "; nothing was written",
            hint="see it with `expctl get`, then run the command again (or change your spec) to decide",
        ) from None
    if on_retry is not None and moved:
        changed = ", ".join(sorted(moved))
        on_retry(f"'{name}' changed in PostHog meanwhile ({changed}); written on top, touching only its own fields")
    return api.update(experiment_id, body, read=fresh)


def _by_whom(client: PostHogClient, experiment_id: int, fields: list[str]) -> str:
    """Who made the concurrent change, where PostHog's activity log says and the key may
    read it (``activity_log:read``); nothing otherwise."""
    from expctl.api.activity import ActivityApi
    from expctl.errors import ExpctlError

    try:
        for entry in ActivityApi(client).entries(experiment_id):
            changes = (entry.get("detail") or {}).get("changes") or []
            if any(isinstance(c, Mapping) and c.get("field") in fields for c in changes):
                user = entry.get("user") if isinstance(entry.get("user"), Mapping) else {}
                who = (user or {}).get("email") or (user or {}).get("first_name")
                return f" (by {who})" if who else ""
            break  # only the newest entry can be the concurrent one
    except ExpctlError:
        return ""
    return ""
