"""Results mean what PostHog means against the test server (issue 11).

In process (tests/cli/conftest.py's ``InProcessServer``).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from expctl.render.results import format_chance
from expctl.standin.demo import call, daily_recalculation
from expctl.standin.wire import FakeResponse
from tests.conftest import Server

BASE = "/api/projects/{project}/experiments/"


def launched(server: Server, key: str, metric: dict[str, Any], **extra: Any) -> int:
    created = call(
        server.fake,
        "POST",
        BASE,
        {
            "name": key.replace("-", " ").capitalize(),
            "feature_flag_key": key,
            "parameters": {},
            "metrics": [metric],
            "allow_unknown_events": True,
            **extra,
        },
    )
    call(server.fake, "PATCH", f"{BASE}{created['id']}/", {"start_date": "2026-11-16T00:00:00Z"})
    return int(created["id"])


def server_answer(server: Server, exp_id: int, metric: dict[str, Any]) -> dict[str, Any]:
    answer = call(
        server.fake,
        "POST",
        "/api/projects/{project}/query/",
        {"query": {"kind": "ExperimentQuery", "experiment_id": exp_id, "metric": metric}, "refresh": "force_blocking"},
    )
    server.fake.query_cache.clear()
    server.fake.clear_log()
    return dict(answer["variant_results"][0])


def test_a_significantly_slower_variant_of_a_decrease_metric_loses_and_fails_the_gate(cloud: Server) -> None:
    metric = {
        "kind": "ExperimentMetric",
        "metric_type": "mean",
        "name": "Page load time",
        "goal": "decrease",
        "source": {"kind": "EventsNode", "event": "$pageview", "math": "avg", "math_property": "load_ms"},
    }
    # The server's synthetic effects are seeded by metric uuid: pick one where the test
    # variant's load time went up significantly (PostHog's chance_to_win close to 1).
    for index in range(40):
        metric["uuid"] = f"44444444-4444-4444-8444-4444444444{index:02d}"
        exp_id = launched(cloud, f"speed-{index}", metric)
        answer = server_answer(cloud, exp_id, metric)
        if answer["significant"] and answer["credible_interval"][0] > 0:
            break
    else:
        raise AssertionError("no seeded uuid gave a significant increase")
    assert answer["chance_to_win"] > 0.95, "PostHog's number: P(test > control), the goal ignored"
    key = f"speed-{index}"
    table = cloud.run("results", key, "-o", "table")
    test_line = next(line for line in table.stdout.splitlines() if line.startswith("test "))
    assert "▼ losing" in test_line, table.stdout
    shown = 1 - answer["chance_to_win"]
    assert format_chance(shown) in test_line, "chance to win shown as 1 - chance_to_win for lower is better"
    gate = cloud.run("results", key, "--fail-on", "loser")
    assert gate.returncode == 9, gate
    assert "gate failed: loser: significantly worse than the baseline: test on 'Page load time'" in gate.stderr
    raw = json.loads(cloud.run("results", key, "-o", "json").stdout)
    assert raw[metric["uuid"]]["variant_results"][0]["chance_to_win"] == answer["chance_to_win"]


def test_an_absolute_experiments_plain_delta_is_the_difference_of_the_values(cloud: Server) -> None:
    metric = {
        "kind": "ExperimentMetric",
        "metric_type": "mean",
        "uuid": "55555555-5555-4555-8555-555555555555",
        "name": "Revenue per user",
        "source": {"kind": "EventsNode", "event": "purchase", "math": "sum", "math_property": "revenue"},
    }
    stats = {"method": "bayesian", "bayesian": {"difference_type": "ABSOLUTE"}}
    launched(cloud, "absolute-revenue", metric, stats_config=stats)
    plain = cloud.run("results", "absolute-revenue")
    assert plain.returncode == 0, plain
    rows = {r[3]: r for r in (line.split("\t") for line in plain.stdout.splitlines())}
    control, test = float(rows["control"][5]), float(rows["test"][5])
    assert float(rows["test"][6]) == pytest.approx(test - control, rel=1e-4)
    low, high = float(rows["test"][7]), float(rows["test"][8])
    assert low < test - control < high, "the interval is on the absolute difference too"
    table = cloud.run("results", "absolute-revenue", "-o", "table")
    test_line = next(line for line in table.stdout.splitlines() if line.startswith("test "))
    delta_and_interval = test_line.split()[3:6]
    assert not any("%" in cell for cell in delta_and_interval), test_line


def test_a_metric_that_fails_is_said_on_stderr_in_every_mode(cloud: Server) -> None:
    revenue = (cloud.ids["checkout-redesign"], "22222222-2222-4222-8222-222222222222")
    cloud.fake.query_failures[revenue] = FakeResponse.json(
        400, {"type": "validation_error", "code": "invalid_input", "detail": "Invalid math property", "attr": None}
    )
    daily_recalculation(cloud.fake, revenue[0])  # the stored run holds PostHog's error for it
    for stored, mode in itertools.product((True, False), ("plain", "json", "markdown", "table")):
        cloud.fake.stored_results = stored
        result = cloud.run("results", "checkout-redesign", "-o", mode)
        assert result.returncode == 6, (mode, result)
        line = "error: could not compute the primary metric 'Revenue per user': "
        assert line in result.stderr and "Invalid math property" in result.stderr, (mode, result)
