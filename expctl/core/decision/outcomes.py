"""What a decision says: the outcome, its exit code, the reasons and the numbers behind it.

The outcomes are strings so they read the same in JSON, in the terminal and in CI logs;
each has its own exit code so a pipeline can branch on ``expctl decide`` without parsing
its output (0 stays "go ahead", so a CI step that ships on success needs no script).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

SHIP = "ship"
KEEP_RUNNING = "keep-running"
REVIEW = "review"
ROLL_BACK = "roll-back"
INVALID = "invalid"
WAITING_FOR_APPROVAL = "waiting-for-approval"  # produced by the command layer, never by decide()

# Strongest first: the first outcome any finding calls for wins (see engine.decide).
PRECEDENCE = (INVALID, ROLL_BACK, REVIEW, SHIP, KEEP_RUNNING)

# 0 stays "go ahead"; the others sit above the general codes (1-12) so a pipeline can tell
# "decided: keep running" from "could not decide" (errors.ExitCode lists them all).
EXIT_CODES: Mapping[str, int] = MappingProxyType(
    {
        SHIP: 0,
        KEEP_RUNNING: 20,
        REVIEW: 21,
        ROLL_BACK: 22,
        INVALID: 23,
        WAITING_FOR_APPROVAL: 24,
    }
)

# Roles of a metric in the decision.
PRIMARY = "primary"
GUARDRAIL = "guardrail"
OTHER = "other"

# A metric entry's status.
WON = "won"
LOST = "lost"
INCONCLUSIVE = "inconclusive"
BREACHED = "breached"
HOLDS = "holds"
NO_DATA = "no data"  # no interval, p-value or chance to win yet, or PostHog flagged too little data
NOT_COMPARABLE = "not comparable"  # an absolute guardrail against a percentage margin
REPORTED = "reported"  # other metrics: shown, not judged


@dataclass(frozen=True)
class DecisionContext:
    """What the command gathers besides the results: time, traffic and history.

    ``exposures`` defaults to ``results.exposures``; ``planned_sample`` is the per-variant
    sample the command sized from the policy's ``target_mde`` (the engine does no sizing:
    that needs the baseline's variance, which ``expctl.core.sizing`` computes), and is
    ignored when the policy names ``planned_sample`` itself."""

    days_running: float | None = None
    exposures: Mapping[str, int] | None = None
    exposures_per_day: float | None = None
    sequential: bool = False
    changed_mid_run: Sequence[str] = ()
    validation_problems: Sequence[str] = ()
    planned_sample: int | None = None
    ended: bool = False  # the experiment has ended: no more data comes, today's numbers are final


@dataclass(frozen=True)
class MetricEntry:
    """One metric for one variant against the baseline, as PostHog gave it and as judged.

    ``delta``, ``interval``, ``p_value`` and ``chance_to_win`` are PostHog's, untouched;
    ``corrected_p_value`` against ``alpha`` (frequentist) or ``threshold`` (Bayesian,
    legacy) is the bar the policy's correction set; ``margin`` is a guardrail's allowed regression."""

    metric: str
    key: str
    role: str
    variant: str
    status: str
    delta: float | None = None
    interval: tuple[float, float] | None = None
    relative: bool = True
    goal: str = "increase"
    method: str = "bayesian"
    p_value: float | None = None
    chance_to_win: float | None = None
    corrected_p_value: float | None = None
    alpha: float | None = None
    threshold: float | None = None
    margin: float | None = None
    posthog_verdict: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "key": self.key,
            "role": self.role,
            "variant": self.variant,
            "status": self.status,
            "won": self.status == WON,
            "lost": self.status == LOST,
            "breached": self.status == BREACHED,
            "delta": self.delta,
            "relative": self.relative,
            "interval": list(self.interval) if self.interval is not None else None,
            "goal": self.goal,
            "method": self.method,
            "p_value": self.p_value,
            "chance_to_win": self.chance_to_win,
            "corrected_p_value": self.corrected_p_value,
            "alpha": self.alpha,
            "threshold": self.threshold,
            "max_regression": self.margin,
            "posthog_verdict": self.posthog_verdict,
        }


@dataclass(frozen=True)
class Decision:
    """The one outcome for an experiment, with the sentences and numbers that led to it."""

    outcome: str
    variant: str | None = None  # the variant to ship (ship only)
    reasons: list[str] = field(default_factory=list)
    metrics: list[MetricEntry] = field(default_factory=list)
    days_left: float | None = None  # keep-running only: to the planned sample at today's rate

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def as_json(self) -> dict[str, Any]:
        """A plain dict for ``-o json``: nothing but str, float, bool, None, list and dict."""
        return {
            "decision": self.outcome,
            "variant": self.variant,
            "reasons": list(self.reasons),
            "metrics": [entry.as_json() for entry in self.metrics],
            "days_left": self.days_left,
        }
