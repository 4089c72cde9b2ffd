"""Multiple-comparison corrections against statsmodels, the reference implementation.

Holm and Benjamini-Hochberg must give statsmodels' adjusted p-values exactly (not just
close): a decision flips on whether 0.05 is crossed, so a last-bit difference could
ship what statsmodels would not.
"""

from __future__ import annotations

import gc
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from expctl.core.decision.corrections import (
    adjust,
    bayesian_threshold,
    benjamini_hochberg,
    holm,
    no_correction,
)

EDGES = [0.0, 1.0, 0.05, 0.01, 0.001, 0.5, 0.049999999999999996]
P_VALUE = st.one_of(st.sampled_from(EDGES), st.floats(min_value=0.0, max_value=1.0, allow_nan=False))


@st.composite
def p_value_lists(draw: Any) -> list[float]:
    """1 to 30 p-values, drawn half the time from a small pool so ties are common."""
    if draw(st.booleans()):
        pool = draw(st.lists(P_VALUE, min_size=1, max_size=4))
        return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=30))
    return draw(st.lists(P_VALUE, min_size=1, max_size=30))


def reference(p_values: list[float], method: str) -> list[float]:
    """statsmodels' adjusted p-values. Its Holm branch calls ``gc.collect()`` on every
    call (tens of milliseconds in a full test process), which changes no number, so it is
    stubbed for the call: hundreds of examples then take a second, not a minute."""
    with mock.patch.object(gc, "collect", lambda *_: 0):
        adjusted = multipletests(p_values, method=method)[1]
    return [float(x) for x in adjusted]


@settings(max_examples=300, deadline=None)
@given(p_value_lists())
@example([0.0, 0.0, 1.0, 1.0])
@example([0.05] * 30)
@example([1.0])
@example([0.03, 0.03, 0.01, 0.04, 0.0])
def test_holm_equals_statsmodels(p_values: list[float]) -> None:
    assert holm(p_values) == reference(p_values, "holm")


@settings(max_examples=300, deadline=None)
@given(p_value_lists())
@example([0.0, 0.0, 1.0, 1.0])
@example([0.05] * 30)
@example([1.0])
@example([0.03, 0.03, 0.01, 0.04, 0.0])
def test_benjamini_hochberg_equals_statsmodels(p_values: list[float]) -> None:
    assert benjamini_hochberg(p_values) == reference(p_values, "fdr_bh")


@settings(max_examples=200, deadline=None)
@given(p_value_lists())
def test_adjusted_values_never_fall_below_the_raw_ones_and_keep_their_order(p_values: list[float]) -> None:
    for adjusted in (holm(p_values), benjamini_hochberg(p_values)):
        assert all(p <= a <= 1.0 for p, a in zip(p_values, adjusted, strict=True))
        ranked = sorted(range(len(p_values)), key=p_values.__getitem__)
        assert [adjusted[i] for i in ranked] == sorted(adjusted[i] for i in ranked)


def test_known_values() -> None:
    # Holm on the sorted 0.01, 0.03, 0.04: 0.01*3, 0.03*2, max(0.06, 0.04*1).
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    # BH: 0.01*3/1, 0.03*3/2 = 0.045, 0.04*3/3 = 0.04, then the running minimum from the top.
    assert benjamini_hochberg([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])
    assert holm([0.6, 0.9]) == [1.0, 1.0]  # capped at 1


def test_none_leaves_the_p_values_and_adjust_dispatches_by_name() -> None:
    assert no_correction([0.2, 0.01]) == [0.2, 0.01]
    assert adjust("holm", [0.01, 0.04]) == holm([0.01, 0.04])
    assert adjust("benjamini-hochberg", [0.01, 0.04]) == benjamini_hochberg([0.01, 0.04])
    assert adjust("none", [0.01, 0.04]) == [0.01, 0.04]
    with pytest.raises(ValueError, match="unknown correction"):
        adjust("bonferroni", [0.1])


def test_empty_list_and_out_of_range_p_values() -> None:
    assert holm([]) == []
    assert benjamini_hochberg([]) == []
    for bad in ([1.5], [-0.1], [float("nan")]):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            holm(bad)
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            benjamini_hochberg(bad)


def test_bayesian_threshold_splits_the_error_over_the_comparisons() -> None:
    assert bayesian_threshold(0.95, 1) == 0.95
    assert bayesian_threshold(0.95, 0) == 0.95
    assert bayesian_threshold(0.95, 2) == pytest.approx(0.975)
    assert bayesian_threshold(0.95, 3) == pytest.approx(1 - 0.05 / 3)
    assert bayesian_threshold(0.9, 10) == pytest.approx(0.99)
    for bad in (0.0, 1.0, 1.2):
        with pytest.raises(ValueError):
            bayesian_threshold(bad, 2)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.5, max_value=0.999), st.integers(min_value=1, max_value=60))
def test_bayesian_threshold_is_stricter_with_more_comparisons(threshold: float, comparisons: int) -> None:
    stricter = bayesian_threshold(threshold, comparisons + 1)
    assert threshold <= bayesian_threshold(threshold, comparisons) <= stricter < 1.0
