"""How fresh PostHog's stored results are, judged on PostHog's clock (issue 33)."""

from __future__ import annotations

from expctl.core.results.freshness import age, freshness_warnings
from expctl.model.stored_run import StoredRun

RUN = {"id": "r1", "status": "completed", "query_to": "2026-11-30T06:00:00Z", "result_source": "recalculation"}


def test_a_fresh_run_of_a_running_experiment_says_nothing() -> None:
    source = StoredRun(RUN, "2026-11-30T12:00:00Z")
    assert freshness_warnings(source, {"end_date": None}) == [] and age(source) == "6 h"


def test_stale_while_running_and_short_of_the_end() -> None:
    old = StoredRun(RUN, "2026-12-02T12:00:00Z")
    assert "2 days old" in freshness_warnings(old, {"end_date": None})[0]
    ended = freshness_warnings(StoredRun(RUN, "2026-12-02T12:00:00Z"), {"end_date": "2026-11-30T09:00:00Z"})
    assert ended == [
        "PostHog's stored results stop 3 h before the experiment ended; --refresh recalculates with all its data"
    ]


def test_placeholder_failed_and_active_runs_are_said() -> None:
    run = {
        **RUN,
        "result_source": "timeseries_fallback",
        "status": "failed",
        "active_run": {"id": "r2", "status": "in_progress"},
    }
    said = " | ".join(freshness_warnings(StoredRun(run, None), {}))
    assert "placeholder" in said and "failed" in said and "recalculating now (run r2, in progress)" in said
