"""Multiple-comparison corrections: PostHog tests each variant on each metric on its own.

A decision over m primary comparisons (variants × primary metrics) that ships on the
first significant one is wrong far more often than each test's α says. The corrections
here adjust PostHog's p-values (frequentist) or raise the chance-to-win threshold
(Bayesian and legacy results); they never recompute an effect or an interval.

The adjusted p-values match ``statsmodels.stats.multitest.multipletests(p, method="holm")``
and ``method="fdr_bh"`` bit for bit: the same products and quotients in the same order
(Holm multiplies the i-th smallest by ``m - i``, BH divides by ``(i + 1) / m``), then the
same running maximum (Holm, from the smallest) or minimum (BH, from the largest), capped
at 1. Ties need no stable sort: tied p-values get equal adjusted values in either order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

HOLM = "holm"
BENJAMINI_HOCHBERG = "benjamini-hochberg"
NONE = "none"
CORRECTIONS = (HOLM, BENJAMINI_HOCHBERG, NONE)


def _check(p_values: Sequence[float]) -> list[float]:
    values = [float(p) for p in p_values]
    bad = [p for p in values if not 0.0 <= p <= 1.0]
    if bad:
        raise ValueError(f"p-values lie in [0, 1]: got {bad[0]!r}")
    return values


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input's order.

    It controls the chance of any false win (family-wise error) like Bonferroni does,
    while rejecting at least as much, so it is the default correction."""
    values = _check(p_values)
    m = len(values)
    order = sorted(range(m), key=values.__getitem__)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, values[index] * float(m - rank))
        adjusted[index] = min(running, 1.0)
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg step-up adjusted p-values (false discovery rate), input order.

    Less strict than Holm: it bounds the share of wins that are false rather than the
    chance of any, which suits many variants where shipping one false win is tolerable."""
    values = _check(p_values)
    m = len(values)
    order = sorted(range(m), key=values.__getitem__)
    adjusted = [0.0] * m
    running = float("inf")
    for rank in range(m - 1, -1, -1):
        index = order[rank]
        running = min(running, values[index] / ((rank + 1) / float(m)))
        adjusted[index] = min(running, 1.0)
    return adjusted


def no_correction(p_values: Sequence[float]) -> list[float]:
    """PostHog's p-values as they are (``correction: none``)."""
    return _check(p_values)


ADJUSTERS: dict[str, Callable[[Sequence[float]], list[float]]] = {
    HOLM: holm,
    BENJAMINI_HOCHBERG: benjamini_hochberg,
    NONE: no_correction,
}


def adjust(correction: str, p_values: Sequence[float]) -> list[float]:
    """The adjusted p-values by the correction's name (one of :data:`CORRECTIONS`)."""
    try:
        adjuster = ADJUSTERS[correction]
    except KeyError:
        raise ValueError(f"unknown correction {correction!r}: one of {', '.join(CORRECTIONS)}") from None
    return adjuster(p_values)


def bayesian_threshold(threshold: float, comparisons: int) -> float:
    """The per-comparison chance-to-win threshold for m comparisons: 1 - (1 - t) / m.

    Bonferroni's split of the allowed error (1 - t) over the comparisons: Bayesian
    results have no p-values to step down through, so the single-step bound is the
    honest analogue of Holm here. One comparison (or none) leaves t as it is."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"a chance-to-win threshold lies strictly between 0 and 1: got {threshold!r}")
    if comparisons <= 1:
        return threshold
    return 1.0 - (1.0 - threshold) / comparisons
