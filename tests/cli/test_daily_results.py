"""`results --history` on daily results shaped as PostHog's ``get_timeseries_results``
returns them: computed days, a day not computed yet, and days whose computation failed."""

from __future__ import annotations

import json

from tests.cli.conftest import InProcess, invoke_and_assert


def test_failed_days_are_said_in_the_chart_and_kept_in_json(project: InProcess) -> None:
    first = json.loads(invoke_and_assert(project, ["results", "checkout-redesign", "--history", "-o", "json"]).stdout)
    days = first["exposures"]["days"]
    project.fake.daily_failures[(1, days[3])] = "Query exceeded the time limit"
    project.fake.daily_failures[(1, days[5])] = "Query exceeded the time limit"
    data = json.loads(invoke_and_assert(project, ["results", "checkout-redesign", "--history", "-o", "json"]).stdout)
    metric = data["metrics"][0]
    assert metric["status"] == "partial"
    assert metric["errors"] == {days[3]: "Query exceeded the time limit", days[5]: "Query exceeded the time limit"}
    assert {d["date"] for d in metric["days"]}.isdisjoint({days[3], days[5]})
    assert len(metric["days"]) == len(days) - 3  # two failed, today not computed yet
    chart = invoke_and_assert(project, ["results", "checkout-redesign", "--history", "-o", "table"]).stdout
    assert f"⚠ PostHog could not compute {days[3]} (and 1 more days): Query exceeded the time limit" in chart
    assert "not computed yet: 1 of the days" in chart


def test_every_day_failed_is_status_failed_and_nothing_to_chart(project: InProcess) -> None:
    first = json.loads(invoke_and_assert(project, ["results", "checkout-redesign", "--history", "-o", "json"]).stdout)
    for day in first["exposures"]["days"][:-1]:
        project.fake.daily_failures[(1, day)] = "ClickHouse error"
    data = json.loads(invoke_and_assert(project, ["results", "checkout-redesign", "--history", "-o", "json"]).stdout)
    assert data["metrics"][0]["status"] == "failed" and data["metrics"][0]["days"] == []
    chart = invoke_and_assert(project, ["results", "checkout-redesign", "--history", "-o", "table"]).stdout
    assert "PostHog has computed no day yet (status: failed)" in chart
    assert "⚠ PostHog could not compute" in chart and "more days): ClickHouse error" in chart
