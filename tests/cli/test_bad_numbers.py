"""Numbers that are not numbers in PostHog's answers (issue 32): NaN, Infinity, 1e308, a
string where a count goes, an answer nested absurdly deep. Each costs its metric a named
error; the rest renders; -o json stays JSON; report --all writes every page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from expctl.standin.demo import daily_recalculation
from expctl.standin.wire import FakeResponse
from tests.cli.conftest import InProcessServer

CONVERSION = "11111111-1111-4111-8111-111111111111"


def _answer(chance: object) -> dict[str, object]:
    return {
        "baseline": {"key": "control", "number_of_samples": 1992, "sum": 266.0, "sum_squares": 266.0,
                     "step_counts": [799, 266], "validation_failures": []},
        "variant_results": [{"key": "test", "number_of_samples": 2012, "sum": 226.0, "sum_squares": 226.0,
                             "step_counts": [679, 226], "method": "bayesian", "validation_failures": [],
                             "chance_to_win": chance, "credible_interval": [-0.29, -0.01], "significant": True}],
    }  # fmt: skip


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e308, "0.98"], ids=["nan", "inf", "1e308", "string"])
def test_a_bad_number_costs_its_metric_only(cloud: InProcessServer, tmp_path: Path, bad: object) -> None:
    cloud.fake.schema_checker = None  # the answer breaks PostHog's schema on purpose
    cloud.fake.query_results[(cloud.ids["checkout-redesign"], CONVERSION)] = _answer(bad)
    daily_recalculation(cloud.fake, cloud.ids["checkout-redesign"])  # stored as PostHog computed it
    table = cloud.run("results", "checkout-redesign", "-o", "table")
    assert table.returncode == 1, table
    assert "could not compute the primary metric 'Checkout conversion'" in table.stderr
    assert "numbers that are not numbers (variant_results[0].chance_to_win" in table.stderr
    assert "unexpected error" not in table.stderr
    assert "Revenue per user" in table.stdout and "▲ winning" in table.stdout, "the other metrics render"
    as_json = cloud.run("results", "checkout-redesign", "-o", "json")
    json.loads(as_json.stdout)  # valid JSON: no NaN token
    assert "NaN" not in as_json.stdout and "Infinity" not in as_json.stdout
    pages = tmp_path / "reports"
    report = cloud.run("report", "--all", "-f", str(pages))
    assert report.returncode == 1, report
    assert len(list(pages.glob("*.html"))) == 3, "every page is written, and the index"


def test_an_answer_nested_too_deeply_is_one_error_for_its_metric(cloud: InProcessServer) -> None:
    deep = b'{"baseline": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}"
    cloud.fake.stored_results = False  # the /query/ path
    cloud.fake.script("POST", r"/query/$", FakeResponse(200, deep, {"Content-Type": "application/json"}))
    result = cloud.run("results", "checkout-redesign", "-o", "table")
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result


def test_json_output_never_writes_nan(cloud: InProcessServer) -> None:
    with cloud.fake.store.lock:
        cloud.fake.store.experiments[cloud.ids["pricing-copy"]]["parameters"] = {
            "minimum_detectable_effect": float("nan")
        }
    got = cloud.run("get", "pricing-copy", "-o", "json")
    assert got.returncode == 0, got
    assert json.loads(got.stdout)["parameters"]["minimum_detectable_effect"] is None
