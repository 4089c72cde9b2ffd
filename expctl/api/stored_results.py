"""PostHog's stored results: the metrics recalculation runs of current Cloud.

Current PostHog computes every metric of a running experiment in a background run and
keeps the answers (``products/experiments/backend/recalculation.py``, the viewset's
``metrics_recalculation`` actions in ``presentation/views.py``):

* ``GET experiments/{id}/metrics_recalculation/latest/`` (``experiment:read``) is a pure
  read: the newest finished run, with ``active_run`` while another runs; else a
  ``timeseries_fallback`` placeholder from daily results; else the active run; else
  404 "No completed recalculation found".
* ``POST experiments/{id}/metrics_recalculation/`` (``experiment:write``) starts a run, or
  returns the pending or running one (``is_existing``, 200); it refuses with 429 "Metrics
  were recalculated less than 5 minutes ago" where the organisation has that limit on.
* ``GET experiments/{id}/metrics_recalculation/{uuid}/`` is one run in any status, with
  progress counters while it is ``in_progress``.

Each run's ``results[]`` item holds the ExperimentQuery runner's answer for one metric,
the same shape ``/query/`` answers with, so reading them spends none of the query
budget. Releases without the actions (the late-2024 release, early-2026 Cloud) answer
404 "Endpoint not found." (or 405): found once per run and remembered as the
``stored_results`` capability.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from expctl.api.client import PostHogClient
from expctl.errors import ApiAuthError, ApiError, ApiNotFoundError, ApiUnavailableError
from expctl.model.stored_run import StoredRun

NO_RUN_YET = "No completed recalculation found"  # recalculation views: 404 when nothing is stored
RECENTLY = "recalculated less than"  # RecalculationRateLimited.default_detail, "…5 minutes ago."
MISSING_STATUSES = (404, 405)
FOLLOW_LIMIT_SECONDS = 600.0
# tools.yaml: "Do not poll in a tight loop; wait a few seconds between checks."
FIRST_PAUSE, LONGEST_PAUSE = 0.5, 5.0


class StoredResultsApi:
    """Reads, starts and follows recalculation runs; every answer as PostHog gave it."""

    def __init__(self, client: PostHogClient) -> None:
        self.client = client

    @property
    def available(self) -> bool:
        return self.client.capabilities.get("stored_results") is not False

    def _path(self, experiment_id: Any, suffix: str = "") -> str:
        return self.client.project_path(f"experiments/{experiment_id}/metrics_recalculation/{suffix}")

    def _read(self, path: str) -> StoredRun:
        response = self.client.request("GET", path)
        return StoredRun(response.data if isinstance(response.data, Mapping) else {}, _date(response.headers))

    def latest(self, experiment_id: Any) -> StoredRun | None:
        """The newest stored run, or None: PostHog has none yet, or keeps none at all
        (``available`` is then False for the rest of the run)."""
        if not self.available:
            return None
        try:
            run = self._read(self._path(experiment_id, "latest/"))
        except ApiError as exc:
            if exc.status in MISSING_STATUSES and not (exc.status == 404 and NO_RUN_YET in exc.detail):
                self.client.capabilities["stored_results"] = False
            if exc.status in MISSING_STATUSES:
                return None
            raise
        self.client.capabilities["stored_results"] = True
        return run

    def recalculate(self, experiment_id: Any) -> tuple[StoredRun | None, str]:
        """Ask PostHog for a fresh run (it returns the active one when there is one).
        None, and why, when it will not: the key may not start runs (``experiment:write``),
        or a run finished moments ago (its 5-minute limit), or the server has no runs."""
        if not self.available:
            return None, "this PostHog keeps no stored results"
        try:
            response = self.client.request(
                "POST", self._path(experiment_id), json_body={}, idempotent=True, patient=False
            )
        except ApiAuthError as exc:
            if exc.status == 401:
                raise
            return None, f"the key cannot ask PostHog to recalculate ({exc.message})"
        except ApiNotFoundError as exc:
            if exc.detail == NO_RUN_YET:
                raise
            self.client.capabilities["stored_results"] = False
            return None, "this PostHog keeps no stored results"
        except ApiUnavailableError as exc:
            if exc.status == 429 and RECENTLY in exc.detail:
                return None, f"PostHog refused a new run: {exc.detail.rstrip('.')}"
            raise
        self.client.capabilities["stored_results"] = True
        return StoredRun(response.data if isinstance(response.data, Mapping) else {}, _date(response.headers)), ""

    def follow(
        self,
        experiment_id: Any,
        run: StoredRun,
        *,
        on_progress: Callable[[StoredRun], None] | None = None,
    ) -> StoredRun:
        """Poll a run until it finishes, telling ``on_progress`` each answer."""
        waited, pause = 0.0, FIRST_PAUSE
        while not run.finished:
            if waited >= FOLLOW_LIMIT_SECONDS:
                raise ApiUnavailableError(
                    f"PostHog's recalculation {run.id} did not finish within {FOLLOW_LIMIT_SECONDS:.0f} s "
                    f"(status {run.status})",
                    hint="run `expctl results` later: it reads the stored run once it is done",
                )
            self.client.sleep(pause)
            waited += pause
            pause = min(pause * 2, LONGEST_PAUSE)
            run = self._read(self._path(experiment_id, f"{run.id}/"))
            if on_progress is not None:
                on_progress(run)
        return run


def _date(headers: Mapping[str, str]) -> str | None:
    """The answer's ``Date`` (the server's clock) as ISO 8601, or None."""
    from email.utils import parsedate_to_datetime

    value = headers.get("date") or headers.get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError):
        return None
