"""Stored results: ``experiments/{id}/metrics_recalculation/`` (current Cloud).

Read in ``products/experiments/backend/presentation/views.py`` (the viewset's actions),
``recalculation.py`` (dedupe, payloads, the latest run) and
``test/test_metrics_recalculation_api.py``; ``mcp/tools.yaml`` describes each:

* ``POST …/metrics_recalculation/`` (``experiment:write``): 400 "Cannot recalculate metrics
  for experiment that hasn't started" for a draft; a pending run created, or an
  in-progress run started, less than 30 minutes ago (``_STALE_RECALC_THRESHOLD``) is
  returned with ``is_existing: true`` and 200; otherwise a new pending run, 201. The POST
  answer has no ``results``.
* ``GET …/metrics_recalculation/{uuid}/`` (``experiment:read``): the run in any status
  (``pending``, ``in_progress``, ``completed``, ``failed``), its ``results`` once metrics
  finish, the progress counters; 404 "Recalculation not found".
* ``GET …/metrics_recalculation/latest/`` (``experiment:read``): the newest terminal run
  (completed, or failed with ``completed_at``), with ``active_run: {id, status}`` while
  another runs; else a ``timeseries_fallback`` placeholder from daily results at most 24 h
  old (not made here: the stand-in has no stored daily points); else the active run; else
  404 "No completed recalculation found". ``result_source`` is ``recalculation`` for runs.

Each ``results[]`` item is ``{metric_uuid, status, result, error_message}``; ``result`` is
the ExperimentQuery runner's answer (``recalculation_activities.py`` dumps it), so here it
is the same computation ``/query/`` answers with: both paths give the same numbers. A run
moves on one step each time it is read (pending, then in_progress, then done), standing in
for PostHog's Temporal workflow. ``FakePostHog.stored_results = False`` makes the routes
answer as a server without them does (an early-2026 Cloud: 404 "Endpoint not found.").
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from expctl.standin.state import clone, iso
from expctl.standin.wire import FakeResponse, HttpError, not_found, validation

if TYPE_CHECKING:
    from expctl.standin.server import Ctx

STALE = timedelta(minutes=30)


def _experiment(ctx: Ctx) -> dict[str, Any]:
    if not ctx.server.stored_results:
        raise HttpError(not_found("Endpoint not found."))
    from expctl.standin.experiments import experiment_of

    return experiment_of(ctx)


def _runs(ctx: Ctx, experiment_id: int) -> list[dict[str, Any]]:
    runs = [r for r in ctx.server.recalculations.values() if r["experiment_id"] == experiment_id]
    return sorted(runs, key=lambda r: r["created_at"])


def _metrics(ctx: Ctx, experiment: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric a run computes, as the experiment shows them (shared ones included)."""
    from expctl.standin.experiments import serialize

    shown = serialize(ctx, experiment)
    metrics = [dict(m) for field in ("metrics", "metrics_secondary") for m in shown.get(field) or []]
    for saved in shown.get("saved_metrics") or []:
        query = saved.get("query") if isinstance(saved, dict) else None
        if isinstance(query, dict):
            metrics.append({**query, "name": query.get("name") or saved.get("name")})
    return [m for m in metrics if m.get("kind") == "ExperimentMetric" and m.get("uuid")]


def _payload(run: dict[str, Any], *, with_results: bool, is_existing: bool | None = None) -> dict[str, Any]:
    results = run.get("results") or []
    body: dict[str, Any] = {
        "id": run["id"],
        "experiment_id": run["experiment_id"],
        "status": run["status"],
        "total_metrics": run["total_metrics"],
        "completed_metrics": sum(1 for r in results if r["status"] == "completed"),
        "failed_metrics": sum(1 for r in results if r["status"] == "failed"),
        "metric_errors": run["metric_errors"],
        "metric_retries": {},
        "trigger": run["trigger"],
        "created_at": iso(run["created_at"]),
        "started_at": iso(run.get("started_at")),
        "completed_at": iso(run.get("completed_at")),
        "query_to": iso(run.get("query_to")),
        "result_source": "recalculation",
    }
    if is_existing is not None:
        body["is_existing"] = is_existing
    if with_results:
        body["results"] = clone(results)
    if run["status"] == "in_progress":
        body.update({"running_metrics": run["total_metrics"], "rows_read": 1200, "estimated_rows_total": 4800})
    return body


def _advance(ctx: Ctx, run: dict[str, Any]) -> None:
    """One step of the workflow: pending -> in_progress -> completed (or failed)."""
    now = ctx.store.now()
    if run["status"] == "pending":
        run.update(status="in_progress", started_at=now, query_to=now)
        return
    if run["status"] != "in_progress":
        return
    from expctl.standin.queries import experiment_query_result

    experiment = ctx.store.experiments[run["experiment_id"]]
    results = []
    for metric in _metrics(ctx, experiment):
        failure = ctx.server.query_failures.get((experiment["id"], str(metric["uuid"])))
        if failure is not None:
            message = str((failure.json_body() or {}).get("detail") or "the query failed")
            results.append(
                {"metric_uuid": metric["uuid"], "status": "failed", "result": None, "error_message": message}
            )
            run["metric_errors"][metric["uuid"]] = {"step": "calculation", "message": message, "timestamp": iso(now)}
            continue
        answer = experiment_query_result(ctx, experiment, metric)
        answer.update({"is_cached": False, "last_refresh": iso(run["query_to"]), "query_status": None})
        results.append({"metric_uuid": metric["uuid"], "status": "completed", "result": answer, "error_message": None})
    run.update(results=results, completed_at=now)
    run["status"] = "failed" if results and all(r["status"] == "failed" for r in results) else "completed"


def recalculate(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        experiment = _experiment(ctx)
        if not experiment.get("start_date"):
            raise HttpError(validation("Cannot recalculate metrics for experiment that hasn't started"))
        now = ctx.store.now()
        for run in reversed(_runs(ctx, experiment["id"])):
            since = run.get("started_at") if run["status"] == "in_progress" else run["created_at"]
            if run["status"] in ("pending", "in_progress") and since and now - since < STALE:
                return FakeResponse.json(200, _payload(run, with_results=False, is_existing=True))
        body = ctx.request.json() if ctx.request.body else {}
        trigger = (body or {}).get("trigger") or "manual"
        _refuse_a_recent_recalculation(ctx, experiment["id"], trigger, now)
        run = {
            "id": str(uuid.uuid4()),
            "experiment_id": experiment["id"],
            "status": "pending",
            "trigger": trigger,
            "created_at": now,
            "total_metrics": len(_metrics(ctx, experiment)),
            "metric_errors": {},
            "results": [],
        }
        ctx.server.recalculations[run["id"]] = run
        return FakeResponse.json(201, _payload(run, with_results=False, is_existing=False))


MIN_USER_RECALCULATION_INTERVAL = timedelta(minutes=5)


def _refuse_a_recent_recalculation(ctx: Ctx, experiment_id: int, trigger: str, now: Any) -> None:
    """``recalculation.py``: where the organisation has the
    ``experiment-metric-recalculation-rate-limit`` flag, a ``manual`` or ``agent_mcp``
    trigger within ``MIN_USER_RECALCULATION_INTERVAL`` of the latest completed run (not a
    ``timeseries_sync`` one) raises ``RecalculationRateLimited`` ("Metrics were
    recalculated less than 5 minutes ago."), which DRF renders as a 429 with Retry-After
    and "Expected available in N seconds." appended."""
    if not ctx.server.recalculation_rate_limit or trigger not in ("manual", "agent_mcp"):
        return
    done = [
        r for r in _runs(ctx, experiment_id) if r["status"] == "completed" and r.get("trigger") != "timeseries_sync"
    ]
    if not done or now - done[-1]["completed_at"] >= MIN_USER_RECALCULATION_INTERVAL:
        return
    wait = max(1, int((done[-1]["completed_at"] + MIN_USER_RECALCULATION_INTERVAL - now).total_seconds()))
    detail = f"Metrics were recalculated less than 5 minutes ago. Expected available in {wait} seconds."
    body = {"type": "throttled_error", "code": "throttled", "detail": detail, "attr": None}
    raise HttpError(FakeResponse.json(429, body, {"Retry-After": str(wait)}))


def one_run(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        experiment = _experiment(ctx)
        run = ctx.server.recalculations.get(ctx.match.group("run"))
        if run is None or run["experiment_id"] != experiment["id"]:
            raise HttpError(not_found("Recalculation not found"))
        _advance(ctx, run)
        return FakeResponse.json(200, _payload(run, with_results=True))


def latest(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        experiment = _experiment(ctx)
        runs = _runs(ctx, experiment["id"])
        terminal = [
            r for r in runs if r["status"] == "completed" or (r["status"] == "failed" and r.get("completed_at"))
        ]
        active = [r for r in runs if r["status"] in ("pending", "in_progress")]
        if terminal:
            body = _payload(terminal[-1], with_results=True)
        elif active:
            body = _payload(active[-1], with_results=True)
        else:
            raise HttpError(not_found("No completed recalculation found"))
        if active:
            body["active_run"] = {"id": active[-1]["id"], "status": active[-1]["status"]}
        return FakeResponse.json(200, body)
