"""What makes an experiment need a person, most urgent first: `expctl review`'s rules.

Pure: the review job reads the experiment and, for a running one, its decision, and
these rules say whether and how urgently someone should look."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from expctl.core.decision.outcomes import Decision
from expctl.model.experiment import status_of, variants_of
from expctl.model.metrics import metric_specs
from expctl.model.times import parse_time

# Urgency, most urgent first: a broken test, then a decision waiting, then hygiene.
INVALID, ROLL_BACK, DECIDE, UNDERPOWERED, CLEANUP, NO_METRICS, LEGACY, STALE_DRAFT = range(8)
URGENCY_WORDS = (
    "invalid", "roll back", "ready to decide", "underpowered", "flag cleanup", "no metrics", "not migrated",
    "stale draft",
)  # fmt: skip
UNDERPOWERED_DAYS = 60  # days to the planned sample at today's traffic beyond which a test is underpowered
STALE_DRAFT_DAYS = 21


@dataclass(frozen=True)
class Finding:
    urgency: int
    experiment: Mapping[str, Any]
    why: str
    decision: str | None = None

    @property
    def label(self) -> str:
        return URGENCY_WORDS[self.urgency]

    def as_json(self) -> dict[str, Any]:
        ids = {k: self.experiment.get(k) for k in ("id", "name", "feature_flag_key")}
        return {"urgency": self.label, **ids, "why": self.why, "decision": self.decision}


def needs_a_decision(experiment: Mapping[str, Any]) -> bool:
    """Running (or paused) on PostHog's current metrics: the decision engine judges it."""
    specs = metric_specs(experiment)
    return status_of(experiment) not in ("draft", "stopped") and bool(specs) and not all(s.legacy for s in specs)


def hygiene(experiment: Mapping[str, Any], now: datetime) -> list[Finding]:
    """What is wrong whatever the results say: no metrics, legacy metrics, a draft left
    for weeks, an ended experiment whose flag still splits traffic."""
    status = status_of(experiment)
    specs = metric_specs(experiment)
    found: list[Finding] = []
    if not specs:
        found.append(Finding(NO_METRICS, experiment, "no metrics: it cannot be decided"))
    elif all(s.legacy for s in specs) and status != "stopped":
        found.append(Finding(LEGACY, experiment, "legacy metrics: `expctl migrate` moves it to PostHog's new engine"))
    if status == "draft":
        touched = parse_time(experiment.get("updated_at")) or parse_time(experiment.get("created_at"))
        if touched is not None and (now - touched).days > STALE_DRAFT_DAYS:
            found.append(Finding(STALE_DRAFT, experiment, f"a draft untouched for {(now - touched).days} days"))
    elif status == "stopped":
        flag = experiment.get("feature_flag")
        serving = [v for v in variants_of(experiment) if float(v.get("rollout_percentage") or 0) > 0]
        if len(serving) > 1 and isinstance(flag, Mapping) and not flag.get("deleted") and flag.get("active", True):
            keys = ", ".join(str(v.get("key")) for v in serving)
            why = f"ended, but its flag still serves {keys}: ship one, or turn the flag off"
            found.append(Finding(CLEANUP, experiment, why))
    return found


def from_decision(experiment: Mapping[str, Any], decision: Decision) -> Finding | None:
    """A running experiment's decision as a finding: invalid, roll back and a decision
    ready come first; keep-running only when the plan is out of reach at today's traffic."""
    first = decision.reasons[0] if decision.reasons else decision.outcome
    urgency = {"invalid": INVALID, "roll-back": ROLL_BACK, "ship": DECIDE, "review": DECIDE}.get(decision.outcome)
    if urgency is not None:
        verb = f"{decision.outcome} {decision.variant}" if decision.variant else decision.outcome
        return Finding(urgency, experiment, f"decide says {verb}: {first}", decision.outcome)
    if decision.days_left is not None and decision.days_left > UNDERPOWERED_DAYS:
        why = f"about {decision.days_left:.0f} days to its planned sample at today's traffic"
        return Finding(UNDERPOWERED, experiment, why, decision.outcome)
    return None
