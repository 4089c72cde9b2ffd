"""An experiment over time: exposures per day, and each primary metric's result per day.

Exposures come from PostHog's ``ExperimentExposureQuery``, whose ``timeseries`` holds,
per variant, the days and the **cumulative** exposure count on each
(``ExperimentExposuresQueryRunner._calculate``: a running total per variant); the daily
numbers are the differences. Daily results come from ``timeseries_results/``, which
answers ``{"timeseries": {"YYYY-MM-DD": result | null, …}, "status", "errors", …}`` for one
metric uuid and fingerprint (``ExperimentService.get_timeseries_results``); each day's
result is an ``ExperimentQuery`` answer computed from the start up to that day, read here
exactly as `results` reads today's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from expctl.core.results.verdicts import MetricResult, VariantRow, from_experiment_query
from expctl.model.metrics import MetricSpec


@dataclass
class Exposures:
    days: list[str]
    daily: dict[str, list[int]]  # variant -> exposures on each day
    total: dict[str, int]

    @property
    def per_day(self) -> float:
        """The average number of new exposures a day, all variants together, so far."""
        return sum(self.total.values()) / len(self.days) if self.days else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"days": self.days, "daily": self.daily, "total": self.total, "per_day": round(self.per_day, 2)}


def exposures_from(payload: Mapping[str, Any] | None) -> Exposures | None:
    """Daily exposures from PostHog's cumulative series; None without a usable answer."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("timeseries"), list):
        return None
    days: list[str] = sorted(
        {str(d) for s in payload["timeseries"] if isinstance(s, Mapping) for d in s.get("days") or []}
    )
    daily: dict[str, list[int]] = {}
    for series in payload["timeseries"]:
        if not isinstance(series, Mapping):
            continue
        running = dict(
            zip((str(d) for d in series.get("days") or []), series.get("exposure_counts") or [], strict=False)
        )
        counts, last = [], 0
        for day in days:
            value = int(running.get(day, last))
            counts.append(max(0, value - last))
            last = value
        daily[str(series.get("variant"))] = counts
    total = {key: sum(values) for key, values in daily.items()}
    return Exposures(days, daily, total)


def exposures_from_history(
    history: MetricHistory, latest: tuple[str, Mapping[str, int]] | None = None
) -> Exposures | None:
    """Daily exposures read off a metric's daily results, where no exposure series was
    asked (the stored-results path spends no query): each day's result counts the samples
    so far (``number_of_samples``, cumulative like the exposure series). PostHog keeps a
    daily point per finished day, so ``latest`` (the stored run's day and counts) adds
    today's. A retention metric's samples are the users who did its start event, so it is
    never read so."""
    if history.shape is None or history.shape.kind == "retention" or len(history.samples) < 1:
        return None
    samples = dict(history.samples)
    if latest is not None and latest[1]:
        samples[latest[0]] = dict(latest[1])
    days = sorted(samples)
    variants = list(dict.fromkeys(key for day in days for key in samples[day]))  # baseline first
    daily: dict[str, list[int]] = {}
    for variant in variants:
        last, counts = 0, []
        for day in days:
            value = samples[day].get(variant, last)
            counts.append(max(0, value - last))
            last = max(last, value)
        daily[variant] = counts
    return Exposures(days, daily, {key: sum(values) for key, values in daily.items()})


@dataclass
class DayResult:
    day: str
    rows: list[VariantRow]  # test variants only (the baseline is the reference)


@dataclass
class MetricHistory:
    spec: MetricSpec
    status: str | None  # PostHog's: completed | partial | pending | failed
    days: list[DayResult] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # days PostHog has not computed
    errors: dict[str, str] = field(default_factory=dict)
    shape: MetricResult | None = None  # the metric's kind, method and every day's rows, for scales
    samples: dict[str, dict[str, int]] = field(default_factory=dict)  # day -> variant -> samples so far

    def first_significant(self) -> dict[str, str]:
        """Variant -> the first day its result was significant (and every day since)."""
        first: dict[str, str] = {}
        for key in {row.key for day in self.days for row in day.rows}:
            streak: str | None = None
            for day in self.days:
                row = next((r for r in day.rows if r.key == key), None)
                significant = row is not None and bool(row.significant)
                streak = (streak or day.day) if significant else None
            if streak:
                first[key] = streak
        return first

    def as_json(self) -> dict[str, Any]:
        return {
            "uuid": self.spec.key,
            "name": self.spec.name,
            "fingerprint": (self.spec.query or {}).get("fingerprint"),
            "status": self.status,
            "days": [
                {
                    "date": day.day,
                    "variants": {
                        row.key: {
                            "delta": row.delta,
                            "interval": list(row.interval) if row.interval else None,
                            "significant": row.significant,
                            "chance_to_win": row.chance_to_win,
                            "p_value": row.p_value,
                            "exposures": row.exposures,
                        }
                        for row in day.rows
                    },
                }
                for day in self.days
            ],
            "not_computed": self.missing,
            "errors": self.errors or None,
            "significant_since": self.first_significant(),
        }


def latest_samples(day: str | None, answer: Any) -> tuple[str, dict[str, int]] | None:
    """(day, each variant's samples so far) from one ExperimentQuery answer (a stored run's,
    computed up to ``day``), for :func:`exposures_from_history`."""
    if not day or not isinstance(answer, Mapping):
        return None
    variants = [answer.get("baseline"), *(answer.get("variant_results") or [])]
    counts = {
        str(v.get("key")): int(v["number_of_samples"])
        for v in variants
        if isinstance(v, Mapping) and isinstance(v.get("number_of_samples"), (int, float))
    }
    return (day[:10], counts) if counts else None


def metric_history(
    spec: MetricSpec, payload: Mapping[str, Any], stats_config: Mapping[str, Any] | None
) -> MetricHistory:
    series = payload.get("timeseries") if isinstance(payload.get("timeseries"), Mapping) else {}
    assert isinstance(series, Mapping)
    history = MetricHistory(spec, str(payload.get("status")) if payload.get("status") else None)
    errors = payload.get("errors")
    history.errors = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, Mapping) else {}
    shape: MetricResult | None = None
    for day in sorted(series):
        result = series[day]
        if not isinstance(result, Mapping):
            history.missing.append(str(day))
            continue
        read = from_experiment_query(spec, result, stats_config)
        rows = [row for row in read.rows if not row.is_baseline]
        history.days.append(DayResult(str(day), rows))
        history.samples[str(day)] = {row.key: row.exposures for row in read.rows if row.exposures is not None}
        if shape is None:
            shape = read
            shape.rows = []
        shape.rows.extend(rows)
    history.shape = shape
    return history
