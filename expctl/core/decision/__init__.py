"""Decisions: ship, keep running, review, roll back or invalid, from results and a policy.

Pure logic for ``expctl decide``: the command reads the experiment's ``decision:`` block
(:func:`read_policy`, :func:`check_policy_against`), fetches PostHog's results and the
activity log, and passes them in; :func:`decide` answers one :class:`Decision`. PostHog's
effects and intervals are used as given; only p-values and thresholds are corrected for
the number of comparisons (``corrections``). ``engine`` documents the precedence.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expctl.core.decision.corrections import (
        BENJAMINI_HOCHBERG,
        CORRECTIONS,
        HOLM,
        NONE,
        bayesian_threshold,
        benjamini_hochberg,
        holm,
        no_correction,
    )
    from expctl.core.decision.engine import decide
    from expctl.core.decision.outcomes import (
        EXIT_CODES,
        INVALID,
        KEEP_RUNNING,
        PRECEDENCE,
        REVIEW,
        ROLL_BACK,
        SHIP,
        WAITING_FOR_APPROVAL,
        Decision,
        DecisionContext,
        MetricEntry,
    )
    from expctl.core.decision.policy import (
        ALL_PRIMARY_WIN,
        ANY_PRIMARY_WINS,
        Guardrail,
        Policy,
        PolicyProblem,
        read_policy,
    )
    from expctl.core.decision.policy_check import check_policy_against

# Each name's module, imported on first use: `apply` checks a spec's decision: block with
# the policy alone and must not pay for the engine (about 15 ms of every run's start).
_HOMES = {
    "ALL_PRIMARY_WIN": "policy",
    "ANY_PRIMARY_WINS": "policy",
    "BENJAMINI_HOCHBERG": "corrections",
    "CORRECTIONS": "corrections",
    "Decision": "outcomes",
    "DecisionContext": "outcomes",
    "EXIT_CODES": "outcomes",
    "Guardrail": "policy",
    "HOLM": "corrections",
    "INVALID": "outcomes",
    "KEEP_RUNNING": "outcomes",
    "MetricEntry": "outcomes",
    "NONE": "corrections",
    "PRECEDENCE": "outcomes",
    "Policy": "policy",
    "PolicyProblem": "policy",
    "REVIEW": "outcomes",
    "ROLL_BACK": "outcomes",
    "SHIP": "outcomes",
    "WAITING_FOR_APPROVAL": "outcomes",
    "bayesian_threshold": "corrections",
    "benjamini_hochberg": "corrections",
    "check_policy_against": "policy_check",
    "decide": "engine",
    "holm": "corrections",
    "no_correction": "corrections",
    "read_policy": "policy",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "ALL_PRIMARY_WIN",
    "ANY_PRIMARY_WINS",
    "BENJAMINI_HOCHBERG",
    "CORRECTIONS",
    "EXIT_CODES",
    "HOLM",
    "INVALID",
    "KEEP_RUNNING",
    "NONE",
    "PRECEDENCE",
    "REVIEW",
    "ROLL_BACK",
    "SHIP",
    "WAITING_FOR_APPROVAL",
    "Decision",
    "DecisionContext",
    "Guardrail",
    "MetricEntry",
    "Policy",
    "PolicyProblem",
    "bayesian_threshold",
    "benjamini_hochberg",
    "check_policy_against",
    "decide",
    "holm",
    "no_correction",
    "read_policy",
]
