"""Experiment lifecycle: status from what the server sent, and which moves are legal.

PostHog derives the lifecycle from dates: draft (no ``start_date``) -> running (no
``end_date``) -> stopped (both set); *paused* is running with the linked flag
inactive. Newer servers send ``status``; older ones do not, so it is computed here the
same way. Pure logic: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.errors import IllegalTransitionError

STATUSES = ("draft", "running", "paused", "exposure_frozen", "stopped")
LIST_STATUS_FILTERS = ("draft", "running", "paused", "exposure_frozen", "stopped", "complete", "all")


def status_of(experiment: Mapping[str, Any]) -> str:
    """The server's ``status`` when present, else the same rule computed from dates."""
    sent = experiment.get("status")
    if isinstance(sent, str) and sent:
        return sent
    if not experiment.get("start_date"):
        return "draft"
    if experiment.get("end_date"):
        return "stopped"
    flag = experiment.get("feature_flag")
    if isinstance(flag, Mapping) and flag.get("active") is False:
        return "paused"
    return "running"


def display_status(experiment: Mapping[str, Any]) -> str:
    """What the status column shows: ``archived`` wins over the lifecycle state."""
    return "archived" if experiment.get("archived") else status_of(experiment)


def matches_status_filter(experiment: Mapping[str, Any], wanted: str | None) -> bool:
    """Client-side check for servers that ignore the ``status`` list filter."""
    if wanted in (None, "", "all"):
        return True
    actual = status_of(experiment)
    if wanted == "complete":
        wanted = "stopped"
    if wanted == "running":
        return actual in ("running", "exposure_frozen")
    return actual == wanted


_NEXT_STEPS = {
    "draft": "launch it with `expctl launch {ref}`",
    "running": "pause it with `expctl pause {ref}` or end it with `expctl end {ref}`",
    "paused": "resume it with `expctl resume {ref}` or end it with `expctl end {ref}`",
    "exposure_frozen": "end it with `expctl end {ref}` or unfreeze it with `expctl unfreeze-exposure {ref}`",
    "stopped": (
        "ship a variant with `expctl ship {ref} --variant KEY`, archive it, or start over with `expctl reset {ref}`"
    ),
}


def check_move(verb: str, experiment: Mapping[str, Any], ref: str) -> None:
    """Raise :class:`IllegalTransitionError` when PostHog would refuse ``verb``.

    The messages follow PostHog's own wording, plus the legal next step.
    """
    status = status_of(experiment)
    archived = bool(experiment.get("archived"))
    problem: str | None = None
    if verb == "launch" and status != "draft":
        problem = "Experiment has already been launched."
    elif verb in ("pause", "resume", "end", "freeze-exposure", "unfreeze-exposure") and status == "draft":
        problem = "Experiment has not been launched yet."
    elif verb in ("pause", "resume", "end", "freeze-exposure", "unfreeze-exposure") and status == "stopped":
        problem = "Experiment has already ended."
    elif verb == "pause" and status == "paused":
        problem = "Experiment is already paused."
    elif verb == "resume" and status != "paused":
        problem = "Experiment is not paused."
    elif verb == "freeze-exposure" and status == "exposure_frozen":
        problem = "Experiment exposure is already frozen."
    elif verb == "unfreeze-exposure" and status != "exposure_frozen":
        problem = "Experiment exposure is not frozen."
    elif verb == "ship" and status == "draft":
        problem = "Experiment has not been launched yet."
    elif verb == "reset" and status == "draft":
        problem = "Experiment is already in draft state."
    elif verb == "archive" and archived:
        problem = "Experiment is already archived."
    elif verb == "unarchive" and not archived:
        problem = "Experiment is not archived."
    if problem is None:
        return
    step = _NEXT_STEPS.get(status, "").format(ref=ref)
    where = f"'{experiment.get('name', ref)}' is {('archived and ' if archived else '')}{status}"
    raise IllegalTransitionError(f"cannot {verb}: {problem} ({where})", hint=step or None)


def variant_keys(experiment: Mapping[str, Any]) -> list[str]:
    """Variant keys as the linked flag serves them (falling back to ``parameters``)."""
    return [str(v.get("key")) for v in variants_of(experiment) if isinstance(v, Mapping)]


def variants_of(experiment: Mapping[str, Any]) -> list[dict[str, Any]]:
    flag = experiment.get("feature_flag")
    if isinstance(flag, Mapping):
        filters = flag.get("filters")
        if isinstance(filters, Mapping):
            multivariate = filters.get("multivariate")
            if isinstance(multivariate, Mapping) and isinstance(multivariate.get("variants"), list):
                return [dict(v) for v in multivariate["variants"] if isinstance(v, Mapping)]
    parameters = experiment.get("parameters")
    if isinstance(parameters, Mapping) and isinstance(parameters.get("feature_flag_variants"), list):
        return [dict(v) for v in parameters["feature_flag_variants"] if isinstance(v, Mapping)]
    return []
