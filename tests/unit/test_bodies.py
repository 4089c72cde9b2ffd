"""Request bodies are checked before anything is sent."""

from __future__ import annotations

import pytest

from expctl.core.apply.bodies import ExperimentCreate, check_flag_key, parse_sets, parse_variants
from expctl.errors import UsageError
from expctl.model.flagkeys import is_flag_key


def test_create_body_always_has_parameters() -> None:
    body = ExperimentCreate(name="n", feature_flag_key="k").body()
    assert body == {"name": "n", "feature_flag_key": "k", "parameters": {}}


def test_variants_become_feature_flag_variants() -> None:
    variants = parse_variants(["control=50", "test=50"])
    body = ExperimentCreate(name="n", feature_flag_key="k", variants=variants).body()
    assert body["parameters"]["feature_flag_variants"] == [
        {"key": "control", "rollout_percentage": 50},
        {"key": "test", "rollout_percentage": 50},
    ]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["control=50"], "at least 2 variants"),
        (["a=50", "b=50"], "'control'"),
        (["control=50", "test=40"], "sum to 100"),
        (["control=50", "control=50"], "unique"),
        (["control"], "KEY=PERCENT"),
        (["control=half", "test=50"], "not a percentage"),
        ([f"v{i}=5" for i in range(20)] + ["control=0"], "at most 20"),
    ],
)
def test_bad_variants(specs: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_variants(specs)
    assert message in caught.value.message


def test_sets_are_json_with_the_fields_type() -> None:
    assert parse_sets(['stats_config={"method": "frequentist"}', "archived=true"]) == {
        "stats_config": {"method": "frequentist"},
        "archived": True,
    }
    with pytest.raises(UsageError, match="is not JSON"):
        parse_sets(["metrics=[oops"])
    with pytest.raises(UsageError, match="expected array, got object"):
        parse_sets(["metrics={}"])
    with pytest.raises(UsageError, match="did you mean 'metrics'"):
        parse_sets(["metric=[]"])
    with pytest.raises(UsageError, match="PostHog computes this field"):
        parse_sets(['status="running"'])


@pytest.mark.parametrize("key", ["checkout-v2", "A_b-9", "x"])
def test_flag_keys_posthog_accepts(key: str) -> None:
    assert is_flag_key(key)
    assert check_flag_key(key) == key


@pytest.mark.parametrize("key", ["", "has space", "trailing\n", "ünïcode", "dot.ted", "slash/"])
def test_flag_keys_posthog_refuses(key: str) -> None:
    assert not is_flag_key(key)
    with pytest.raises(UsageError):
        check_flag_key(key)
