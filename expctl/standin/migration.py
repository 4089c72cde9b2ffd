"""``POST experiments/{id}/migrate``: a legacy experiment copied onto the new engine.

Read in PR #104391 ("Migration copies, it does not convert in place ... two experiments on
one feature flag"), ``products/experiments/backend/test/test_legacy_migration.py`` and
``legacy_migration.py``: 200 with the new experiment; the old one's
``stats_config.migrated_to`` is the new id, the new one's ``migrated_from`` the old;
``primary_metrics_ordered_uuids`` filled; a second call returns the first copy
(``test_migrating_twice_returns_the_first_copy``); an experiment already on the new engine
is refused with 400 (``test_rejects_an_experiment_that_is_already_on_the_new_engine``).
Guesses (the view and the converter were not read): the 400's text, the route's scope
(``experiment:write``), and the conversion here: a trends query becomes a mean metric of
its first series, a funnels query a funnel metric of its series.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from expctl.standin.state import clone
from expctl.standin.wire import FakeResponse, HttpError, validation

if TYPE_CHECKING:
    from expctl.standin.server import Ctx


def migrate(ctx: Ctx) -> FakeResponse:
    from expctl.standin.experiments import experiment_of, is_legacy, serialize

    with ctx.store.lock:
        old = experiment_of(ctx)
        moved_to = (old.get("stats_config") or {}).get("migrated_to")
        target = ctx.store.experiments.get(moved_to) if moved_to else None
        if target is not None and not target.get("deleted"):
            return FakeResponse.json(200, serialize(ctx, target))
        if not is_legacy(old, ctx.store.saved_metrics):
            raise HttpError(validation("This experiment already uses the new experiment engine."))
        new = clone({k: v for k, v in old.items() if k not in ("id", "created_at")})
        new["id"] = ctx.store.new_id("experiment")
        new["created_at"] = ctx.store.now()
        new["updated_at"] = ctx.store.now()
        new["metrics"] = [_convert(m) for m in old.get("metrics") or []]
        new["metrics_secondary"] = [_convert(m) for m in old.get("metrics_secondary") or []]
        new["primary_metrics_ordered_uuids"] = [m["uuid"] for m in new["metrics"]]
        new["secondary_metrics_ordered_uuids"] = [m["uuid"] for m in new["metrics_secondary"]]
        new["stats_config"] = {**(old.get("stats_config") or {}), "migrated_from": old["id"]}
        new.pop("migrated_to", None)
        new["stats_config"].pop("migrated_to", None)
        old["stats_config"] = {**(old.get("stats_config") or {}), "migrated_to": new["id"]}
        ctx.store.experiments[new["id"]] = new
        return FakeResponse.json(200, serialize(ctx, new))


def _convert(metric: Any) -> Any:
    if not isinstance(metric, dict) or metric.get("kind") not in ("ExperimentTrendsQuery", "ExperimentFunnelsQuery"):
        return metric
    if metric["kind"] == "ExperimentTrendsQuery":
        series = ((metric.get("count_query") or {}).get("series") or [{}])[0]
        converted: dict[str, Any] = {"kind": "ExperimentMetric", "metric_type": "mean", "source": clone(series)}
    else:
        steps = (metric.get("funnels_query") or {}).get("series") or []
        converted = {"kind": "ExperimentMetric", "metric_type": "funnel", "series": clone(steps)}
    converted.update(name=metric.get("name"), goal="increase", uuid=str(uuid.uuid4()))
    return converted
