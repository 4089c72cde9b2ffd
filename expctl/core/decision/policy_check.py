"""A policy checked against the experiment it decides: names, roles and the method.

Checked before any result is fetched, so a misspelt guardrail fails the command instead
of shipping without it. Names are the ones results are shown under
(``expctl.model.metrics.metric_specs``: an inline metric's ``name``, a shared metric's
``query.name`` or ``name``, else its event), compared without regard to case.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from expctl.core.decision.corrections import BENJAMINI_HOCHBERG, HOLM
from expctl.core.decision.policy import WARNING, Path, Policy, PolicyProblem
from expctl.model.metrics import MetricSpec, metric_specs


def experiment_method(experiment: Mapping[str, Any], specs: Sequence[MetricSpec] | None = None) -> str:
    """bayesian, frequentist or legacy, as ``read_results`` will say: legacy when every
    metric is a pre-2025 goal, else ``stats_config.method`` (PostHog's default Bayesian)."""
    specs = metric_specs(experiment) if specs is None else specs
    if specs and all(spec.legacy for spec in specs):
        return "legacy"
    config = experiment.get("stats_config")
    method = config.get("method") if isinstance(config, Mapping) else None
    return "frequentist" if method == "frequentist" else "bayesian"


def check_policy_against(policy: Policy, experiment: Mapping[str, Any]) -> list[PolicyProblem]:
    """What in the policy does not fit the experiment; warnings where it applies but
    not as written (a p-value correction on Bayesian results)."""
    specs = metric_specs(experiment)
    problems = _names(policy, specs)
    method = experiment_method(experiment, specs)
    problems.extend(_method(policy, method))
    if policy.guardrails and _absolute(experiment, method):
        message = (
            "this experiment reports absolute differences, which a percentage margin cannot bound: "
            "every guardrail will need a person to review it"
        )
        problems.append(PolicyProblem(("guardrails",), message, WARNING))
    return problems


def _absolute(experiment: Mapping[str, Any], method: str) -> bool:
    """``stats_config.<method>.difference_type: ABSOLUTE``, where PostHog reads it."""
    config = experiment.get("stats_config")
    own = config.get(method) if isinstance(config, Mapping) else None
    return isinstance(own, Mapping) and str(own.get("difference_type") or "").upper() == "ABSOLUTE"


def _names(policy: Policy, specs: Sequence[MetricSpec]) -> list[PolicyProblem]:
    by_name: dict[str, list[MetricSpec]] = {}
    for spec in specs:
        by_name.setdefault(spec.name.casefold(), []).append(spec)
    known = [spec.name for spec in specs]
    problems: list[PolicyProblem] = []
    named: list[tuple[Path, str]] = [(("primary", i), name) for i, name in enumerate(policy.primary or ())]
    named += [(("guardrails", i, "metric"), g.metric) for i, g in enumerate(policy.guardrails)]
    for path, name in named:
        found = by_name.get(name.casefold(), [])
        if not found:
            problems.append(PolicyProblem(path, _unknown(name, known)))
        elif len(found) > 1:
            roles = ", ".join(spec.role for spec in found)
            message = f"{len(found)} metrics are named {name!r} ({roles}): rename one so the policy names one metric"
            problems.append(PolicyProblem(path, message))
    primary = (
        {name.casefold() for name in policy.primary}
        if policy.primary is not None
        else {spec.name.casefold() for spec in specs if spec.role == "primary"}
    )
    if not primary:
        problems.append(
            PolicyProblem(("primary",), "the experiment has no primary metric: name the metrics to decide on")
        )
    for index, guardrail in enumerate(policy.guardrails):
        if guardrail.metric.casefold() in primary:
            source = "listed under primary" if policy.primary is not None else "a primary metric of the experiment"
            message = f"{guardrail.metric!r} is {source}: a metric is either decided on or guarded, not both"
            problems.append(PolicyProblem(("guardrails", index, "metric"), message))
    return problems


def _unknown(name: str, known: Sequence[str]) -> str:
    if not known:
        return f"the experiment has no metric named {name!r} (it has no metrics)"
    lowered = {k.casefold(): k for k in known}
    close = difflib.get_close_matches(name.casefold(), list(lowered), n=1, cutoff=0.6)
    hint = f"did you mean {lowered[close[0]]!r}?" if close else "its metrics: " + ", ".join(repr(k) for k in known)
    return f"the experiment has no metric named {name!r}: {hint}"


def _method(policy: Policy, method: str) -> list[PolicyProblem]:
    problems: list[PolicyProblem] = []
    if method != "frequentist" and policy.correction in (HOLM, BENJAMINI_HOCHBERG):
        message = (
            f"{policy.correction} adjusts p-values, and this experiment's results are {method}: the correction "
            "applies as a stricter chance-to-win threshold, 1 - (1 - chance_to_win) / m for m primary comparisons"
        )
        problems.append(PolicyProblem(("correction",), message, WARNING))
    if method == "frequentist" and policy.chance_to_win is not None:
        message = "chance_to_win applies to Bayesian results; this experiment is frequentist, so α decides instead"
        problems.append(PolicyProblem(("chance_to_win",), message, WARNING))
    return problems
