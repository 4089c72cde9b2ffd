"""One experiment's results report from PostHog's answers, and the checks CI gates on.

The answers come as they came (``expctl.model.metrics.MetricAnswer``); each metric is read
by its shape (``results`` for the current engine, ``legacy_results`` for releases before
2025); exposures come from the exposure query or, failing that, the primary metric; the
sample-ratio check compares them with the configured split; ``--fail-on`` conditions are
judged on the whole report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from expctl.core.results.freshness import freshness_warnings
from expctl.core.results.health import bias_risk, split_check, srm_words
from expctl.core.results.legacy import from_legacy, legacy_no_data
from expctl.core.results.srm import SampleRatioCheck, sample_ratio_check
from expctl.core.results.stats_settings import resolve
from expctl.core.results.verdicts import (
    FAIL_ON_CONDITIONS,
    INSUFFICIENT,
    LOSING,
    WINNING,
    ExperimentResults,
    MetricResult,
    explain_verdicts,
    from_experiment_query,
)
from expctl.model.metrics import LEGACY, LEGACY_NO_DATA, QUERY, MetricAnswer, MetricSpec
from expctl.model.stored_run import StoredRun


def read_results(
    experiment: Mapping[str, Any],
    specs: Sequence[MetricSpec],
    exposures_raw: Mapping[str, Any] | None,
    answers: Mapping[str, MetricAnswer],
    *,
    project_settings: Mapping[str, Any] | None = None,
    source: StoredRun | None = None,
    notes: Sequence[str] = (),
) -> ExperimentResults:
    """The report from PostHog's answers: each metric read, exposures, PostHog's health
    checks (expctl's sample-ratio test only where PostHog gave none), the statistics
    settings the numbers were computed with, and where they came from."""
    stats_config = experiment.get("stats_config") if isinstance(experiment.get("stats_config"), Mapping) else None
    # Primary metrics first, in every output, whatever order PostHog listed them in.
    ordered = sorted(specs, key=lambda spec: spec.role != "primary")
    metrics = [_read_answer(spec, answers[spec.key], stats_config) for spec in ordered]
    for metric in metrics:
        explain_verdicts(metric)
    exposures = exposures_from_query(exposures_raw) if exposures_raw is not None else None
    exposures = exposures or exposures_from_metrics(metrics)
    method = str((stats_config or {}).get("method") or "bayesian")
    if ordered and all(s.legacy for s in ordered):
        method = "legacy"
    level = next((m.level for m in metrics if m.method != "legacy"), 0.95)
    split = split_check(experiment, exposures_raw, exposures, check_sample_ratio(experiment, exposures))
    report_notes = [*notes, *(freshness_warnings(source, experiment) if source is not None else [])]
    return ExperimentResults(
        experiment=dict(experiment),
        metrics=metrics,
        exposures=exposures,
        exposures_raw=dict(exposures_raw) if exposures_raw is not None else None,
        srm=split.test,
        method=method,
        level=level,
        srm_note=split.note,
        bias=bias_risk(experiment, exposures_raw),
        settings=None if method == "legacy" else resolve(stats_config, project_settings),
        source=source,
        notes=report_notes,
    )


def _read_answer(spec: MetricSpec, answer: MetricAnswer, stats_config: Mapping[str, Any] | None) -> MetricResult:
    if answer.kind == QUERY:
        return from_experiment_query(spec, answer.payload, stats_config)
    if answer.kind == LEGACY:
        # A legacy goal asked of the query endpoint answers in the primary goal's shape.
        read_as = MetricSpec(spec.key, spec.name, spec.role, None, None, legacy=True) if answer.detail else spec
        return from_legacy(read_as, answer.payload if isinstance(answer.payload, Mapping) else {})
    if answer.kind == LEGACY_NO_DATA:
        return legacy_no_data(spec, answer.detail)
    error = answer.error
    result = MetricResult(
        key=spec.key,
        name=spec.name,
        role=spec.role,
        kind=str((spec.query or {}).get("metric_type") or "unknown"),
        method="unknown",
        error=error.message if error else "no answer",
    )
    result.error_code = int(error.exit_code) if error else None
    return result


def exposures_from_query(payload: Mapping[str, Any]) -> dict[str, int] | None:
    totals = payload.get("total_exposures")
    if isinstance(totals, Mapping):
        return {str(k): int(v) for k, v in totals.items() if isinstance(v, (int, float))}
    return None


def exposures_from_metrics(metrics: Sequence[MetricResult]) -> dict[str, int] | None:
    """Exposures read off a primary metric's sample counts, when PostHog gave none.

    A retention metric's samples are the users who did its start event, not exposures,
    so it never stands in for them (nor feeds the sample-ratio check)."""
    for metric in metrics:
        if metric.role == "primary" and metric.error is None and metric.kind != "retention":
            counts = {r.key: r.exposures for r in metric.rows if r.exposures is not None}
            if len(counts) >= 2:
                return {k: int(v) for k, v in counts.items() if v is not None}
    return None


def configured_split(experiment: Mapping[str, Any]) -> dict[str, float]:
    from expctl.model.experiment import variants_of

    split: dict[str, float] = {}
    for variant in variants_of(experiment):
        share = variant.get("split_percent", variant.get("rollout_percentage"))
        if isinstance(share, (int, float)):
            split[str(variant.get("key"))] = float(share)
    return split


def check_sample_ratio(experiment: Mapping[str, Any], exposures: Mapping[str, int] | None) -> SampleRatioCheck | None:
    if not exposures:
        return None
    excluded = set(experiment.get("excluded_variants") or [])
    split = {k: v for k, v in configured_split(experiment).items() if k not in excluded}
    return sample_ratio_check(exposures, split)


def parse_fail_on(values: Sequence[str]) -> list[str]:
    from expctl.errors import UsageError

    conditions: list[str] = []
    for value in values:
        for item in value.split(","):
            name = item.strip().lower()
            if not name:
                continue
            if name not in FAIL_ON_CONDITIONS:
                raise UsageError(f"--fail-on {name!r} is not one of {', '.join(FAIL_ON_CONDITIONS)}")
            conditions.append(name)
    return conditions


def gate_failures(report: ExperimentResults, conditions: Sequence[str]) -> list[str]:
    """Which ``--fail-on`` conditions hold, each with the reason in words.

    * ``srm``: exposures per variant differ from the configured split (p < 0.001), by
      PostHog's own test where it gave one (``expctl.core.results.health``), else expctl's.
    * ``loser``: on a primary metric, some variant is significantly worse than the baseline.
    * ``not-significant``: no primary metric has a significant difference for any variant.
    * ``insufficient-data``: a primary metric has no result yet, failed, or PostHog flagged
      too little data for it (fewer than 50 exposures, 5 conversions, a zero baseline).
    """
    primary = [m for m in report.metrics if m.role == "primary"]
    held: list[str] = []
    if "srm" in conditions and report.srm is not None and report.srm.mismatch:
        held.append(f"srm: exposures do not match the configured split ({srm_words(report.srm)})")
    if "loser" in conditions:
        losers = [f"{r.key} on '{m.name}'" for m in primary for r in m.rows if r.verdict == LOSING]
        if losers:
            held.append("loser: significantly worse than the baseline: " + ", ".join(losers))
    if "not-significant" in conditions:
        significant = [r for m in primary for r in m.rows if r.verdict in (WINNING, LOSING)]
        if not significant:
            held.append("not-significant: no primary metric shows a significant difference yet")
    if "insufficient-data" in conditions:
        short = [
            m.name
            for m in primary
            if m.error is not None or m.warnings or not m.rows or any(r.verdict == INSUFFICIENT for r in m.rows)
        ]
        if not primary:
            held.append("insufficient-data: the experiment has no primary metric")
        elif short:
            held.append("insufficient-data: not enough data for " + ", ".join(f"'{n}'" for n in short))
    return held
