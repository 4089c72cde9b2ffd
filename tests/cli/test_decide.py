"""`decide` and `review` on the test server (issue 37): each outcome from answers shaped
as PostHog's frequentist ExperimentQuery answers are (variant_results with p_value,
confidence_interval, significant: products/experiments/stats/frequentist), kept in a
stored run as PostHog's scheduler keeps them, so no query is spent deciding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from expctl.standin.demo import daily_recalculation
from expctl.standin.wire import FakeResponse
from tests.cli.conftest import InProcessServer

CONVERSION = "11111111-1111-4111-8111-111111111111"  # the demo's primary metrics
REVENUE = "22222222-2222-4222-8222-222222222222"
ADD_TO_CART = "33333333-3333-4333-8333-333333333333"  # secondary: the guardrail here


def _answer(p_value: float, interval: tuple[float, float], *, n: int = 5000) -> dict[str, Any]:
    return {
        "baseline": {"key": "control", "number_of_samples": n, "sum": 500.0, "sum_squares": 500.0,
                     "validation_failures": []},
        "variant_results": [{"key": "test", "number_of_samples": n, "sum": 560.0, "sum_squares": 560.0,
                             "method": "frequentist", "validation_failures": [], "p_value": p_value,
                             "confidence_interval": list(interval), "significant": p_value < 0.05}],
    }  # fmt: skip


def _frequentist(server: InProcessServer, answers: dict[str, dict[str, Any]]) -> int:
    experiment_id = server.ids["checkout-redesign"]
    with server.fake.store.lock:
        server.fake.store.experiments[experiment_id]["stats_config"] = {"method": "frequentist"}
    for uuid, answer in answers.items():
        server.fake.query_results[(experiment_id, uuid)] = answer
    daily_recalculation(server.fake, experiment_id)
    server.fake.log.clear()
    return experiment_id


def _policy(tmp_path: Path, text: str) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


GUARDED = "decision:\n  guardrails:\n  - {metric: Add to cart, max_regression: 5%}\n  planned_sample: 4000\n"
WINS = {CONVERSION: _answer(0.001, (0.05, 0.15)), REVENUE: _answer(0.002, (0.04, 0.2))}


def test_primaries_win_and_the_guardrail_holds_ships(cloud: InProcessServer, tmp_path: Path) -> None:
    _frequentist(cloud, {**WINS, ADD_TO_CART: _answer(0.6, (-0.02, 0.03))})
    decided = cloud.run("decide", "checkout-redesign", "--policy", _policy(tmp_path, GUARDED), "-o", "json")
    assert decided.returncode == 0, decided
    body = json.loads(decided.stdout)
    assert (body["decision"], body["variant"]) == ("ship", "test")
    guard = next(m for m in body["metrics"] if m["role"] == "guardrail")
    assert guard["metric"] == "Add to cart" and guard["status"] == "holds" and guard["max_regression"] == 0.05
    primary = [m for m in body["metrics"] if m["role"] == "primary"]
    assert [m["corrected_p_value"] for m in primary] == [0.002, 0.002], "Holm over the two: PostHog's p-values adjusted"
    assert cloud.fake.requests("POST", "/query/") == [], "stored results: no query spent"


def test_a_breached_guardrail_rolls_back(cloud: InProcessServer, tmp_path: Path) -> None:
    _frequentist(cloud, {**WINS, ADD_TO_CART: _answer(0.01, (-0.12, -0.02))})
    decided = cloud.run("decide", "checkout-redesign", "--policy", _policy(tmp_path, GUARDED))
    assert decided.returncode == 22, decided
    assert "Roll back" in decided.stdout and "Add to cart" in decided.stdout


def test_a_borderline_win_holm_overturns_is_a_review(cloud: InProcessServer) -> None:
    _frequentist(cloud, {CONVERSION: _answer(0.03, (0.01, 0.12)), REVENUE: _answer(0.04, (0.01, 0.2))})
    decided = cloud.run("decide", "checkout-redesign", "-o", "json")
    assert decided.returncode == 21, decided
    body = json.loads(decided.stdout)
    assert body["decision"] == "review"
    assert "not after the correction" in " ".join(body["reasons"])
    assert [m["corrected_p_value"] for m in body["metrics"] if m["role"] == "primary"] == [0.06, 0.06]
    assert len(cloud.fake.requests("GET", "/metrics_recalculation/latest/")) == 1, "the stored run is read once"


def test_a_mismatched_split_is_invalid(cloud: InProcessServer) -> None:
    experiment_id = _frequentist(cloud, WINS)
    cloud.fake.stored_results = False  # the exposure query answers PostHog's own sample ratio test
    cloud.fake.exposures[experiment_id] = {"control": 6000, "test": 4000}
    decided = cloud.run("decide", "checkout-redesign", "-o", "json")
    assert decided.returncode == 23, decided
    assert json.loads(decided.stdout)["decision"] == "invalid"


def test_a_young_experiment_keeps_running_with_its_days_left(cloud: InProcessServer, tmp_path: Path) -> None:
    _frequentist(cloud, {CONVERSION: _answer(0.2, (-0.01, 0.08), n=1000), REVENUE: _answer(0.3, (-0.05, 0.1), n=1000)})
    policy = _policy(tmp_path, "decision:\n  planned_sample: 20000\n")
    decided = cloud.run("decide", "checkout-redesign", "--policy", policy, "-o", "json")
    assert decided.returncode == 20, decided
    body = json.loads(decided.stdout)
    assert body["decision"] == "keep-running" and body["days_left"] is not None and body["days_left"] > 0


def test_apply_ships_exactly_once_and_a_rerun_writes_nothing(cloud: InProcessServer, tmp_path: Path) -> None:
    _frequentist(cloud, {**WINS, ADD_TO_CART: _answer(0.6, (-0.02, 0.03))})
    policy = _policy(tmp_path, GUARDED)
    shipped = cloud.run("decide", "checkout-redesign", "--policy", policy, "--apply", "--yes")
    assert shipped.returncode == 0, shipped
    assert "Shipped test" in shipped.stderr
    (ship,) = cloud.fake.requests("POST", "/ship_variant/")
    sent = json.loads(ship.body)
    assert sent["variant_key"] == "test" and sent["conclusion"] == "won"
    assert sent["conclusion_comment"].startswith("Decided by expctl. ")
    cloud.fake.log.clear()
    again = cloud.run("decide", "checkout-redesign", "--policy", policy, "--apply", "--yes")
    assert again.returncode == 0, again
    assert "Already done" in again.stderr and cloud.fake.writes() == []


def test_apply_without_yes_and_without_a_terminal_writes_nothing(cloud: InProcessServer) -> None:
    _frequentist(cloud, WINS)
    asked = cloud.run("decide", "checkout-redesign", "--apply")
    assert asked.returncode == 2 and cloud.fake.writes() == [], asked


def test_an_approval_gated_flag_is_waiting_for_approval_not_a_failure(cloud: InProcessServer) -> None:
    _frequentist(cloud, WINS)
    # ApprovalHandlingMixin's 409 (products/approvals/backend, read for issue 37):
    gate = FakeResponse.json(
        409,
        {"code": "approval_required", "status": "approval_required", "detail": "This change requires approval.",
         "change_request_id": "cr-9", "change_request": {"id": "cr-9"}, "required_approvers": 1},
    )  # fmt: skip
    cloud.fake.script("POST", r"/ship_variant/$", gate)
    waiting = cloud.run("decide", "checkout-redesign", "--apply", "--yes")
    assert waiting.returncode == 24, waiting
    assert "waiting for approval" in waiting.stderr and "/project/1/approvals/cr-9" in waiting.stderr
    assert "error:" not in waiting.stderr


def test_a_spec_decision_block_is_checked_with_positions(cloud: InProcessServer, tmp_path: Path) -> None:
    spec = tmp_path / "checkout.yaml"
    spec.write_text(
        "name: Checkout\nfeature_flag_key: checkout\nmetrics:\n- name: Conversion\n  funnel: [$pageview, purchase]\n"
        "decision:\n  primary: [Conversoin]\n  guardrails:\n  - {metric: Conversion, max_regression: 5}\n",
        encoding="utf-8",
    )
    checked = cloud.run("validate", "-f", str(spec))
    assert checked.returncode == 2, checked
    assert f"{spec}:9:" in checked.stdout and "ambiguous" in checked.stdout


def test_review_of_200_experiments_spends_no_query(cloud: InProcessServer) -> None:
    body = {"name": "", "feature_flag_key": "", "parameters": {}, "metrics": [
        {"kind": "ExperimentMetric", "metric_type": "funnel", "name": "Conversion",
         "series": [{"kind": "EventsNode", "event": "purchase"}]}]}  # fmt: skip
    http = cloud.fake
    for n in range(200):
        made = _post(http, "/api/projects/1/experiments/", {**body, "name": f"E{n}", "feature_flag_key": f"e-{n}"})
        _post(http, f"/api/projects/1/experiments/{made['id']}/launch/", {})
        daily_recalculation(http, int(made["id"]))
    http.log.clear()
    reviewed = cloud.run("review", "-o", "json")
    assert reviewed.returncode == 0, reviewed
    assert isinstance(json.loads(reviewed.stdout), list)
    assert http.requests("POST", "/query/") == [], "stored results: review spends no query"
    assert len(http.requests("GET", "/metrics_recalculation/latest/")) >= 200


def _post(fake: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    from expctl.standin.demo import call

    return dict(call(fake, "POST", path.replace("/api/projects/1/", "/api/projects/{project}/"), body))


def test_a_policy_with_a_problem_is_exit_2_and_says_where(cloud: InProcessServer, tmp_path: Path) -> None:
    """A typo in a policy is not a broken experiment: exit 2 with the position, as validate."""
    _frequentist(cloud, WINS)
    policy = _policy(tmp_path, "decision:\n  correction: holmes\n")
    decided = cloud.run("decide", "checkout-redesign", "--policy", policy, "-o", "json")
    assert decided.returncode == 2 and decided.stdout == "", decided
    assert f"error: {policy}:2:" in decided.stderr and "holmes" in decided.stderr
    assert "the decision policy has 1 problem; nothing was decided" in decided.stderr


def test_another_specs_problem_is_not_this_decisions(cloud: InProcessServer, tmp_path: Path) -> None:
    _frequentist(cloud, WINS)
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "checkout.yaml").write_text(
        "name: Checkout redesign\nfeature_flag_key: checkout-redesign\nmetrics:\n- name: Checkout conversion\n"
        "  funnel: [checkout_started, purchase]\ndecision:\n  correction: none\n",
        encoding="utf-8",
    )
    (specs / "broken.yaml").write_text("name: Other\nfeature_flag_key: other\ndecision: {correction: holmes}\n")
    decided = cloud.run("decide", "checkout-redesign", "-f", str(specs), "-o", "json")
    assert decided.returncode == 0, decided
    assert json.loads(decided.stdout)["decision"] == "ship"


def test_the_report_leads_with_the_decision(cloud: InProcessServer, tmp_path: Path) -> None:
    _frequentist(cloud, {CONVERSION: _answer(0.03, (0.01, 0.12)), REVENUE: _answer(0.04, (0.01, 0.2))})
    page = tmp_path / "checkout.html"
    written = cloud.run("report", "checkout-redesign", "-f", str(page))
    assert written.returncode == 0, written
    html = page.read_text(encoding="utf-8")
    assert html.index('id="decision"') < html.index('id="answer"') < html.index('id="summary"')
    assert "Decision: Needs a person&#39;s review" in html or "Decision: Needs a person's review" in html


def test_review_writes_one_page_and_markdown_for_a_step_summary(cloud: InProcessServer, tmp_path: Path) -> None:
    page = tmp_path / "review.html"
    html = cloud.run("review", "-o", "html", "-f", str(page))
    assert html.returncode == 0, html
    text = page.read_text(encoding="utf-8")
    assert "Onboarding checklist" in text and "flag cleanup" in text and "<script" not in text
    markdown = cloud.run("review", "-o", "markdown")
    assert markdown.returncode == 0 and "| flag cleanup | Onboarding checklist" in markdown.stdout, markdown
    refused = cloud.run("review", "-o", "html")
    assert refused.returncode == 2 and "-f FILE" in refused.stderr, refused


def test_apply_rolls_back_by_shipping_the_control_as_lost(cloud: InProcessServer, tmp_path: Path) -> None:
    _frequentist(cloud, {**WINS, ADD_TO_CART: _answer(0.01, (-0.12, -0.02))})
    rolled = cloud.run("decide", "checkout-redesign", "--policy", _policy(tmp_path, GUARDED), "--apply", "--yes")
    assert rolled.returncode == 22, rolled  # still the decision's code: a pipeline may page the owner
    (ship,) = cloud.fake.requests("POST", "/ship_variant/")
    sent = json.loads(ship.body)
    assert (sent["variant_key"], sent["conclusion"]) == ("control", "lost")


def test_apply_never_reverses_a_concluded_experiment(cloud: InProcessServer, tmp_path: Path) -> None:
    _frequentist(cloud, {**WINS, ADD_TO_CART: _answer(0.6, (-0.02, 0.03))})
    assert (
        cloud.run("decide", "checkout-redesign", "--policy", _policy(tmp_path, GUARDED), "--apply", "--yes").returncode
        == 0
    )
    _frequentist(cloud, {**WINS, ADD_TO_CART: _answer(0.01, (-0.12, -0.02))})  # now the guardrail is breached
    cloud.fake.log.clear()
    refused = cloud.run("decide", "checkout-redesign", "--policy", _policy(tmp_path, GUARDED), "--apply", "--yes")
    assert refused.returncode == 6 and "does not reverse a concluded experiment" in refused.stderr, refused
    assert cloud.fake.writes() == []


def test_review_takes_the_specs_policies_and_refuses_a_broken_one(cloud: InProcessServer, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "broken.yaml").write_text("name: Other\nfeature_flag_key: other\ndecision: {correction: holmes}\n")
    refused = cloud.run("review", "--specs", str(specs))
    assert refused.returncode == 2 and "holmes" in refused.stdout + refused.stderr, refused
