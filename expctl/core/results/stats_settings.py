"""The statistics settings a result was computed with, resolved as PostHog resolves them.

A p-value of 1.0 is normal under sequential testing and a "Change" differs from the raw
means under CUPED, so every results view heads an experiment with these settings. PostHog
checks little when the experiment is written (``ExperimentService.validate_stats_config``:
only ``method`` and ``baseline_variant_key``) and resolves the rest when it computes:

* ``method``: ``stats_config.get("method", "bayesian")``; anything else is Bayesian
  (``get_experiment_stats_method``).
* ``bayesian.ci_level`` and ``frequentist.alpha``: within the open interval (0, 1), else
  0.95 and 0.05 (``hogql_queries/utils.py``, ``test_stats_config.py``).
* ``<method>.difference_type``: ``RELATIVE`` or ``ABSOLUTE`` by enum name, else RELATIVE.
* ``frequentist.sequential_testing_enabled``: the experiment's when the key is present,
  else the project's ``default_sequential_testing_enabled``; ``sequential_tuning_parameter``
  within 1..1e9, else the project's default, else 5000 (``_resolve_sequential_settings``,
  ``SequentialTwoSidedTTest.DEFAULT_TUNING_PARAMETER``).
* ``cuped.enabled``: the experiment's when the key is present, else the project's
  ``default_cuped_enabled`` (False); ``cuped.lookback_days``: experiment, project, 14, a
  number clamped to 1..30, anything else falling through (``cuped_config.py``).

Pure logic: the project's settings are passed in (``expctl.api.project_settings``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

METHODS = ("bayesian", "frequentist")
DEFAULT_CI_LEVEL = 0.95
DEFAULT_ALPHA = 0.05
DEFAULT_TUNING = 5000.0
TUNING_RANGE = (1.0, 1_000_000_000.0)
DEFAULT_LOOKBACK_DAYS = 14
LOOKBACK_RANGE = (1, 30)
# Metric types whose results CUPED adjusts (cuped_config.py ``_metric_supports_cuped``:
# ratio and retention "return False"; thresholded means and unordered funnels also do not).
CUPED_METRIC_TYPES = ("mean", "funnel")


@dataclass(frozen=True)
class StatsSettings:
    method: str
    level: float  # the interval's level: ci_level, or 1 - alpha
    relative: bool
    sequential: bool = False
    tuning: float = DEFAULT_TUNING
    cuped: bool = False
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    baseline: str | None = None
    project_defaults_known: bool = True

    @property
    def alpha(self) -> float:
        return round(1 - self.level, 10)

    def describe(self) -> str:
        """One line, e.g. "Frequentist, α 0.05, sequential (τ 5000), CUPED 14 d"."""
        parts = [self.method.capitalize()]
        if self.method == "frequentist":
            parts.append(f"α {self.alpha:g}")
            if self.sequential:
                parts.append(f"sequential (τ {self.tuning:g})")
        else:
            parts.append(f"{self.level * 100:g}% credible")
        parts.append(f"CUPED {self.lookback_days} d" if self.cuped else "no CUPED")
        if not self.relative:
            parts.append("absolute differences")
        if self.baseline:
            parts.append(f"baseline {self.baseline}")
        line = ", ".join(parts)
        if not self.project_defaults_known:
            line += " (project defaults unread)"
        return line

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "level": self.level,
            "difference_type": "RELATIVE" if self.relative else "ABSOLUTE",
            "sequential_testing_enabled": self.sequential,
            "sequential_tuning_parameter": self.tuning,
            "cuped_enabled": self.cuped,
            "cuped_lookback_days": self.lookback_days,
            "baseline_variant_key": self.baseline,
        }


def resolve(stats_config: Any, project: Mapping[str, Any] | None) -> StatsSettings:
    """The settings PostHog computes with, from the experiment's ``stats_config`` and the
    project's ``experiments_config`` (None: unknown, so PostHog's own defaults are assumed)."""
    config = stats_config if isinstance(stats_config, Mapping) else {}
    team = project or {}
    method = config.get("method") if config.get("method") in METHODS else "bayesian"
    own = _section(config, str(method))
    frequentist = _section(config, "frequentist")
    cuped = _section(config, "cuped")
    if method == "frequentist":
        level = 1 - _open_unit(own.get("alpha"), DEFAULT_ALPHA)
    else:
        level = _open_unit(own.get("ci_level"), DEFAULT_CI_LEVEL)
    if "sequential_testing_enabled" in frequentist:
        sequential = bool(frequentist["sequential_testing_enabled"])
    else:
        sequential = bool(team.get("default_sequential_testing_enabled"))
    team_tuning = _in_range(team.get("default_sequential_tuning_parameter"), TUNING_RANGE, DEFAULT_TUNING)
    tuning = _in_range(frequentist.get("sequential_tuning_parameter"), TUNING_RANGE, team_tuning)
    enabled = bool(cuped["enabled"]) if "enabled" in cuped else bool(team.get("default_cuped_enabled"))
    lookback = _lookback(cuped.get("lookback_days"), _lookback(team.get("default_cuped_lookback_days"), None))
    baseline = config.get("baseline_variant_key")
    return StatsSettings(
        method=str(method),
        level=round(level, 10),
        relative=str(own.get("difference_type") or "RELATIVE") != "ABSOLUTE",
        sequential=sequential and method == "frequentist",
        tuning=tuning,
        cuped=enabled,
        lookback_days=lookback if lookback is not None else DEFAULT_LOOKBACK_DAYS,
        baseline=baseline if isinstance(baseline, str) and baseline else None,
        project_defaults_known=project is not None,
    )


def _section(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = config.get(name)
    return section if isinstance(section, Mapping) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _open_unit(value: Any, default: float) -> float:
    number = _number(value)
    return number if number is not None and 0 < number < 1 else default


def _in_range(value: Any, bounds: tuple[float, float], default: float) -> float:
    number = _number(value)
    return number if number is not None and bounds[0] <= number <= bounds[1] else default


def _lookback(value: Any, fallback: int | None) -> int | None:
    """``_parse_lookback_days``: ``int(value)`` (so "7" and 7.9 are 7), clamped to 1..30;
    what ``int`` refuses falls through to ``fallback``."""
    if value is None:
        return fallback
    try:
        days = int(value)
    except (TypeError, ValueError, OverflowError):
        return fallback
    return min(max(days, LOOKBACK_RANGE[0]), LOOKBACK_RANGE[1])


def needs_project_defaults(stats_config: Any) -> bool:
    """Whether some setting falls back to the project's defaults (so they must be read)."""
    config = stats_config if isinstance(stats_config, Mapping) else {}
    cuped = _section(config, "cuped")
    if "enabled" not in cuped or (cuped.get("enabled") and _lookback(cuped.get("lookback_days"), None) is None):
        return True
    if config.get("method") != "frequentist":
        return False
    frequentist = _section(config, "frequentist")
    return "sequential_testing_enabled" not in frequentist or (
        bool(frequentist.get("sequential_testing_enabled"))
        and _number(frequentist.get("sequential_tuning_parameter")) is None
    )


def plan_caveats(settings: StatsSettings) -> list[str]:
    """What a fixed-sample estimate leaves out of the experiment's own analysis."""
    caveats = []
    if settings.cuped:
        caveats.append("it ignores CUPED's variance reduction, so PostHog may need fewer exposures")
    if settings.sequential:
        caveats.append("it ignores sequential testing's wider intervals, so PostHog may need more exposures")
    return caveats
