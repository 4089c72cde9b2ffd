"""One metrics recalculation run as PostHog sent it (``recalculation.py``'s job payload).

Read by the API layer (``expctl.api.stored_results``) and by core, which judges its
freshness (``expctl.core.results.freshness``): one description of the run for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TERMINAL = ("completed", "failed")
PLACEHOLDER = "timeseries_fallback"  # result_source of the cold-start placeholder


@dataclass(frozen=True)
class StoredRun:
    """One recalculation run as PostHog sent it, and the server's clock when it did."""

    payload: Mapping[str, Any]
    server_now: str | None = None  # the answer's Date header, as ISO 8601

    @property
    def id(self) -> str:
        return str(self.payload.get("id") or "")

    @property
    def status(self) -> str:
        return str(self.payload.get("status") or "")

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    @property
    def placeholder(self) -> bool:
        return self.payload.get("result_source") == PLACEHOLDER

    @property
    def query_to(self) -> str | None:
        value = self.payload.get("query_to")
        return value if isinstance(value, str) else None

    @property
    def active_run(self) -> Mapping[str, Any] | None:
        active = self.payload.get("active_run")
        return active if isinstance(active, Mapping) and active.get("id") != self.payload.get("id") else None

    def items(self) -> dict[str, Mapping[str, Any]]:
        """Each metric's ``results[]`` item by its uuid, finished ones only (a pending
        item has nothing to read yet)."""
        found: dict[str, Mapping[str, Any]] = {}
        for item in self.payload.get("results") or []:
            if isinstance(item, Mapping) and item.get("status") in ("completed", "failed"):
                found[str(item.get("metric_uuid"))] = item
        return found

    def discovery_errors(self) -> dict[str, str]:
        """Metrics that failed before a result row was made (``metric_errors``)."""
        errors = self.payload.get("metric_errors")
        if not isinstance(errors, Mapping):
            return {}
        return {
            str(uuid): str(error.get("message") or "the calculation failed")
            for uuid, error in errors.items()
            if isinstance(error, Mapping)
        }

    def progress_text(self) -> str:
        """The run's own counters in words, for the progress line."""
        body = self.payload
        total = body.get("total_metrics")
        done = (body.get("completed_metrics") or 0) + (body.get("failed_metrics") or 0)
        text = f"PostHog is recalculating ({self.status.replace('_', ' ') or 'starting'}"
        if isinstance(total, int) and total:
            text += f", {done} of {total} metrics"
        read, expected = body.get("rows_read"), body.get("estimated_rows_total")
        if isinstance(read, int) and isinstance(expected, int) and expected:
            text += f", {read:,} of ~{expected:,} rows"
        return text + ")"
