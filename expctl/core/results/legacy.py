"""Results of experiments from before 2025: the legacy ``results/`` payload read as rows.

Per-variant counts or funnel successes, ``probability`` of being best, and per-variant
credible intervals on the variant's own rate, shown against the control's rate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from expctl.core.results.verdicts import (
    BASELINE,
    FAILURE_WORDS,
    INSUFFICIENT,
    LOSING,
    NOT_SIGNIFICANT,
    WINNING,
    MetricResult,
    VariantRow,
)
from expctl.model.metrics import MetricSpec


def from_legacy(spec: MetricSpec, payload: Mapping[str, Any]) -> MetricResult:
    result_block = payload.get("result") if isinstance(payload.get("result"), Mapping) else {}
    assert isinstance(result_block, Mapping)
    is_funnel = any(isinstance(v, Mapping) and "success_count" in v for v in result_block.get("variants") or [])
    result = MetricResult(
        key=spec.key,
        name=spec.name,
        role=spec.role,
        kind="legacy-funnel" if is_funnel else "legacy-trend",
        method="legacy",
        is_cached=payload.get("is_cached") if isinstance(payload.get("is_cached"), bool) else None,
        last_refresh=payload.get("last_refresh") if isinstance(payload.get("last_refresh"), str) else None,
        raw=payload,
    )
    if spec.legacy_index is not None:
        return _legacy_secondary(result, result_block)
    rows = [
        _legacy_row(variant, result_block, is_funnel)
        for variant in result_block.get("variants") or []
        if isinstance(variant, Mapping)
    ]
    _against_control(rows, significant=bool(result_block.get("significant")))
    if isinstance(result_block.get("p_value"), (int, float)):
        for row in rows:
            if not row.is_baseline:
                row.p_value = float(result_block["p_value"])
    result.rows = rows
    code = result_block.get("significance_code")
    if code == "not_enough_exposure":
        result.warnings.append("not enough exposures yet")
        for row in rows:
            if not row.is_baseline:
                row.verdict = INSUFFICIENT
    return result


def _legacy_row(variant: Mapping[str, Any], block: Mapping[str, Any], is_funnel: bool) -> VariantRow:
    """A variant's own numbers: its rate (funnels) or count per exposed user (trends)."""
    row = VariantRow(key=str(variant.get("key")))
    if is_funnel:
        success = float(variant.get("success_count") or 0)
        failure = float(variant.get("failure_count") or 0)
        row.exposures = int(success + failure)
        row.value = success / (success + failure) if success + failure else None
    else:
        row.exposures = int(variant.get("absolute_exposure") or 0) or None
        count = float(variant.get("count") or 0)
        row.value = count / row.exposures if row.exposures else None
    probability = block.get("probability")
    chance = probability.get(row.key) if isinstance(probability, Mapping) else None
    row.chance_to_win = float(chance) if isinstance(chance, (int, float)) else None
    intervals = block.get("credible_intervals")
    interval = intervals.get(row.key) if isinstance(intervals, Mapping) else None
    if isinstance(interval, Sequence) and len(interval) == 2:
        row.interval = (float(interval[0]), float(interval[1]))
    return row


def _against_control(rows: list[VariantRow], *, significant: bool) -> None:
    """Deltas and intervals against the control's rate, and verdicts: legacy results name
    the variant most likely best, and a significant result makes it the winner."""
    control = next((r for r in rows if r.key == "control"), rows[0] if rows else None)
    best = max(rows, key=lambda r: r.chance_to_win or 0.0) if rows else None
    for row in rows:
        if row is control:
            row.is_baseline = True
            row.verdict = BASELINE
            row.interval = None
            continue
        if control is not None and control.value and row.value is not None:
            row.delta = row.value / control.value - 1
            if row.interval is not None:
                # Legacy intervals are on the variant's own rate; shown against the control's rate.
                row.interval = (row.interval[0] / control.value - 1, row.interval[1] / control.value - 1)
        row.significant = significant
        if significant and best is not None:
            row.verdict = WINNING if row is best else LOSING
        else:
            row.verdict = NOT_SIGNIFICANT


def _legacy_secondary(result: MetricResult, block: Mapping[str, Any]) -> MetricResult:
    values = block.get("result") if isinstance(block.get("result"), Mapping) else {}
    assert isinstance(values, Mapping)
    result.kind = "count"
    result.method = "legacy"
    rows = [VariantRow(key=str(k), value=float(v)) for k, v in values.items() if isinstance(v, (int, float))]
    control = next((r for r in rows if r.key == "control"), None)
    for row in rows:
        if row is control:
            row.is_baseline = True
            row.verdict = BASELINE
        else:
            if control is not None and control.value:
                row.delta = (row.value or 0) / control.value - 1
            row.verdict = "no statistics"
    result.rows = rows
    return result


def legacy_no_data(spec: MetricSpec, detail: str) -> MetricResult:
    """Legacy results/ answers 400 with a JSON string of what is missing."""
    result = MetricResult(key=spec.key, name=spec.name, role=spec.role, kind="legacy-trend", method="legacy")
    try:
        flags = json.loads(detail)
    except (ValueError, TypeError):
        flags = None
    if isinstance(flags, Mapping):
        result.warnings = [FAILURE_WORDS.get(str(k), str(k)) for k, v in flags.items() if v]
    else:
        result.warnings = [detail]
    return result
