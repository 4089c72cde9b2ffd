"""`review`'s rules (core/decision/triage.py): what makes an experiment need a person."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from expctl.core.decision import Decision
from expctl.core.decision.triage import (
    CLEANUP,
    DECIDE,
    INVALID,
    LEGACY,
    NO_METRICS,
    STALE_DRAFT,
    UNDERPOWERED,
    from_decision,
    hygiene,
    needs_a_decision,
)

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
METRIC = {"kind": "ExperimentMetric", "metric_type": "funnel", "name": "Conversion", "uuid": "u1",
          "series": [{"kind": "EventsNode", "event": "purchase"}]}  # fmt: skip


def experiment(**fields: Any) -> dict[str, Any]:
    return {"id": 1, "name": "E", "feature_flag_key": "e", "metrics": [METRIC], **fields}


def flag(*splits: int) -> dict[str, Any]:
    keys = ("control", "test", "b")
    variants = [{"key": key, "rollout_percentage": pct} for key, pct in zip(keys, splits, strict=False)]
    return {"id": 9, "active": True, "filters": {"multivariate": {"variants": variants}}}


def urgencies(found: list[Any]) -> list[int]:
    return [f.urgency for f in found]


def test_a_draft_left_for_weeks_is_stale_and_a_fresh_one_is_not() -> None:
    assert urgencies(hygiene(experiment(updated_at="2026-05-01T00:00:00Z"), NOW)) == [STALE_DRAFT]
    assert hygiene(experiment(updated_at="2026-05-25T00:00:00Z"), NOW) == []


def test_an_ended_experiment_whose_flag_still_splits_needs_cleanup() -> None:
    ended = {"start_date": "2026-04-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}
    assert urgencies(hygiene(experiment(**ended, feature_flag=flag(50, 50)), NOW)) == [CLEANUP]
    assert hygiene(experiment(**ended, feature_flag=flag(0, 100)), NOW) == [], "shipped: one variant serves"


def test_no_metrics_and_legacy_metrics_are_said() -> None:
    assert urgencies(hygiene(experiment(metrics=[], updated_at="2026-05-30T00:00:00Z"), NOW)) == [NO_METRICS]
    legacy = experiment(metrics=[], filters={"events": [{"id": "purchase"}]}, start_date="2026-05-01T00:00:00Z")
    assert urgencies(hygiene(legacy, NOW)) == [LEGACY]
    assert not needs_a_decision(legacy)


def test_a_running_experiment_is_judged_by_its_decision() -> None:
    running = experiment(start_date="2026-05-01T00:00:00Z")
    assert needs_a_decision(running)
    invalid = from_decision(running, Decision("invalid", reasons=["sample ratio mismatch"]))
    assert invalid is not None and invalid.urgency == INVALID and "sample ratio" in invalid.why
    ship = from_decision(running, Decision("ship", variant="test", reasons=["wins"]))
    assert ship is not None and ship.urgency == DECIDE and "ship test" in ship.why
    far = from_decision(running, Decision("keep-running", days_left=200.0))
    assert far is not None and far.urgency == UNDERPOWERED and "200 days" in far.why
    assert from_decision(running, Decision("keep-running", days_left=10.0)) is None, "on track"
