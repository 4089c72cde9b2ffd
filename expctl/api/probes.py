"""Harmless requests that tell what a key may do and what a PostHog release has, for `doctor`.

Every probe names an object that cannot exist (experiment 0) or asks for nothing, so
PostHog checks the scope first and then refuses or answers without changing anything.
The answer is one word: ``ok`` (allowed), ``scope`` (403), ``missing`` (no such
endpoint on this release) or ``error`` (anything else went wrong).
"""

from __future__ import annotations

from typing import Any

from expctl.api.client import ApiResponse, PostHogClient
from expctl.errors import ApiAuthError, ApiNotFoundError, ApiRejectedError, ExpctlError

# A query that fits PostHog's schema but names no experiment: the scope check runs first
# (403 without query:read); past it current PostHog answers 400 ("experiment_id is
# required": 0 names none), computing nothing, while a release without ExperimentQuery
# refuses the kind itself (pydantic's union_tag_invalid). Only the second means "missing".
PROBE_QUERY = {
    "query": {
        "kind": "ExperimentQuery",
        "experiment_id": 0,
        "metric": {"kind": "ExperimentMetric", "metric_type": "mean", "source": {"kind": "EventsNode"}},
    }
}

# Newest Cloud gives shared metrics and holdouts scope objects of their own
# (ExperimentSavedMetricViewSet, ExperimentHoldoutViewSet); older releases used experiment:*.
RESOURCE_SCOPES = (
    ("experiment_saved_metrics/", "experiment_saved_metric"),
    ("experiment_holdouts/", "experiment_holdout"),
)


def kind_refused(detail: str) -> bool:
    """PostHog's words for a query kind its schema does not have (``QueryRequest``'s
    discriminated union, through ``PydanticModelMixin.get_model``)."""
    return "union_tag_invalid" in detail or "does not match any of the expected tags" in detail


class Probes:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client

    def first_page(self) -> ApiResponse:
        """The first experiment of the project, with the answer's headers (its Date)."""
        return self.client.request("GET", self.client.project_path("experiments/"), params={"limit": 1})

    def experiment(self, experiment_id: int) -> Any:
        return self.client.get(self.client.project_path(f"experiments/{experiment_id}/"))

    def experiment_write(self) -> str:
        return self._probe("PATCH", "experiments/0/", {})

    def query(self) -> str:
        return self._probe("POST", "query/", PROBE_QUERY)

    def lifecycle_actions(self) -> str:
        return self._probe("POST", "experiments/0/launch/", {})

    def legacy_results(self) -> str:
        return self._probe("GET", "experiments/0/results/")

    def stored_results(self, experiment_id: int) -> bool | None:
        """Whether PostHog keeps this experiment's results (``metrics_recalculation``):
        None when it could not be asked."""
        from expctl.api.stored_results import StoredResultsApi
        from expctl.errors import ExpctlError

        stored = StoredResultsApi(self.client)
        try:
            stored.latest(experiment_id)
        except ExpctlError:
            return None
        return stored.available

    def stats(self) -> str:
        return self._probe("GET", "experiments/stats/", word_route=True)

    def missing_resource_scopes(self) -> list[str]:
        """The shared-metric and holdout scopes the key lacks (``…:read``, ``…:write``)."""
        missing = []
        for path, scope in RESOURCE_SCOPES:
            if self._probe("GET", path) == "scope":
                missing.append(f"{scope}:read")
            if self._probe("PATCH", f"{path}0/", {}) == "scope":
                missing.append(f"{scope}:write")
        return missing

    def _probe(self, method: str, suffix: str, body: Any = None, *, word_route: bool = False) -> str:
        """``word_route``: the path ends in a word where older routers take any word as an
        experiment id, so their "Not found." means the route is missing too."""
        try:
            self.client.request(method, self.client.project_path(suffix), json_body=body, idempotent=True)
        except ApiAuthError:
            return "scope"
        except ApiNotFoundError as exc:
            gone = exc.detail == "Endpoint not found." or (word_route and exc.detail == "Not found.")
            return "missing" if gone else "ok"
        except ApiRejectedError as exc:
            # A release older than a query kind refuses the kind itself, not experiment 0.
            return "missing" if body is PROBE_QUERY and kind_refused(exc.detail) else "ok"
        except ExpctlError:
            return "error"
        return "ok"
