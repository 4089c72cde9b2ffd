"""A spec's ``statistics:``: the settings that change what a number means, in a readable form.

```yaml
statistics:
  method: frequentist     # or bayesian (PostHog's default)
  alpha: 0.05             # frequentist; bayesian takes credible_level: 95%
  sequential: true        # or {tau: 5000}: frequentist.sequential_testing_enabled / _tuning_parameter
  cuped: 14d              # or true / false: cuped.enabled and cuped.lookback_days
  baseline: control       # stats_config.baseline_variant_key
  difference: absolute    # <method>.difference_type (relative by default)
```

It becomes ``stats_config`` (the keys it names only: the rest of PostHog's stays as it is).
PostHog refuses only two things when the experiment is written
(``ExperimentService.validate_stats_config``): a method other than bayesian or frequentist
("Invalid stats method") and a ``baseline_variant_key`` that is not one of the variants.
Every other value PostHog accepts and then silently replaces when it computes (a level
outside (0, 1) becomes 0.95 / 0.05, a τ outside 1..1e9 becomes 5000, a lookback is clamped
to 1..30: ``hogql_queries/utils.py``, ``cuped_config.py``): expctl refuses those too,
because a setting PostHog will not use is a mistake the spec should not hide.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from expctl.core.results.stats_settings import LOOKBACK_RANGE, METHODS, TUNING_RANGE

Problem = Callable[[tuple[Any, ...], str], None]
KEYS = ("method", "alpha", "credible_level", "sequential", "cuped", "baseline", "difference")
_DAYS = re.compile(r"^\s*(\d+)\s*d(ays?)?\s*$")


def read_statistics(value: Any, variant_keys: list[str] | None, problem: Problem) -> dict[str, Any] | None:
    """``stats_config`` from a spec's ``statistics:``; None (with problems) when invalid."""
    if not isinstance(value, Mapping):
        problem(("statistics", "="), "statistics must be a mapping (method, alpha, sequential, cuped, …)")
        return None
    refused: list[str] = []

    def refuse(key: str, message: str) -> None:
        refused.append(key)
        problem(("statistics", key, "="), message)

    for key in value:
        if key not in KEYS:
            refuse(str(key), f"statistics.{key} is not a setting; use one of {', '.join(KEYS)}")
    method = value.get("method", "bayesian")
    if method not in METHODS:
        refuse("method", f"Invalid stats method: '{method}'. Must be one of: bayesian, frequentist")
    config: dict[str, Any] = {"method": method} if "method" in value else {}
    section: dict[str, Any] = {}
    if "alpha" in value:
        _level(value["alpha"], "alpha", method == "frequentist", refuse, section)
    if "credible_level" in value:
        _level(value["credible_level"], "credible_level", method == "bayesian", refuse, section)
    if "difference" in value:
        difference = str(value["difference"]).lower()
        if difference not in ("relative", "absolute"):
            refuse("difference", "statistics.difference must be relative or absolute")
        section["difference_type"] = difference.upper()
    if section:
        config[str(method)] = section
    if "sequential" in value:
        _sequential(value["sequential"], method, refuse, config)
    if "cuped" in value:
        _cuped(value["cuped"], refuse, config)
    if "baseline" in value:
        baseline = value["baseline"]
        if variant_keys and baseline not in variant_keys:
            refuse("baseline", f"Invalid baseline_variant_key: '{baseline}'. Must be one of: {', '.join(variant_keys)}")
        config["baseline_variant_key"] = baseline
    return None if refused else config


def _level(raw: Any, key: str, applies: bool, refuse: Callable[[str, str], None], section: dict[str, Any]) -> None:
    if not applies:
        other = "frequentist" if key == "alpha" else "bayesian"
        refuse(key, f"statistics.{key} is a {other} setting; set method: {other}")
        return
    number = _fraction(raw)
    if number is None or not 0 < number < 1:
        refuse(key, f"statistics.{key} must lie between 0 and 1 (e.g. 0.05 or 5%): PostHog would ignore {raw!r}")
        return
    section["alpha" if key == "alpha" else "ci_level"] = number


def _sequential(raw: Any, method: Any, refuse: Callable[[str, str], None], config: dict[str, Any]) -> None:
    if method != "frequentist":
        refuse("sequential", "sequential testing is frequentist: set method: frequentist")
        return
    frequentist = config.setdefault("frequentist", {})
    if isinstance(raw, bool):
        frequentist["sequential_testing_enabled"] = raw
        return
    tau = raw.get("tau") if isinstance(raw, Mapping) else None
    if isinstance(tau, bool) or not isinstance(tau, (int, float)) or not TUNING_RANGE[0] <= tau <= TUNING_RANGE[1]:
        refuse("sequential", "statistics.sequential is true, false or {tau: N} with N from 1 to 1,000,000,000")
        return
    frequentist.update(sequential_testing_enabled=True, sequential_tuning_parameter=tau)


def _cuped(raw: Any, refuse: Callable[[str, str], None], config: dict[str, Any]) -> None:
    if isinstance(raw, bool):
        config["cuped"] = {"enabled": raw}
        return
    days = raw if isinstance(raw, int) else None
    match = _DAYS.match(raw) if isinstance(raw, str) else None
    if match:
        days = int(match.group(1))
    if days is None or not LOOKBACK_RANGE[0] <= days <= LOOKBACK_RANGE[1]:
        refuse("cuped", "statistics.cuped is true, false or a lookback from 1d to 30d (PostHog clamps others)")
        return
    config["cuped"] = {"enabled": True, "lookback_days": days}


def _fraction(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str) and raw.strip().endswith("%"):
        try:
            return float(raw.strip()[:-1]) / 100
        except ValueError:
            return None
    return None


def to_statistics(stats_config: Any) -> dict[str, Any] | None:
    """The readable form of ``stats_config`` for ``export``, or None when some key has no
    readable spelling (then ``stats_config`` is exported as it is, losing nothing)."""
    if not isinstance(stats_config, Mapping) or not stats_config:
        return None
    known = {"method", "bayesian", "frequentist", "cuped", "baseline_variant_key"}
    if set(stats_config) - known:
        return None
    method = stats_config.get("method", "bayesian")
    out: dict[str, Any] = {"method": method} if "method" in stats_config else {}
    for name in ("bayesian", "frequentist"):
        section = stats_config.get(name)
        if section is None:
            continue
        if not isinstance(section, Mapping) or (section and name != method):
            return None
        readable = _section_words(name, section)
        if readable is None:
            return None
        out.update(readable)
    cuped = stats_config.get("cuped")
    if cuped is not None:
        if not isinstance(cuped, Mapping) or set(cuped) - {"enabled", "lookback_days"}:
            return None
        lookback = cuped.get("lookback_days")
        out["cuped"] = (
            f"{lookback}d" if cuped.get("enabled") and isinstance(lookback, int) else bool(cuped.get("enabled"))
        )
    if "baseline_variant_key" in stats_config:
        out["baseline"] = stats_config["baseline_variant_key"]
    return out


def _section_words(name: str, section: Mapping[str, Any]) -> dict[str, Any] | None:
    allowed = {"ci_level", "alpha", "difference_type", "sequential_testing_enabled", "sequential_tuning_parameter"}
    if set(section) - allowed:
        return None
    out: dict[str, Any] = {}
    if "ci_level" in section:
        out["credible_level"] = section["ci_level"]
    if "alpha" in section:
        out["alpha"] = section["alpha"]
    if "difference_type" in section:
        out["difference"] = str(section["difference_type"]).lower()
    if "sequential_testing_enabled" in section:
        tau = section.get("sequential_tuning_parameter")
        out["sequential"] = (
            {"tau": tau}
            if section["sequential_testing_enabled"] and tau is not None
            else bool(section["sequential_testing_enabled"])
        )
    elif "sequential_tuning_parameter" in section:
        return None
    return out
