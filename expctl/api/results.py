"""Fetch an experiment's results, whichever way the server computes them.

* Metrics of the current engine go to the query endpoint as ``ExperimentQuery`` (one
  query per metric), with an ``ExperimentExposureQuery`` for the exposure counts.
* Legacy goals (``filters`` / ``secondary_metrics``) use ``results/`` and
  ``secondary_results/?id=N`` on releases before March 2025; where those are gone (404)
  the same goal is asked of the query endpoint as ``ExperimentTrendsQuery`` /
  ``ExperimentFunnelsQuery``.

Queries run concurrently, never more than three at once: PostHog runs at most three
queries per team and answers a fourth with a 429. The client's query bucket enforces the
cap and the query rate limit for every thread of the run. Answers are returned as they
came (``MetricAnswer``); reading them is core's (``expctl.core.results.verdicts.read_results``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

from expctl.api.client import PostHogClient
from expctl.api.experiments import ENDPOINT_MISSING
from expctl.api.stored_results import RECENTLY, StoredResultsApi
from expctl.errors import ApiNotFoundError, ApiRejectedError, ApiUnexpectedError, ExpctlError, RejectedError
from expctl.model.metrics import FAILED, LEGACY, LEGACY_NO_DATA, QUERY, MetricAnswer, MetricSpec
from expctl.model.numbers import not_numbers
from expctl.model.stored_run import StoredRun

MAX_QUERIES_IN_FLIGHT = 3
LEGACY_QUERY_KINDS = ("ExperimentTrendsQuery", "ExperimentFunnelsQuery")
ASYNC_POLL_LIMIT_SECONDS = 600.0


def checked(answer: MetricAnswer) -> MetricAnswer:
    """A metric's answer, failed (that metric only) when it holds numbers that are not."""
    broken = not_numbers(answer.payload)
    if not broken:
        return answer
    error = ApiUnexpectedError(
        f"PostHog's answer holds numbers that are not numbers ({'; '.join(broken)})",
        hint="recompute it (--refresh); if it stays, the results on PostHog's side are broken",
    )
    return MetricAnswer(FAILED, error=error)


def stored_answer(run: StoredRun, spec: MetricSpec) -> MetricAnswer | None:
    """One metric's answer from a stored run: its result, or PostHog's own error for it;
    None when the run has nothing for it (a legacy goal, a metric added since the run)."""
    if spec.legacy:
        return None
    item = run.items().get(spec.key)
    if item is None:
        failure = run.discovery_errors().get(spec.key)
        return None if failure is None else MetricAnswer(FAILED, error=_stored_failure(failure))
    if item.get("status") == "failed" or not isinstance(item.get("result"), Mapping):
        return MetricAnswer(FAILED, error=_stored_failure(str(item.get("error_message") or "no result")))
    return checked(MetricAnswer(QUERY, dict(item["result"])))


def _stored_failure(message: str) -> RejectedError:
    return RejectedError(
        f"PostHog's recalculation failed for it: {message}",
        hint="recalculate with `expctl results EXPERIMENT --refresh`; if it fails again, check the metric",
    )


class RawResults(NamedTuple):
    """PostHog's answers for one experiment: the exposure query's (or None), one per metric,
    and the stored run they were read from (None: computed through the query endpoint)."""

    exposures: dict[str, Any] | None
    answers: dict[str, MetricAnswer]
    run: StoredRun | None = None
    notes: tuple[str, ...] = ()


class ResultsApi:
    def __init__(self, client: PostHogClient, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self._sleep = sleep
        self.query_path = client.project_path("query/")
        self.experiments_path = client.project_path("experiments/")
        self.stored = StoredResultsApi(client)

    def fetch(
        self,
        experiment: Mapping[str, Any],
        specs: list[MetricSpec],
        *,
        refresh: bool,
        on_done: Callable[[str], None] | None = None,
        on_progress: Callable[[StoredRun], None] | None = None,
    ) -> RawResults:
        """Every metric's answer: from PostHog's stored run where the server keeps one
        (``--refresh`` asks it for a new run and follows it), else (and for metrics the run
        lacks) from the query endpoint, at most three queries at a time."""
        run, notes = self._stored_run(experiment, refresh, on_progress)
        answers: dict[str, MetricAnswer] = {}
        asked: list[MetricSpec] = []
        for spec in specs:
            answer = stored_answer(run, spec) if run is not None else None
            if answer is None:
                asked.append(spec)
                continue
            answers[spec.key] = answer
            if on_done is not None:
                on_done(spec.key)
        if run is not None and any(not s.legacy for s in asked):
            missing = ", ".join(f"'{s.name}'" for s in asked if not s.legacy)
            notes.append(f"not in PostHog's stored run, computed now: {missing}")
        queried = self._queried(experiment, asked, refresh=refresh, exposures=run is None, on_done=on_done)
        answers.update(queried.answers)
        ordered = {spec.key: answers[spec.key] for spec in specs}
        return RawResults(queried.exposures, ordered, run, tuple(notes))

    def _stored_run(
        self, experiment: Mapping[str, Any], refresh: bool, on_progress: Callable[[StoredRun], None] | None
    ) -> tuple[StoredRun | None, list[str]]:
        """The run to read, and what to say about it: a new one when ``refresh`` (if PostHog
        will start it), else the newest stored one (followed while it is the only one)."""
        stored, experiment_id = self.stored, experiment["id"]
        notes: list[str] = []
        if not stored.available:
            return None, notes
        if refresh:
            started, why = stored.recalculate(experiment_id)
            if started is not None:
                return stored.follow(experiment_id, started, on_progress=on_progress), notes
            if not stored.available:
                return None, notes
            if RECENTLY not in why:
                notes.append(f"{why}; computed through the query endpoint instead")
                return None, notes
            notes.append(f"{why}; showing that run")
        run = stored.latest(experiment_id)
        if run is None:
            if stored.available:
                notes.append("PostHog has stored no results for this experiment yet: computed now")
            return None, notes
        if not run.finished and not run.items():  # nothing stored but the run under way
            run = stored.follow(experiment_id, run, on_progress=on_progress)
        return run, notes

    def _queried(
        self,
        experiment: Mapping[str, Any],
        specs: list[MetricSpec],
        *,
        refresh: bool,
        exposures: bool,
        on_done: Callable[[str], None] | None,
    ) -> RawResults:
        """The metrics' answers from the query endpoint (and the exposures when asked)."""
        jobs: list[tuple[str, Callable[[], Any]]] = []
        if exposures and any(not s.legacy for s in specs):
            jobs.append(("exposures", lambda: self.exposures(experiment, refresh)))
        for spec in specs:
            if spec.legacy:
                jobs.append((spec.key, lambda s=spec: self._legacy(experiment, s, refresh)))  # type: ignore[misc]
            else:
                jobs.append((spec.key, lambda s=spec: self.metric(experiment, s, refresh)))  # type: ignore[misc]
        outcomes: dict[str, Any] = {}
        if jobs:
            with ThreadPoolExecutor(max_workers=MAX_QUERIES_IN_FLIGHT, thread_name_prefix="expctl-query") as pool:
                futures = {name: pool.submit(job) for name, job in jobs}
                for name, future in futures.items():
                    outcomes[name] = future.result()
                    if on_done is not None:
                        on_done(name)
        found = outcomes.pop("exposures", None)
        return RawResults(found if isinstance(found, dict) else None, outcomes)

    # -- one job each ----------------------------------------------------------------------

    def metric(self, experiment: Mapping[str, Any], spec: MetricSpec, refresh: bool) -> MetricAnswer:
        metric = dict(spec.query or {})
        try:
            if metric.get("kind") in LEGACY_QUERY_KINDS:
                payload = self._query({**metric, "experiment_id": experiment["id"]}, refresh)
                return checked(MetricAnswer(LEGACY, {"result": payload, **_freshness(payload)}))
            query = {"kind": "ExperimentQuery", "experiment_id": experiment["id"], "metric": metric}
            return checked(MetricAnswer(QUERY, self._query(query, refresh)))
        except ApiRejectedError as exc:
            return MetricAnswer(FAILED, error=_unknown_kind(exc) or exc)
        except ExpctlError as exc:
            return MetricAnswer(FAILED, error=exc)

    def exposures(self, experiment: Mapping[str, Any], refresh: bool) -> Any:
        query = {
            "kind": "ExperimentExposureQuery",
            "experiment_id": experiment["id"],
            "experiment_name": experiment.get("name"),
            "exposure_criteria": experiment.get("exposure_criteria"),
            "feature_flag": experiment.get("feature_flag"),
            "start_date": experiment.get("start_date"),
            "end_date": experiment.get("end_date"),
            "holdout": holdout_for_query(experiment.get("holdout")),
        }
        try:
            answer = self._query(query, refresh)
        except ExpctlError:
            return None  # exposures then come from the primary metric's sample counts
        return None if not_numbers(answer) else answer  # a broken count: the metrics' samples instead

    def _legacy(self, experiment: Mapping[str, Any], spec: MetricSpec, refresh: bool) -> MetricAnswer:
        experiment_id = experiment["id"]
        params: dict[str, Any] = {"refresh": "true"} if refresh else {}
        if spec.legacy_index is None:
            path = f"{self.experiments_path}{experiment_id}/results/"
        else:
            path = f"{self.experiments_path}{experiment_id}/secondary_results/"
            params["id"] = spec.legacy_index
        if self.client.capabilities.get("legacy_results") is not False:
            try:
                payload = self.client.get(path, params)
            except ApiNotFoundError as exc:
                if exc.detail != ENDPOINT_MISSING:
                    return MetricAnswer(FAILED, error=exc)
                self.client.capabilities["legacy_results"] = False
            except ApiRejectedError as exc:
                if exc.detail.startswith("{"):
                    return MetricAnswer(LEGACY_NO_DATA, detail=exc.detail)
                return MetricAnswer(FAILED, error=exc)
            except ExpctlError as exc:
                return MetricAnswer(FAILED, error=exc)
            else:
                self.client.capabilities["legacy_results"] = True
                return MetricAnswer(LEGACY, payload if isinstance(payload, Mapping) else {})
        return self._legacy_through_query(experiment, spec, refresh)

    def _legacy_through_query(self, experiment: Mapping[str, Any], spec: MetricSpec, refresh: bool) -> MetricAnswer:
        """Current PostHog removed results/; its query runners still take the legacy kinds.
        The answer is read as a primary goal's (secondary_results had another shape)."""
        if spec.legacy_index is None:
            filters = experiment.get("filters") or {}
        else:
            secondary = (experiment.get("secondary_metrics") or [])[spec.legacy_index]
            filters = secondary.get("filters") or {} if isinstance(secondary, Mapping) else {}
        try:
            payload = self._query(legacy_query(experiment["id"], filters), refresh)
        except ExpctlError as exc:
            return MetricAnswer(FAILED, error=exc)
        return MetricAnswer(LEGACY, {"result": payload, **_freshness(payload)}, detail="as-primary")

    # -- the query endpoint ------------------------------------------------------------------

    def _query(self, query: Mapping[str, Any], refresh: bool) -> dict[str, Any]:
        body = {"query": dict(query), "refresh": "force_blocking" if refresh else "blocking"}
        data = self.client.post(self.query_path, body, idempotent=True, bucket="query")
        if not isinstance(data, dict):
            from expctl.errors import ApiUnexpectedError

            raise ApiUnexpectedError("PostHog's query answer is not an object")
        status = data.get("query_status")
        if isinstance(status, Mapping) and not status.get("complete", True):
            return self._poll(str(status.get("id")))
        return data

    def _poll(self, query_id: str) -> dict[str, Any]:
        """Wait for a query PostHog chose to run asynchronously (202 + query_status)."""
        waited = 0.0
        pause = 0.5
        while waited < ASYNC_POLL_LIMIT_SECONDS:
            self._sleep(pause)
            waited += pause
            pause = min(pause * 2, 5.0)
            data = self.client.get(f"{self.query_path}{query_id}/", bucket="query")
            status = data.get("query_status") if isinstance(data, Mapping) else None
            if isinstance(status, Mapping) and status.get("complete"):
                if status.get("error"):
                    raise ApiRejectedError(f"PostHog's query failed: {status.get('error_message') or 'unknown error'}")
                results = status.get("results")
                return results if isinstance(results, dict) else {}
        from expctl.errors import ApiUnavailableError

        raise ApiUnavailableError(f"the query did not finish within {ASYNC_POLL_LIMIT_SECONDS:.0f} s")


def _unknown_kind(exc: ApiRejectedError) -> ApiRejectedError | None:
    """A release whose query schema has no ``ExperimentQuery`` (before 2025) refuses it
    with pydantic's whole multi-line dump (``union_tag_invalid``, through
    ``PydanticModelMixin.get_model``'s ``ParseError``): said in one line instead."""
    if "union_tag_invalid" not in exc.detail or "'ExperimentQuery'" not in exc.detail:
        return None
    return ApiRejectedError(
        "this PostHog release cannot compute metrics of kind ExperimentMetric (its query endpoint predates "
        "ExperimentQuery)",
        info=exc.info,
        hint="give the experiment a goal in `filters`, or upgrade PostHog (see docs/older-releases.md)",
    )


def legacy_query(experiment_id: Any, filters: Mapping[str, Any]) -> dict[str, Any]:
    """An ExperimentTrendsQuery / ExperimentFunnelsQuery equivalent to a legacy goal."""
    series: list[dict[str, Any]] = []
    entities = sorted(
        [
            *(("events", e) for e in filters.get("events") or []),
            *(("actions", a) for a in filters.get("actions") or []),
        ],
        key=lambda pair: int(pair[1].get("order") or 0) if isinstance(pair[1], Mapping) else 0,
    )
    for kind, entity in entities:
        if not isinstance(entity, Mapping):
            continue
        if kind == "events":
            series.append(
                {"kind": "EventsNode", "event": entity.get("id"), "name": entity.get("name") or entity.get("id")}
            )
        else:
            series.append({"kind": "ActionsNode", "id": entity.get("id")})
    if filters.get("insight") == "FUNNELS":
        return {
            "kind": "ExperimentFunnelsQuery",
            "experiment_id": experiment_id,
            "funnels_query": {"kind": "FunnelsQuery", "series": series},
        }
    return {
        "kind": "ExperimentTrendsQuery",
        "experiment_id": experiment_id,
        "count_query": {"kind": "TrendsQuery", "series": series},
    }


def _freshness(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {k: payload[k] for k in ("is_cached", "last_refresh") if k in payload}


# ExperimentHoldoutType and FeatureFlagGroupType in PostHog's query schema allow no other
# keys (``additionalProperties: false``; pydantic forbids extras), while the experiment's
# ``holdout`` carries more on newest Cloud (``user_access_level``): send only theirs.
_HOLDOUT_KEYS = ("id", "name", "description", "filters", "created_by", "created_at", "updated_at")
_GROUP_KEYS = ("description", "properties", "rollout_percentage", "sort_key", "users_affected", "variant")


def holdout_for_query(holdout: Any) -> Any:
    if not isinstance(holdout, Mapping):
        return holdout
    out = {key: holdout.get(key) for key in _HOLDOUT_KEYS}
    groups = out.get("filters")
    if isinstance(groups, list):
        out["filters"] = [
            {k: v for k, v in g.items() if k in _GROUP_KEYS} if isinstance(g, Mapping) else g for g in groups
        ]
    return out
