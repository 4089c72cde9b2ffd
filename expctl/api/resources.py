"""Shared metrics and holdouts: two small project resources with the same shape.

``/api/projects/{id}/experiment_saved_metrics/`` and ``…/experiment_holdouts/`` are plain
DRF model viewsets (list with limit/offset, retrieve, create, PATCH, DELETE → 204). People
name them, so a reference is an id or a name: shared-metric names are unique per project
regardless of case (PostHog enforces it), holdout names are matched exactly and a name
that several holdouts share is refused rather than guessed.

A create is never sent twice: when the answer is lost, the list is searched for the
object by name before anything is retried.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from expctl.api.client import PostHogClient
from expctl.api.pagination import iter_list
from expctl.errors import ApiNotFoundError, NotFoundError, UsageError


@dataclass(frozen=True)
class ResourceKind:
    path: str  # under the project
    noun: str  # "shared metric"
    command: str  # "shared-metrics"
    names_fold_case: bool


SHARED_METRICS = ResourceKind("experiment_saved_metrics/", "shared metric", "shared-metrics", True)
HOLDOUTS = ResourceKind("experiment_holdouts/", "holdout", "holdouts", False)


class ResourceApi:
    def __init__(self, client: PostHogClient, kind: ResourceKind) -> None:
        self.client = client
        self.kind = kind
        self.base = client.project_path(kind.path)

    def path(self, resource_id: int) -> str:
        return f"{self.base}{resource_id}/"

    def iter(
        self, *, search: str | None = None, event: str | None = None, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every row, or those PostHog matches: ``search`` (name, description, tags) and, for
        shared metrics on newest Cloud, ``event`` (an event the query uses, directly or
        through an action). Releases that ignore ``event`` are filtered here, on the events
        named directly (actions cannot be resolved without reading them)."""
        params = {k: v for k, v in (("search", search), ("event", event)) if v} or None
        for row in iter_list(self.client, self.base, params, limit=limit):
            if event is None or _mentions(row.get("query"), event):
                yield row

    def all(self) -> list[dict[str, Any]]:
        return list(self.iter())

    def get(self, resource_id: int) -> dict[str, Any]:
        try:
            return _object(self.client.get(self.path(resource_id)))
        except ApiNotFoundError:
            raise self._not_found(str(resource_id)) from None

    def resolve(self, ref: str) -> dict[str, Any]:
        """An id (all digits) or a name; case-insensitive for shared metrics."""
        if ref.isdigit():
            return self.get(int(ref))
        found = self.named(ref)
        if len(found) > 1:
            ids = ", ".join(str(row.get("id")) for row in found)
            raise UsageError(f"{len(found)} {self.kind.noun}s are named {ref!r} (ids {ids}); give the id instead")
        if not found:
            raise self._not_found(ref)
        return found[0]

    def named(self, name: str) -> list[dict[str, Any]]:
        wanted = self._fold(name)
        return [row for row in self.iter(search=name) if self._fold(str(row.get("name") or "")) == wanted]

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        name = str(body.get("name") or "")

        def landed() -> dict[str, Any] | None:
            found = self.named(name)
            return found[-1] if found else None

        return _object(self.client.post(self.base, dict(body), reconcile=landed))

    def update(self, resource_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return _object(self.client.patch(self.path(resource_id), dict(body)))
        except ApiNotFoundError:
            raise self._not_found(str(resource_id)) from None

    def delete(self, resource_id: int) -> None:
        try:
            self.client.request("DELETE", self.path(resource_id))
        except ApiNotFoundError:
            raise self._not_found(str(resource_id)) from None

    def _fold(self, name: str) -> str:
        return name.lower() if self.kind.names_fold_case else name

    def _not_found(self, ref: str) -> NotFoundError:
        return NotFoundError(
            f"{self.kind.noun} {ref!r} not found in project {self.client.project}",
            hint=f"`expctl {self.kind.command} list` shows them",
        )


def _object(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


def _mentions(query: Any, event: str) -> bool:
    """Whether a query names ``event`` directly, or uses an action (which PostHog, when it
    filtered, resolved: such a row is kept as PostHog gave it)."""
    if isinstance(query, Mapping):
        if query.get("kind") == "ActionsNode" or (query.get("kind") == "EventsNode" and query.get("event") == event):
            return True
        return any(_mentions(value, event) for value in query.values())
    if isinstance(query, list):
        return any(_mentions(value, event) for value in query)
    return False
