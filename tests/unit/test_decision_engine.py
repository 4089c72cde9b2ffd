"""``decide``: the outcome, variant, reasons and days left, from results built by hand.

Each case builds the ExperimentResults that ``read_results`` would give (PostHog's
deltas, intervals, p-values and chances to win as given) and a policy, and checks the
one outcome with the reason a person is shown. No clock is read: days running and
exposure rates are passed in, as the command passes them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from expctl.core.decision import (
    EXIT_CODES,
    INVALID,
    KEEP_RUNNING,
    REVIEW,
    ROLL_BACK,
    SHIP,
    Decision,
    DecisionContext,
    Guardrail,
    Policy,
    decide,
)
from expctl.core.decision.outcomes import BREACHED, HOLDS, INCONCLUSIVE, LOST, NOT_COMPARABLE, REPORTED, WON
from expctl.core.results.health import BiasRisk
from expctl.core.results.srm import SampleRatioCheck
from expctl.core.results.stats_settings import StatsSettings
from expctl.core.results.verdicts import (
    BASELINE,
    INSUFFICIENT,
    LOSING,
    NOT_SIGNIFICANT,
    WINNING,
    ExperimentResults,
    MetricResult,
    VariantRow,
)

EXPOSURES = {"control": 6000, "test": 6000}
DONE = DecisionContext(days_running=21, exposures=EXPOSURES, exposures_per_day=600)
PLANNED = Policy(min_runtime_days=14, planned_sample=5000)


def row(key: str = "test", **fields: Any) -> VariantRow:
    """A variant row; the verdict follows ``significant`` and the direction, as PostHog's does."""
    fields.setdefault("verdict", NOT_SIGNIFICANT)
    return VariantRow(key=key, **fields)


def win(key: str = "test", delta: float = 0.10, p: float = 0.001) -> VariantRow:
    return row(key, delta=delta, interval=(delta - 0.04, delta + 0.04), p_value=p, significant=True, verdict=WINNING)


def metric(name: str, *rows: VariantRow, role: str = "primary", **fields: Any) -> MetricResult:
    fields.setdefault("method", "frequentist")
    fields.setdefault("kind", "mean")
    base = VariantRow(key="control", is_baseline=True, verdict=BASELINE)
    return MetricResult(key=f"m-{name.lower()}", name=name, role=role, rows=[base, *rows], **fields)


def results(*metrics: MetricResult, method: str = "frequentist", **fields: Any) -> ExperimentResults:
    fields.setdefault("exposures", dict(EXPOSURES))
    return ExperimentResults(experiment={"id": 1}, metrics=list(metrics), method=method, **fields)


def latency(low: float, high: float, key: str = "test") -> MetricResult:
    """A goal-decrease guardrail: a regression is an increase."""
    guard = row(key, delta=(low + high) / 2, interval=(low, high), p_value=0.4)
    return metric("Latency", guard, role="secondary", goal="decrease")


def statuses(decision: Decision) -> dict[tuple[str, str], str]:
    return {(e.metric, e.variant): e.status for e in decision.metrics}


def test_ship_when_the_primary_wins_and_the_guardrail_holds() -> None:
    policy = Policy(guardrails=(Guardrail("latency", 0.05),), min_runtime_days=14, planned_sample=5000)
    decision = decide(results(metric("Checkout", win()), latency(-0.03, 0.02)), policy, DONE)
    assert (decision.outcome, decision.variant, decision.days_left) == (SHIP, "test", None)
    assert decision.exit_code == 0
    assert statuses(decision) == {("Checkout", "test"): WON, ("Latency", "test"): HOLDS}
    assert any("test on 'Checkout' wins: +10.0%" in r for r in decision.reasons)
    assert any("guardrail test on 'Latency' holds" in r and "+5%" in r for r in decision.reasons)


def test_a_guardrail_whose_lower_bound_passes_the_margin_rolls_back_a_winner() -> None:
    revenue = metric("Revenue", row(delta=-0.02, interval=(-0.08, 0.04), p_value=0.5), role="secondary")
    policy = Policy(guardrails=(Guardrail("Revenue", 0.05),), min_runtime_days=14, planned_sample=5000)
    decision = decide(results(metric("Checkout", win()), revenue), policy, DONE)
    assert (decision.outcome, decision.variant) == (ROLL_BACK, None)
    assert decision.exit_code == 22
    assert statuses(decision)[("Revenue", "test")] == BREACHED
    assert "lower bound" in decision.reasons[0] and "-5%" in decision.reasons[0]


def test_a_decrease_goal_guardrail_is_breached_by_its_upper_bound() -> None:
    policy = Policy(guardrails=(Guardrail("Latency", 0.05),), planned_sample=5000)
    breached = decide(results(metric("Checkout", win()), latency(0.01, 0.07)), policy, DONE)
    assert breached.outcome == ROLL_BACK
    assert "upper bound" in breached.reasons[0]
    # A large improvement (a big drop) is nowhere near a regression.
    held = decide(results(metric("Checkout", win()), latency(-0.30, -0.10)), policy, DONE)
    assert held.outcome == SHIP


def test_a_primary_that_loses_significantly_rolls_back() -> None:
    loser = row(delta=-0.08, interval=(-0.12, -0.04), p_value=0.002, significant=True, verdict=LOSING)
    decision = decide(results(metric("Checkout", loser)), PLANNED, DONE)
    assert decision.outcome == ROLL_BACK
    assert statuses(decision) == {("Checkout", "test"): LOST}
    assert "test on 'Checkout' loses: -8.0%" in decision.reasons[0]


def test_a_decrease_goal_primary_wins_by_going_down() -> None:
    faster = row(delta=-0.1, interval=(-0.15, -0.05), p_value=0.001, significant=True, verdict=WINNING)
    decision = decide(results(metric("Load time", faster, goal="decrease")), PLANNED, DONE)
    assert (decision.outcome, decision.variant) == (SHIP, "test")


def test_one_primary_winning_and_another_losing_is_a_review() -> None:
    loser = row(delta=-0.08, interval=(-0.12, -0.04), p_value=0.001, significant=True, verdict=LOSING)
    decision = decide(results(metric("Checkout", win()), metric("Retention", loser)), PLANNED, DONE)
    assert decision.outcome == REVIEW
    assert decision.exit_code == 21
    assert "mixed" in decision.reasons[0]


def test_holm_overturns_a_borderline_win_among_three_comparisons() -> None:
    borderline = win("a", delta=0.05, p=0.03)
    others = [
        row("b", delta=0.01, interval=(-0.03, 0.05), p_value=0.4),
        row("c", delta=0.0, interval=(-0.04, 0.04), p_value=0.6),
    ]
    report = results(
        metric("Checkout", borderline, *others), exposures={"control": 6000, "a": 6000, "b": 6000, "c": 6000}
    )
    decision = decide(report, PLANNED, DONE)
    assert decision.outcome == REVIEW
    entry = next(e for e in decision.metrics if e.variant == "a")
    assert entry.status == INCONCLUSIVE and entry.posthog_verdict == WINNING
    assert entry.corrected_p_value == pytest.approx(0.09)  # 0.03 × 3
    assert "not after the correction" in decision.reasons[0]
    assert any("Holm-adjusted p = 0.090" in r for r in decision.reasons)
    assert any("Holm-adjusted over 3 primary comparisons" in r for r in decision.reasons)
    # Without the correction the same numbers ship: it is the correction that overturns.
    uncorrected = decide(report, Policy(min_runtime_days=14, planned_sample=5000, correction="none"), DONE)
    assert (uncorrected.outcome, uncorrected.variant) == (SHIP, "a")


def test_benjamini_hochberg_keeps_what_holm_overturns() -> None:
    rows = [win("a", p=0.02), win("b", p=0.03), row("c", delta=0.0, interval=(-0.1, 0.1), p_value=0.035)]
    report = results(metric("Checkout", *rows), exposures={"control": 6000, "a": 6000, "b": 6000, "c": 6000})
    holm = decide(report, PLANNED, DONE)  # Holm: 0.06, 0.06, 0.06
    bh = decide(report, Policy(planned_sample=5000, correction="benjamini-hochberg"), DONE)  # 0.035 each
    assert holm.outcome == REVIEW
    assert [e.corrected_p_value for e in holm.metrics] == pytest.approx([0.06, 0.06, 0.06])
    assert [e.corrected_p_value for e in bh.metrics] == pytest.approx([0.035, 0.035, 0.035])
    # a and b win with equal changes: the first in the results' order ships.
    assert (bh.outcome, bh.variant) == (SHIP, "a")
    assert any("Benjamini-Hochberg-adjusted over 3 primary comparisons" in r for r in bh.reasons)


def test_sample_ratio_mismatch_makes_it_invalid_whatever_the_metrics_say() -> None:
    srm = SampleRatioCheck({"control": 6000, "test": 5000}, {"control": 0.5, "test": 0.5}, None, 1, 1e-9, "PostHog")
    breached = latency(0.2, 0.4)
    policy = Policy(guardrails=(Guardrail("Latency", 0.05),), planned_sample=5000)
    decision = decide(results(metric("Checkout", win()), breached, srm=srm), policy, DONE)
    assert (decision.outcome, decision.exit_code) == (INVALID, 23)
    assert decision.reasons[0].startswith("exposures do not match the configured split")
    assert "PostHog's test" in decision.reasons[0]
    assert decision.metrics  # the numbers are still shown


def test_a_passing_sample_ratio_test_is_no_problem() -> None:
    fine = SampleRatioCheck({"control": 6000, "test": 5990}, {"control": 0.5, "test": 0.5}, None, 1, 0.3, "PostHog")
    assert decide(results(metric("Checkout", win()), srm=fine), PLANNED, DONE).outcome == SHIP


def test_changes_mid_run_bias_and_validation_problems_make_it_invalid() -> None:
    context = DecisionContext(
        days_running=21,
        exposures=EXPOSURES,
        changed_mid_run=["variants changed on 2026-11-02"],
        validation_problems=["the flag's variants differ from the experiment's"],
    )
    decision = decide(results(metric("Checkout", win()), bias=BiasRisk(4.0)), PLANNED, context)
    assert decision.outcome == INVALID
    assert "PostHog warns of bias: 4% of users saw more than one variant" in decision.reasons[0]
    assert "the experiment changed mid-run: variants changed on 2026-11-02" in decision.reasons
    assert "the flag's variants differ from the experiment's" in decision.reasons


def test_keep_running_counts_the_days_left_to_the_planned_sample() -> None:
    flat = row(delta=0.01, interval=(-0.03, 0.05), p_value=0.5)
    exposures = {"control": 4000, "test": 3000, "$multiple": 40}
    context = DecisionContext(days_running=10, exposures=exposures, exposures_per_day=500)
    decision = decide(results(metric("Checkout", flat)), Policy(min_runtime_days=14, planned_sample=10_000), context)
    assert decision.outcome == KEEP_RUNNING and decision.exit_code == 20
    # (10000 - 3000) / (500 per day / 2 variants): 28 days; the 4 days of runtime left are fewer.
    assert decision.days_left == pytest.approx(28.0)
    assert any("about 28.0 days left to the planned sample of 10,000 per variant" in r for r in decision.reasons)
    assert decision.as_json()["days_left"] == pytest.approx(28.0)


def test_days_left_follows_the_minimum_runtime_when_it_is_later() -> None:
    flat = row(delta=0.01, interval=(-0.03, 0.05), p_value=0.5)
    context = DecisionContext(days_running=2.5, exposures={"control": 9900, "test": 9950}, exposures_per_day=1000)
    decision = decide(results(metric("Checkout", flat)), Policy(min_runtime_days=14, planned_sample=10_000), context)
    assert decision.days_left == pytest.approx(11.5)


def test_days_left_is_unknown_without_an_exposure_rate() -> None:
    flat = row(delta=0.01, interval=(-0.03, 0.05), p_value=0.5)
    context = DecisionContext(days_running=3, exposures={"control": 100, "test": 100})
    decision = decide(results(metric("Checkout", flat)), Policy(planned_sample=10_000), context)
    assert (decision.outcome, decision.days_left) == (KEEP_RUNNING, None)


def test_an_early_frequentist_win_keeps_running_without_sequential_testing() -> None:
    early = DecisionContext(days_running=4, exposures={"control": 2000, "test": 2000}, exposures_per_day=1000)
    decision = decide(results(metric("Checkout", win())), PLANNED, early)
    assert decision.outcome == KEEP_RUNNING
    assert decision.reasons[0].startswith("PostHog's numbers point to ship, but the minimum runtime of 14 days")
    assert "valid only once, at the planned end" in decision.reasons[0]
    assert decision.days_left == pytest.approx(10.0)  # runtime: 10 days; sample: 3000 / 500 = 6


def test_an_early_win_ships_when_sequential_testing_is_on() -> None:
    """Past the minimum runtime (a floor for shipping whatever the test), before the sample."""
    early = DecisionContext(days_running=15, exposures={"control": 2000, "test": 2000}, sequential=True)
    decision = decide(results(metric("Checkout", win())), PLANNED, early)
    assert (decision.outcome, decision.variant) == (SHIP, "test")
    note = next(r for r in decision.reasons if r.startswith("taken before"))
    assert "the planned sample of 5,000 per variant" in note
    assert note.endswith("valid because PostHog's sequential testing is on")


def test_sequential_testing_is_also_read_from_the_results_settings() -> None:
    settings = StatsSettings(method="frequentist", level=0.95, relative=True, sequential=True)
    early = DecisionContext(days_running=4, exposures={"control": 2000, "test": 2000})
    loser = row(delta=-0.2, interval=(-0.3, -0.1), p_value=0.001, significant=True, verdict=LOSING)
    decision = decide(results(metric("Checkout", loser), settings=settings), PLANNED, early)
    assert decision.outcome == ROLL_BACK
    assert any(r.endswith("valid because PostHog's sequential testing is on") for r in decision.reasons)


def bayesian(*rows: VariantRow, name: str = "Checkout") -> MetricResult:
    return metric(name, *rows, method="bayesian")


def test_a_bayesian_win_stands_early_against_the_policy_threshold() -> None:
    sure = row(delta=0.1, interval=(0.04, 0.16), chance_to_win=0.99, significant=True, verdict=WINNING)
    early = DecisionContext(days_running=20, exposures={"control": 500, "test": 500})
    decision = decide(results(bayesian(sure), method="bayesian"), PLANNED, early)
    assert (decision.outcome, decision.variant) == (SHIP, "test")
    assert any("Bayesian chance to win is read against the policy's fixed threshold" in r for r in decision.reasons)
    assert decision.metrics[0].threshold == 0.95  # one comparison: nothing to correct


def test_the_bayesian_threshold_is_raised_for_two_comparisons() -> None:
    a = row("a", delta=0.1, interval=(0.0, 0.2), chance_to_win=0.97, significant=True, verdict=WINNING)
    b = row("b", delta=0.0, interval=(-0.1, 0.1), chance_to_win=0.5)
    report = results(bayesian(a, b), method="bayesian", exposures={"control": 6000, "a": 6000, "b": 6000})
    decision = decide(report, PLANNED, DONE)
    assert decision.outcome == REVIEW  # PostHog calls a significant; 97% < 97.5%
    assert decision.metrics[0].threshold == pytest.approx(0.975)
    assert any("Bonferroni-style 1 - (1 - 0.95) / 2" in r for r in decision.reasons)
    assert decide(report, Policy(planned_sample=5000, chance_to_win=0.9), DONE).variant == "a"  # bar 95%


def test_a_bayesian_loser_rolls_back() -> None:
    bad = row(delta=-0.1, interval=(-0.16, -0.04), chance_to_win=0.01, significant=True, verdict=LOSING)
    decision = decide(results(bayesian(bad), method="bayesian"), PLANNED, DONE)
    assert decision.outcome == ROLL_BACK
    assert "chance to win 1% against the threshold 95%" in decision.reasons[0]


def test_legacy_results_follow_posthogs_significance_and_the_threshold() -> None:
    best = row(delta=0.2, interval=(0.1, 0.3), chance_to_win=0.98, significant=True, verdict=WINNING)
    legacy = metric("Primary goal", best, method="legacy", kind="legacy-funnel")
    assert decide(results(legacy, method="legacy"), PLANNED, DONE).outcome == SHIP
    unsure = row(delta=0.2, interval=(0.1, 0.3), chance_to_win=0.98, significant=False)
    legacy = metric("Primary goal", unsure, method="legacy", kind="legacy-funnel")
    assert decide(results(legacy, method="legacy"), PLANNED, DONE).outcome == REVIEW  # planned sample reached


def test_the_variant_with_the_largest_change_ships_when_several_qualify() -> None:
    report = results(
        metric("Checkout", win("a", 0.05), win("b", 0.12)), exposures={"control": 6000, "a": 6000, "b": 6000}
    )
    decision = decide(report, PLANNED, DONE)
    assert (decision.outcome, decision.variant) == (SHIP, "b")
    assert decision.reasons[0].startswith("several variants qualify: shipping b")
    assert "not tested against each other" in decision.reasons[0]


def test_one_harmful_variant_rolls_back_even_when_another_would_ship() -> None:
    loser = row("b", delta=-0.1, interval=(-0.15, -0.05), p_value=0.001, significant=True, verdict=LOSING)
    report = results(metric("Checkout", win("a"), loser), exposures={"control": 6000, "a": 6000, "b": 6000})
    decision = decide(report, PLANNED, DONE)
    assert (decision.outcome, decision.variant) == (ROLL_BACK, None)
    assert any(r.startswith("on its own, a would ship: a on 'Checkout' wins") for r in decision.reasons)


def test_ship_when_any_primary_wins() -> None:
    flat = row(delta=0.0, interval=(-0.05, 0.05), p_value=0.9)
    report = results(metric("Checkout", win()), metric("Retention", flat))
    all_win = decide(report, Policy(min_runtime_days=14), DONE)
    assert all_win.outcome == KEEP_RUNNING
    assert any("must win every primary metric" in r for r in all_win.reasons)
    any_win = decide(report, Policy(min_runtime_days=14, ship_when="any-primary-wins"), DONE)
    assert (any_win.outcome, any_win.variant) == (SHIP, "test")


def test_an_absolute_guardrail_cannot_meet_a_percentage_margin() -> None:
    revenue = metric("Revenue", row(delta=-1.5, interval=(-3.0, 0.0), p_value=0.1), role="secondary", relative=False)
    policy = Policy(guardrails=(Guardrail("Revenue", 0.05),), planned_sample=5000)
    decision = decide(results(metric("Checkout", win()), revenue), policy, DONE)
    assert decision.outcome == REVIEW
    assert statuses(decision)[("Revenue", "test")] == NOT_COMPARABLE
    assert "absolute difference" in decision.reasons[0]


def test_a_winner_waits_for_a_guardrail_without_data() -> None:
    empty = metric("Latency", row(failures=["not-enough-exposures"], verdict=INSUFFICIENT), role="secondary")
    policy = Policy(guardrails=(Guardrail("Latency", 0.05),), min_runtime_days=14)
    decision = decide(results(metric("Checkout", win()), empty), policy, DONE)
    assert decision.outcome == KEEP_RUNNING
    assert any("has no interval yet" in r for r in decision.reasons)


def test_the_planned_sample_reached_with_nothing_decided_is_a_review() -> None:
    flat = row(delta=0.01, interval=(-0.02, 0.04), p_value=0.4)
    decision = decide(results(metric("Checkout", flat)), PLANNED, DONE)
    assert decision.outcome == REVIEW
    assert decision.reasons[0].startswith("the planned sample is reached with nothing decided")


def test_a_policy_metric_missing_from_the_results_is_a_review() -> None:
    policy = Policy(primary=("Checkout", "Signups"), planned_sample=5000)
    decision = decide(results(metric("Checkout", win())), policy, DONE)
    assert decision.outcome == REVIEW
    assert decision.reasons[0] == "the policy names 'Signups', which the results do not have"


def test_no_primary_metric_is_a_review() -> None:
    decision = decide(results(metric("Clicks", win(), role="secondary")), Policy(), DONE)
    assert decision.outcome == REVIEW
    assert "there is no primary metric to decide on" in decision.reasons
    assert statuses(decision) == {("Clicks", "test"): REPORTED}


def test_policy_primary_names_match_without_regard_to_case_and_may_pick_a_secondary() -> None:
    report = results(
        metric("Checkout", row(delta=0.0, interval=(-0.1, 0.1), p_value=0.9)), metric("Clicks", win(), role="secondary")
    )
    decision = decide(report, Policy(primary=("clicks",), planned_sample=5000), DONE)
    assert (decision.outcome, decision.variant) == (SHIP, "test")
    assert statuses(decision) == {("Clicks", "test"): WON, ("Checkout", "test"): REPORTED}


def test_as_json_is_plain_data_with_the_documented_keys() -> None:
    policy = Policy(guardrails=(Guardrail("Latency", 0.05),), planned_sample=5000)
    decision = decide(results(metric("Checkout", win()), latency(-0.03, 0.02)), policy, DONE)
    data = decision.as_json()
    assert list(data) == ["decision", "variant", "reasons", "metrics", "days_left"]
    assert json.loads(json.dumps(data)) == data
    first = data["metrics"][0]
    assert (first["role"], first["status"], first["won"]) == ("primary", WON, True)
    assert first["interval"] == pytest.approx([0.06, 0.14]) and first["delta"] == 0.10
    assert first["p_value"] == 0.001 and first["corrected_p_value"] == 0.001 and first["alpha"] == 0.05
    assert data["metrics"][1]["max_regression"] == 0.05 and data["metrics"][1]["breached"] is False


def test_exit_codes() -> None:
    """Above the general codes (1-12), so "decided: keep running" is not "could not decide";
    errors.ExitCode documents the same numbers."""
    from expctl.errors import ExitCode

    assert {EXIT_CODES[o] for o in EXIT_CODES if o != "ship"} == {
        int(ExitCode.DECIDED_KEEP_RUNNING),
        int(ExitCode.DECIDED_REVIEW),
        int(ExitCode.DECIDED_ROLL_BACK),
        int(ExitCode.DECIDED_INVALID),
        int(ExitCode.WAITING_FOR_APPROVAL),
    }
    assert dict(EXIT_CODES) == {
        "ship": 0,
        "keep-running": 20,
        "review": 21,
        "roll-back": 22,
        "invalid": 23,
        "waiting-for-approval": 24,
    }


def test_a_roll_back_leads_its_reasons_even_when_the_policy_names_a_missing_metric() -> None:
    loser = row(delta=-0.08, interval=(-0.12, -0.04), p_value=0.001, significant=True, verdict=LOSING)
    policy = Policy(primary=("Checkout", "Signups"), planned_sample=5000)
    decision = decide(results(metric("Checkout", loser)), policy, DONE)
    assert decision.outcome == ROLL_BACK
    assert decision.reasons[0].startswith("test on 'Checkout' loses")
    assert "the policy names 'Signups', which the results do not have" in decision.reasons


def test_no_days_left_once_the_minimum_runtime_is_reached_without_a_planned_sample() -> None:
    flat = row(delta=0.01, interval=(-0.03, 0.05), p_value=0.5)
    decision = decide(results(metric("Checkout", flat)), Policy(min_runtime_days=14), DONE)
    assert (decision.outcome, decision.days_left) == (KEEP_RUNNING, None)


def test_an_errored_primary_metric_needs_a_review() -> None:
    broken = MetricResult(key="m-x", name="Checkout", role="primary", kind="funnel", method="frequentist")
    broken.error = "PostHog answered 500"
    decision = decide(results(broken), PLANNED, DONE)
    assert decision.outcome == REVIEW
    assert decision.reasons[0] == "primary metric 'Checkout' has no result: PostHog answered 500"


def test_the_minimum_runtime_is_a_floor_for_shipping_even_on_a_test_that_allows_early_looks() -> None:
    sure = row(delta=0.1, interval=(0.04, 0.16), chance_to_win=0.99, significant=True, verdict=WINNING)
    young = DecisionContext(days_running=2, exposures={"control": 500, "test": 500})
    decision = decide(results(bayesian(sure), method="bayesian"), PLANNED, young)
    assert decision.outcome == KEEP_RUNNING
    assert decision.reasons[0].startswith("PostHog's numbers point to ship, but the minimum runtime of 14 days")


def test_an_ended_experiment_with_nothing_decided_is_a_review_not_keep_running() -> None:
    flat = row(delta=0.0, interval=(-0.05, 0.05), p_value=0.9, significant=False)
    ended = DecisionContext(days_running=20, exposures={"control": 800, "test": 800}, exposures_per_day=80, ended=True)
    decision = decide(results(metric("Checkout", flat)), PLANNED, ended)
    assert decision.outcome == REVIEW and decision.days_left is None
    assert decision.reasons[0] == "the experiment ended with nothing decided: a person concludes it"
    assert not any("days left" in r for r in decision.reasons)
