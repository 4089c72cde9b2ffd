"""The ``decision:`` block read into a Policy, and checked against its experiment.

Every problem carries its key path inside the block, so the command can point at the
line; each case checks the path and the words that tell the owner what to write.
"""

from __future__ import annotations

from typing import Any

import pytest

from expctl.core.decision import Guardrail, Policy, PolicyProblem, check_policy_against, read_policy
from expctl.core.decision.policy import ERROR, WARNING


def problems_of(data: Any) -> list[PolicyProblem]:
    policy, problems = read_policy(data)
    assert policy is None and problems, "expected the block to be refused"
    return problems


def only(data: Any) -> PolicyProblem:
    problems = problems_of(data)
    assert len(problems) == 1, problems
    return problems[0]


def test_an_empty_or_missing_block_is_the_default_policy() -> None:
    for data in (None, {}):
        policy, problems = read_policy(data)
        assert problems == []
        assert policy == Policy()
    default = Policy()
    assert (default.correction_method, default.chance_threshold, default.ship_when) == ("holm", 0.95, "all-primary-win")
    assert default.primary is None and default.guardrails == ()


def test_every_key_is_read() -> None:
    policy, problems = read_policy(
        {
            "primary": ["Checkout", "Signups"],
            "guardrails": [{"metric": "Latency", "max_regression": "5%"}, {"metric": "Errors", "max_regression": 0.02}],
            "min_runtime": "2w",
            "planned_sample": 12000,
            "correction": "benjamini-hochberg",
            "chance_to_win": "97.5%",
            "ship_when": "any-primary-wins",
        }
    )
    assert problems == []
    assert policy == Policy(
        primary=("Checkout", "Signups"),
        guardrails=(Guardrail("Latency", 0.05), Guardrail("Errors", 0.02)),
        min_runtime_days=14,
        planned_sample=12000,
        correction="benjamini-hochberg",
        chance_to_win=0.975,
        ship_when="any-primary-wins",
    )


@pytest.mark.parametrize(("written", "days"), [("14d", 14), ("2w", 14), (14, 14), ("3 days", 3), ("1 week", 7)])
def test_min_runtime_in_days_or_weeks(written: Any, days: int) -> None:
    policy, _ = read_policy({"min_runtime": written})
    assert policy is not None and policy.min_runtime_days == days


@pytest.mark.parametrize("written", ["fortnight", "14h", 0, True, 14.5, "-3d"])
def test_min_runtime_refused(written: Any) -> None:
    problem = only({"min_runtime": written})
    assert problem.path == ("min_runtime",)
    assert "14d" in problem.message or "at least 1 day" in problem.message


def test_a_margin_written_as_a_percentage_or_a_fraction_is_the_same() -> None:
    first, _ = read_policy({"guardrails": [{"metric": "Latency", "max_regression": "5%"}]})
    second, _ = read_policy({"guardrails": [{"metric": "Latency", "max_regression": 0.05}]})
    third, _ = read_policy({"guardrails": [{"metric": "Latency", "max_regression": "0.05"}]})
    assert first is not None and first == second == third
    assert first.guardrails[0].max_regression == pytest.approx(0.05)


def test_a_bare_number_above_one_is_ambiguous() -> None:
    problem = only({"guardrails": [{"metric": "Latency", "max_regression": 5}]})
    assert problem.path == ("guardrails", 0, "max_regression")
    assert 'ambiguous: write "5%"' in problem.message


@pytest.mark.parametrize("margin", [0, "0%", "100%", 1, -0.05, "150%", "five", None, True])
def test_a_margin_must_lie_between_0_and_100_percent(margin: Any) -> None:
    problem = only({"guardrails": [{"metric": "Latency", "max_regression": margin}]})
    assert problem.path == ("guardrails", 0, "max_regression")
    assert "0%" in problem.message or "percentage" in problem.message


def test_unknown_keys_get_the_nearest_known_one() -> None:
    problem = only({"min_runtim": "14d"})
    assert problem.path == ("min_runtim",)
    assert "did you mean 'min_runtime'?" in problem.message
    far = only({"colour": "blue"})
    assert "known keys: primary, guardrails" in far.message
    nested = only({"guardrails": [{"metric": "Latency", "max_regression": "5%", "max_regresion": "3%"}]})
    assert nested.path == ("guardrails", 0, "max_regresion")
    assert "did you mean 'max_regression'?" in nested.message


def test_planned_sample_and_target_mde_exclude_each_other() -> None:
    problem = only({"planned_sample": 5000, "target_mde": "5%"})
    assert problem.path == ("target_mde",)
    assert "not both" in problem.message
    policy, _ = read_policy({"target_mde": "5%"})
    assert policy is not None and policy.target_mde == pytest.approx(0.05)


@pytest.mark.parametrize("sample", [0, -10, 10.5, "5000", True])
def test_planned_sample_is_a_positive_whole_number(sample: Any) -> None:
    assert only({"planned_sample": sample}).path == ("planned_sample",)


def test_correction_and_ship_when_are_choices() -> None:
    typo = only({"correction": "holms"})
    assert typo.path == ("correction",) and "did you mean 'holm'?" in typo.message
    other = only({"correction": "bonferroni"})
    assert "one of holm, benjamini-hochberg, none" in other.message
    assert only({"ship_when": "all"}).path == ("ship_when",)
    assert only({"correction": 3}).path == ("correction",)
    policy, _ = read_policy({"correction": "None", "ship_when": "ANY-primary-wins"})
    assert policy is not None and (policy.correction, policy.ship_when) == ("none", "any-primary-wins")


@pytest.mark.parametrize("chance", [0.5, "40%", 1, 0, "x"])
def test_chance_to_win_lies_above_a_coin_and_below_certainty(chance: Any) -> None:
    assert only({"chance_to_win": chance}).path == ("chance_to_win",)


def test_primary_is_a_list_of_distinct_names() -> None:
    assert only({"primary": "Checkout"}).path == ("primary",)
    assert "leave it out" in only({"primary": []}).message
    duplicate = only({"primary": ["Checkout", "checkout"]})
    assert duplicate.path == ("primary", 1) and "listed twice" in duplicate.message
    assert only({"primary": ["Checkout", 3]}).path == ("primary", 1)


def test_guardrail_entries_need_a_metric_and_a_margin() -> None:
    assert only({"guardrails": {"metric": "Latency"}}).path == ("guardrails",)
    assert only({"guardrails": ["Latency"]}).path == ("guardrails", 0)
    assert only({"guardrails": [{"max_regression": "5%"}]}).path == ("guardrails", 0, "metric")
    missing = only({"guardrails": [{"metric": "Latency"}]})
    assert missing.path == ("guardrails", 0, "max_regression") and "required" in missing.message
    twice = only(
        {"guardrails": [{"metric": "Latency", "max_regression": "5%"}, {"metric": "latency", "max_regression": "2%"}]}
    )
    assert twice.path == ("guardrails", 1, "metric") and "already a guardrail" in twice.message


def test_all_problems_are_reported_at_once() -> None:
    problems = problems_of({"primary": [], "correction": "x", "min_runtime": "soon", "extra": 1})
    assert {p.path for p in problems} == {("primary",), ("correction",), ("min_runtime",), ("extra",)}


def test_a_block_that_is_no_mapping() -> None:
    problem = only(["primary"])
    assert problem.path == () and "a list" in problem.message


def test_a_problem_reads_as_its_path_and_message() -> None:
    problem = PolicyProblem(("guardrails", 0, "metric"), "required")
    assert str(problem) == "decision.guardrails.0.metric: required"
    assert problem.severity == ERROR


# -- against the experiment -------------------------------------------------------------------


def experiment(method: str | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "metrics": [{"kind": "ExperimentMetric", "metric_type": "funnel", "uuid": "m1", "name": "Checkout"}],
        "metrics_secondary": [{"kind": "ExperimentMetric", "metric_type": "mean", "uuid": "m2", "name": "Latency"}],
        "saved_metrics": [
            {
                "name": "Shared revenue",
                "query": {"kind": "ExperimentMetric", "uuid": "s1"},
                "metadata": {"type": "secondary"},
            },
            {
                "name": "outer",
                "query": {"kind": "ExperimentMetric", "uuid": "s2", "name": "Errors"},
                "metadata": {"type": "secondary"},
            },
        ],
    }
    if method is not None:
        data["stats_config"] = {"method": method}
    data.update(extra)
    return data


def test_names_of_inline_and_shared_metrics_match_without_regard_to_case() -> None:
    policy = Policy(
        primary=("checkout",),
        guardrails=(Guardrail("LATENCY", 0.05), Guardrail("shared revenue", 0.05), Guardrail("errors", 0.02)),
    )
    assert check_policy_against(policy, experiment("frequentist")) == []


def test_an_unknown_metric_name_is_a_problem_with_a_suggestion() -> None:
    policy = Policy(primary=("Chekout",), guardrails=(Guardrail("Speed", 0.05),))
    problems = check_policy_against(policy, experiment("frequentist"))
    assert [p.path for p in problems] == [("primary", 0), ("guardrails", 0, "metric")]
    assert "did you mean 'Checkout'?" in problems[0].message
    assert "its metrics: 'Checkout', 'Latency'" in problems[1].message


def test_a_guardrail_cannot_also_be_primary() -> None:
    listed = check_policy_against(
        Policy(primary=("Checkout", "Latency"), guardrails=(Guardrail("latency", 0.05),)), experiment()
    )
    assert [p.path for p in listed] == [("guardrails", 0, "metric")]
    assert "listed under primary" in listed[0].message
    default = check_policy_against(Policy(guardrails=(Guardrail("Checkout", 0.05),)), experiment())
    assert "a primary metric of the experiment" in default[0].message


def test_an_experiment_without_primary_metrics_has_nothing_to_decide() -> None:
    problems = check_policy_against(Policy(), experiment(metrics=[]))
    assert [p.path for p in problems] == [("primary",)]


def test_two_metrics_with_one_name_are_ambiguous() -> None:
    twin = {"kind": "ExperimentMetric", "metric_type": "mean", "uuid": "m3", "name": "checkout"}
    problems = check_policy_against(Policy(primary=("Checkout",)), experiment(metrics_secondary=[twin]))
    assert problems[0].path == ("primary", 0) and "2 metrics are named 'Checkout'" in problems[0].message


def test_a_p_value_correction_on_bayesian_results_becomes_a_threshold() -> None:
    for method in (None, "bayesian"):
        problems = check_policy_against(Policy(correction="holm"), experiment(method))
        assert [(p.path, p.severity) for p in problems] == [(("correction",), WARNING)]
        assert "stricter chance-to-win threshold, 1 - (1 - chance_to_win) / m" in problems[0].message
    assert check_policy_against(Policy(), experiment("bayesian")) == []  # the default says nothing
    assert check_policy_against(Policy(correction="none"), experiment("bayesian")) == []
    assert check_policy_against(Policy(correction="benjamini-hochberg"), experiment("frequentist")) == []


def test_chance_to_win_on_frequentist_results_is_a_warning() -> None:
    problems = check_policy_against(Policy(chance_to_win=0.99), experiment("frequentist"))
    assert [(p.path, p.severity) for p in problems] == [(("chance_to_win",), WARNING)]
    assert check_policy_against(Policy(chance_to_win=0.99), experiment("bayesian")) == []


def test_guardrails_on_absolute_differences_are_a_warning() -> None:
    config = {"method": "frequentist", "frequentist": {"difference_type": "ABSOLUTE"}}
    problems = check_policy_against(Policy(guardrails=(Guardrail("Latency", 0.05),)), experiment(stats_config=config))
    assert [(p.path, p.severity) for p in problems] == [(("guardrails",), WARNING)]
    assert "absolute differences" in problems[0].message


def test_legacy_goals_are_checked_by_their_names() -> None:
    legacy = {"filters": {"events": [{"id": "signup", "name": "signup"}]}, "secondary_metrics": [{"name": "Pageviews"}]}
    assert check_policy_against(Policy(guardrails=(Guardrail("pageviews", 0.1),)), legacy) == []
    problems = check_policy_against(Policy(correction="holm"), legacy)
    assert "results are legacy" in problems[0].message
