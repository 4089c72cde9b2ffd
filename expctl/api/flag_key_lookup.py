"""Finding the one experiment a flag key names, in as few round trips as PostHog allows.

PostHog's experiment list has no filter by flag key (only by ``feature_flag_id``, on
current releases), so a key is resolved one of two ways:

* **From the flag-key cache** (``expctl list`` fills it): the cached experiment id and
  flag id let the experiment read and the two "who else uses this flag" lists (live and
  archived) go out at once, one round trip in all. The read confirms the key and the
  lists confirm no other experiment shares the flag; anything that does not match falls
  back to the scan, so a stale entry costs requests, never a wrong experiment.
* **By scanning** the live and the archived list at once (they are independent), then
  reading the one match.

Experiments may share a flag (``duplicate`` without a new key does that), and a flag key
that names two of them must never quietly pick one: `delete` would hit the wrong one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from expctl.api.client import PostHogClient
from expctl.model.flagkeys import flag_id_of


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent requests concurrently and return their answers in order; the first
    failure is raised (the client's rate limiter still paces every one of them)."""
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="expctl-lookup") as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


class FlagUsers:
    """Which experiments use one flag, from the ``feature_flag_id`` list filter."""

    def __init__(self, client: PostHogClient, base: str) -> None:
        self.client = client
        self.base = base

    @property
    def supported(self) -> bool:
        return self.client.capabilities.get("list_by_flag") is not False

    def page(self, flag_id: int, archived: bool) -> Any:
        return self.client.get(self.base, {"feature_flag_id": flag_id, "archived": str(archived).lower(), "limit": 10})

    def only(self, experiment: Mapping[str, Any], pages: list[Any]) -> bool:
        """True when the two pages (live, archived) list this experiment and no other.

        A server that ignores the filter shows unrelated rows; that is remembered for the
        run (``list_by_flag``) and the caller scans instead.
        """
        users: set[Any] = set()
        for page in pages:
            rows = page.get("results") if isinstance(page, Mapping) else None
            if not isinstance(rows, list) or any(
                not isinstance(row, Mapping) or row.get("feature_flag_key") != experiment.get("feature_flag_key")
                for row in rows
            ):
                self.client.capabilities["list_by_flag"] = False
                return False
            users.update(row.get("id") for row in rows)
        self.client.capabilities["list_by_flag"] = True
        return users == {experiment.get("id")}

    def sole_user(self, experiment: Mapping[str, Any]) -> bool:
        """The check on its own, for an experiment already read (two concurrent lists)."""
        flag_id = flag_id_of(experiment)
        if flag_id is None or not self.supported:
            return False
        pages = at_once(lambda: self.page(flag_id, False), lambda: self.page(flag_id, True))
        return self.only(experiment, pages)


def scan_both(
    rows: Callable[[bool], Iterator[dict[str, Any]]], wanted: Callable[[Mapping[str, Any]], bool]
) -> list[dict[str, Any]]:
    """The wanted rows of the live and the archived list, read concurrently, each once.

    Releases that list archived experiments with the live ones answer both scans with
    the same rows; duplicates are dropped by id.
    """
    live, archived = at_once(
        lambda: [row for row in rows(False) if wanted(row)],
        lambda: [row for row in rows(True) if wanted(row)],
    )
    seen: set[Any] = set()
    found: list[dict[str, Any]] = []
    for row in [*live, *archived]:
        if row.get("id") not in seen:
            seen.add(row.get("id"))
            found.append(row)
    return found
