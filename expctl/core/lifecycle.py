"""Experiment lifecycle rules: which moves PostHog allows from which status.

What the status *is* (``status_of``) is read in ``expctl.model.experiment``; this module
decides whether a move is legal and says what to do instead, in PostHog's words. Pure
logic: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.errors import IllegalTransitionError
from expctl.model.experiment import status_of

_NEXT_STEPS = {
    "draft": "launch it with `expctl launch {ref}`",
    "running": "pause it with `expctl pause {ref}` or end it with `expctl end {ref}`",
    "paused": "resume it with `expctl resume {ref}` or end it with `expctl end {ref}`",
    "exposure_frozen": "end it with `expctl end {ref}` or unfreeze it with `expctl unfreeze-exposure {ref}`",
    "stopped": (
        "ship a variant with `expctl ship {ref} --variant KEY`, archive it with `expctl archive {ref}`, "
        "or start over with `expctl reset {ref}`"
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
    if verb in ("archive", "unarchive"):
        step = "nothing to do"  # it is already where the command would put it
    elif archived:
        step = f"unarchive it first with `expctl unarchive {ref}`"
    else:
        step = _NEXT_STEPS.get(status, "").format(ref=ref)
    where = f"'{experiment.get('name', ref)}' is {('archived and ' if archived else '')}{status}"
    raise IllegalTransitionError(f"cannot {verb}: {problem.rstrip('.')} ({where})", hint=step or None)
