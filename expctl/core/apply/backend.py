"""What the apply pipeline needs of PostHog, for every kind a spec set holds.

One protocol, implemented over the API by ``expctl.api.backend.ApiBackend`` and in
tests by plain objects, so core decides and never touches HTTP. Holdouts and shared
metrics are addressed by their spec kind (``spec_kinds.HOLDOUT``/``SHARED_METRIC``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol


class Backend(Protocol):
    # experiments
    def list_experiments(self, *, archived: bool) -> Iterable[dict[str, Any]]: ...

    def get(self, experiment_id: int) -> dict[str, Any]: ...

    def create(self, body: Mapping[str, Any], *, notes: list[str] | None = None) -> dict[str, Any]: ...

    def update(
        self,
        experiment_id: int,
        body: Mapping[str, Any],
        *,
        read: Mapping[str, Any] | None = None,
        notes: list[str] | None = None,
    ) -> dict[str, Any]:
        """PATCH; with ``read`` (what the write was planned from) a concurrent edit is
        merged, written around (said in ``notes``) or stops the write (exit 12)."""
        ...

    def move(self, verb: str, experiment: Mapping[str, Any]) -> dict[str, Any]: ...

    def experiments_with_key(self, key: str) -> list[dict[str, Any]]: ...

    def experiments_with_keys(self, keys: Collection[str]) -> dict[str, list[dict[str, Any]]]: ...

    def existing_flags(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def delete(self, experiment_id: int) -> str: ...

    # holdouts and shared metrics, by spec kind
    def list_resources(self, kind: str) -> list[dict[str, Any]]: ...

    def create_resource(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]: ...

    def update_resource(self, kind: str, resource_id: int, body: Mapping[str, Any]) -> dict[str, Any]: ...

    def delete_resource(self, kind: str, resource_id: int) -> None: ...
