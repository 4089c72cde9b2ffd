"""The statistics settings resolve as PostHog resolves them when it computes (issue 33):
``hogql_queries/utils.py`` (levels, sequential), ``cuped_config.py`` (CUPED, lookback),
``test_stats_config.py`` (invalid values fall back), the project's defaults last."""

from __future__ import annotations

import math

import pytest

from expctl.core.results.stats_settings import needs_project_defaults, plan_caveats, resolve
from expctl.core.specs.statistics import read_statistics, to_statistics


def test_defaults_are_posthogs() -> None:
    settings = resolve(None, {})
    assert (settings.method, settings.level, settings.cuped, settings.sequential) == ("bayesian", 0.95, False, False)
    assert settings.describe() == "Bayesian, 95% credible, no CUPED"


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, math.nan, math.inf, "0.9", True, None])
def test_a_level_outside_the_open_unit_interval_is_the_default(bad: object) -> None:
    assert resolve({"bayesian": {"ci_level": bad}}, {}).level == 0.95
    assert resolve({"method": "frequentist", "frequentist": {"alpha": bad}}, {}).alpha == 0.05


def test_an_unknown_method_is_bayesian() -> None:
    assert resolve({"method": "magic"}, {}).method == "bayesian"


def test_sequential_and_its_tuning_parameter() -> None:
    config = {"method": "frequentist", "frequentist": {"sequential_testing_enabled": True}}
    assert resolve(config, {}).describe() == "Frequentist, α 0.05, sequential (τ 5000), no CUPED"
    config["frequentist"]["sequential_tuning_parameter"] = 2e9  # out of 1..1e9: the team's, else 5000
    assert resolve(config, {"default_sequential_tuning_parameter": 800}).tuning == 800
    team_on = {"default_sequential_testing_enabled": True}
    assert resolve({"method": "frequentist"}, team_on).sequential, "the project's default when the key is absent"
    assert not resolve(
        {"method": "frequentist", "frequentist": {"sequential_testing_enabled": False}}, team_on
    ).sequential


def test_cuped_and_its_lookback() -> None:
    assert resolve({"cuped": {"enabled": True}}, {}).lookback_days == 14
    assert resolve({"cuped": {"enabled": True, "lookback_days": 90}}, {}).lookback_days == 30, "clamped"
    assert resolve({"cuped": {"enabled": True, "lookback_days": "7"}}, {}).lookback_days == 7, "int() as PostHog"
    team = {"default_cuped_enabled": True, "default_cuped_lookback_days": 21}
    assert resolve({}, team).describe() == "Bayesian, 95% credible, CUPED 21 d"
    assert not resolve({"cuped": {"enabled": False}}, team).cuped, "an explicit false beats the team's true"
    assert resolve({"cuped": {"enabled": True, "lookback_days": "x"}}, team).lookback_days == 21, "falls through"


def test_unknown_project_defaults_are_said() -> None:
    assert resolve({}, None).describe().endswith("(project defaults unread)")
    assert needs_project_defaults({}) and not needs_project_defaults({"cuped": {"enabled": False}})


def test_plan_caveats() -> None:
    config = {"method": "frequentist", "frequentist": {"sequential_testing_enabled": True}, "cuped": {"enabled": True}}
    assert len(plan_caveats(resolve(config, {}))) == 2


def test_readable_statistics_round_trip() -> None:
    problems: list[str] = []
    config = read_statistics(
        {"method": "bayesian", "credible_level": "90%", "cuped": "7d", "difference": "absolute", "baseline": "b"},
        ["a", "b"],
        lambda path, message: problems.append(message),
    )
    assert problems == []
    assert config == {
        "method": "bayesian",
        "bayesian": {"ci_level": 0.9, "difference_type": "ABSOLUTE"},
        "cuped": {"enabled": True, "lookback_days": 7},
        "baseline_variant_key": "b",
    }
    assert to_statistics(config) == {
        "method": "bayesian",
        "credible_level": 0.9,
        "difference": "absolute",
        "cuped": "7d",
        "baseline": "b",
    }
    assert to_statistics({"method": "bayesian", "bayesian": {"prior_type": "RELATIVE"}}) is None, "kept as stats_config"
