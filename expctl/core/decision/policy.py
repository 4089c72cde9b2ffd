"""The decision policy: the ``decision:`` block of an experiment's spec, read and checked.

Every value is read strictly, and every problem is reported with its key path inside the
block, so a typo never silently loosens a rule a team relies on to ship (an unknown key
is refused with the nearest known one). Percentages are written "5%" or 0.05; a bare
number above 1 is refused, because 5 could mean 5% or 500%.

``planned_sample`` and ``target_mde`` are mutually exclusive: both say when the test has
seen enough, and two answers to that could disagree. ``target_mde`` is sized into a
planned sample by the command (it needs the baseline's variance, see
``DecisionContext.planned_sample``); the engine only reads the sample.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from expctl.core.decision.corrections import CORRECTIONS, HOLM

ALL_PRIMARY_WIN = "all-primary-win"
ANY_PRIMARY_WINS = "any-primary-wins"
SHIP_WHEN = (ALL_PRIMARY_WIN, ANY_PRIMARY_WINS)
DEFAULT_CHANCE_TO_WIN = 0.95  # PostHog's own Bayesian significance level
ERROR = "error"
WARNING = "warning"

KEYS = (
    "primary",
    "guardrails",
    "min_runtime",
    "planned_sample",
    "target_mde",
    "correction",
    "chance_to_win",
    "ship_when",
)
GUARDRAIL_KEYS = ("metric", "max_regression")
_DURATION = re.compile(r"^\s*(\d+)\s*(d|w|days?|weeks?)?\s*$", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$")

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class PolicyProblem:
    """One problem with the policy: where in the ``decision:`` block, and what to do."""

    path: Path
    message: str
    severity: str = ERROR  # WARNING: the policy still applies, but not as written

    def __str__(self) -> str:
        where = ".".join(str(p) for p in ("decision", *self.path))
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Guardrail:
    metric: str
    max_regression: float  # a fraction: 0.05 = a 5% regression in the metric's own direction


@dataclass(frozen=True)
class Policy:
    """When an experiment ships, keeps running or rolls back.

    ``primary`` None means every primary metric of the experiment. ``correction`` None
    means Holm and ``chance_to_win`` None means 95%, the defaults; they are told apart
    from the same values written out only so a check can warn about a setting the
    owner asked for that the experiment's method cannot use as written."""

    primary: tuple[str, ...] | None = None
    guardrails: tuple[Guardrail, ...] = ()
    min_runtime_days: int | None = None
    planned_sample: int | None = None
    target_mde: float | None = None
    correction: str | None = None
    chance_to_win: float | None = None
    ship_when: str = ALL_PRIMARY_WIN

    @property
    def correction_method(self) -> str:
        return self.correction or HOLM

    @property
    def chance_threshold(self) -> float:
        """The Bayesian threshold before correction: the policy's, else PostHog's 95%."""
        return self.chance_to_win if self.chance_to_win is not None else DEFAULT_CHANCE_TO_WIN


def read_policy(data: Mapping[str, Any] | None) -> tuple[Policy | None, list[PolicyProblem]]:
    """The policy from a ``decision:`` block (the block itself, not the whole spec).

    None with the problems when there is any; an empty or missing block is the default
    policy (all primary metrics must win, Holm, 95% chance to win)."""
    if data is None:
        return Policy(), []
    if not isinstance(data, Mapping):
        return None, [PolicyProblem((), f"the decision block is a mapping of settings, not {_kind(data)}")]
    problems = _unknown_keys(data, KEYS, ())
    fields: dict[str, Any] = {}
    readers: dict[str, Callable[[Any, list[PolicyProblem]], Any]] = {
        "primary": _read_primary,
        "guardrails": _read_guardrails,
        "min_runtime": _read_runtime,
        "planned_sample": _read_sample,
        "target_mde": lambda v, p: _read_percent(v, p, "target_mde"),
        "correction": lambda v, p: _read_choice(v, p, "correction", CORRECTIONS),
        "chance_to_win": _read_chance,
        "ship_when": lambda v, p: _read_choice(v, p, "ship_when", SHIP_WHEN),
    }
    for key, reader in readers.items():
        if key in data:
            fields[key] = reader(data[key], problems)
    if "planned_sample" in data and "target_mde" in data:
        message = "give planned_sample or target_mde, not both: each says when the test has seen enough"
        problems.append(PolicyProblem(("target_mde",), message))
    if problems:
        return None, problems
    if "min_runtime" in fields:
        fields["min_runtime_days"] = fields.pop("min_runtime")
    return Policy(**fields), []


def suggest(word: str, known: Sequence[str], *, fallback: str = "known keys:") -> str:
    """Difflib's nearest known word ("did you mean ...?"), else the known words."""
    close = difflib.get_close_matches(word.strip().lower(), known, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"{fallback} " + ", ".join(known)


def _unknown_keys(data: Mapping[Any, Any], known: Sequence[str], path: Path) -> list[PolicyProblem]:
    return [
        PolicyProblem((*path, str(key)), f"unknown key {str(key)!r}: {suggest(str(key), known)}")
        for key in data
        if key not in known
    ]


def _kind(value: Any) -> str:
    return {bool: "true/false", str: "text", int: "a number", float: "a number", list: "a list"}.get(
        type(value), type(value).__name__
    )


def _read_primary(value: Any, problems: list[PolicyProblem]) -> tuple[str, ...] | None:
    path: Path = ("primary",)
    if not isinstance(value, list) or not value:
        problems.append(PolicyProblem(path, "a non-empty list of metric names (leave it out for all primary metrics)"))
        return None
    names: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            problems.append(PolicyProblem((*path, index), f"a metric name, not {_kind(item)}"))
        elif item.strip().casefold() in (n.casefold() for n in names):
            problems.append(PolicyProblem((*path, index), f"{item!r} is listed twice"))
        else:
            names.append(item.strip())
    return tuple(names)


def _read_guardrails(value: Any, problems: list[PolicyProblem]) -> tuple[Guardrail, ...]:
    if not isinstance(value, list):
        problems.append(PolicyProblem(("guardrails",), 'a list of {metric: NAME, max_regression: "5%"}'))
        return ()
    guardrails: list[Guardrail] = []
    for index, item in enumerate(value):
        path: Path = ("guardrails", index)
        if not isinstance(item, Mapping):
            problems.append(PolicyProblem(path, f'a mapping {{metric: NAME, max_regression: "5%"}}, not {_kind(item)}'))
            continue
        problems.extend(_unknown_keys(item, GUARDRAIL_KEYS, path))
        name = item.get("metric")
        if not isinstance(name, str) or not name.strip():
            problems.append(PolicyProblem((*path, "metric"), "the guardrail's metric name is required"))
            name = None
        elif any(g.metric.casefold() == name.strip().casefold() for g in guardrails):
            problems.append(PolicyProblem((*path, "metric"), f"{name!r} is already a guardrail"))
        if "max_regression" not in item:
            problems.append(PolicyProblem((*path, "max_regression"), 'required: the regression allowed, e.g. "5%"'))
            continue
        margin = _read_percent(item["max_regression"], problems, (*path, "max_regression"))
        if name is not None and margin is not None:
            guardrails.append(Guardrail(name.strip(), margin))
    return tuple(guardrails)


def _read_percent(value: Any, problems: list[PolicyProblem], path: Path | str) -> float | None:
    """A fraction strictly between 0 and 1 from "5%", 0.05 or "0.05"."""
    where: Path = (path,) if isinstance(path, str) else path
    fraction: float | None = None
    written_as_percent = False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        fraction = float(value)
    elif isinstance(value, str) and (match := _PERCENT.match(value)):
        written_as_percent = bool(match.group(2))
        fraction = float(match.group(1)) / (100.0 if written_as_percent else 1.0)
    if fraction is None or not math.isfinite(fraction):
        problems.append(PolicyProblem(where, f'a percentage like "5%" (or 0.05), not {value!r}'))
        return None
    if fraction > 1 and not written_as_percent:
        message = f'{value!r} is ambiguous: write "{fraction:g}%" for {fraction:g} percent (or a fraction below 1)'
        problems.append(PolicyProblem(where, message))
        return None
    if not 0 < fraction < 1:
        problems.append(PolicyProblem(where, f"must be more than 0% and less than 100%, not {fraction * 100:g}%"))
        return None
    return fraction


def _read_runtime(value: Any, problems: list[PolicyProblem]) -> int | None:
    """Whole days from 14, "14d" or "2w"."""
    days: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        days = int(match.group(1)) * (7 if (match.group(2) or "d").lower().startswith("w") else 1)
    if days is None:
        problems.append(PolicyProblem(("min_runtime",), f'whole days like "14d", "2w" or 14, not {value!r}'))
        return None
    if days < 1:
        problems.append(PolicyProblem(("min_runtime",), "at least 1 day (leave it out for no minimum)"))
        return None
    return days


def _read_sample(value: Any, problems: list[PolicyProblem]) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    problems.append(PolicyProblem(("planned_sample",), f"a whole number of exposures per variant, not {value!r}"))
    return None


def _read_choice(value: Any, problems: list[PolicyProblem], key: str, choices: Sequence[str]) -> str | None:
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    hint = suggest(value, choices, fallback="one of") if isinstance(value, str) else "one of " + ", ".join(choices)
    problems.append(PolicyProblem((key,), f"{value!r} is not a choice: {hint}"))
    return None


def _read_chance(value: Any, problems: list[PolicyProblem]) -> float | None:
    found: list[PolicyProblem] = []
    threshold = _read_percent(value, found, "chance_to_win")
    if threshold is not None and threshold <= 0.5:
        found.append(PolicyProblem(("chance_to_win",), f"above 50%: {threshold * 100:g}% is no better than a coin"))
        threshold = None
    problems.extend(found)
    return threshold
