"""An experiment as PostHog sends it: its lifecycle status and its variants.

PostHog derives the lifecycle from dates: draft (no ``start_date``) -> running (no
``end_date``) -> stopped (both set); *paused* is running with the linked flag inactive,
*exposure_frozen* running with every release group frozen. Newer servers send
``status``; older ones do not, so it is computed here the same way. Variants are read
from the linked feature flag, which is what users are served, falling back to
``parameters`` (older servers echo them there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict


class Variant(TypedDict, total=False):
    """One variant of the experiment's flag (``filters.multivariate.variants[]``)."""

    key: str
    name: str | None
    rollout_percentage: float | None
    split_percent: float | None


class FeatureFlag(TypedDict, total=False):
    """The linked flag as the experiment serializer shows it (``MinimalFeatureFlagSerializer``)."""

    id: int
    team_id: int
    key: str
    name: str
    filters: dict[str, Any]
    active: bool
    deleted: bool
    ensure_experience_continuity: bool | None


class Experiment(TypedDict, total=False):
    """An experiment as PostHog returns it. ``total=False``: older releases lack newer
    fields (late 2024: no ``status``, ``stats_config``, ``conclusion``, …) and list rows
    of current Cloud leave some out; PostHog adds fields often, and they are kept."""

    id: int
    name: str
    description: str | None
    start_date: str | None
    end_date: str | None
    feature_flag_key: str
    feature_flag: FeatureFlag | None
    holdout: dict[str, Any] | None
    holdout_id: int | None
    exposure_cohort: int | None
    parameters: dict[str, Any] | None
    filters: dict[str, Any]
    secondary_metrics: list[dict[str, Any]]
    saved_metrics: list[dict[str, Any]]
    metrics: list[dict[str, Any]]
    metrics_secondary: list[dict[str, Any]]
    primary_metrics_ordered_uuids: list[str] | None
    secondary_metrics_ordered_uuids: list[str] | None
    stats_config: dict[str, Any] | None
    exposure_criteria: dict[str, Any] | None
    scheduling_config: dict[str, Any] | None
    conclusion: str | None
    conclusion_comment: str | None
    archived: bool
    deleted: bool
    type: str | None
    status: str
    is_legacy: bool
    created_by: dict[str, Any] | None
    created_at: str
    updated_at: str


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


def split_flag_users(rows: Iterable[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The experiments on one flag that are still in play (draft, running, paused: a new
    experiment on the flag would fight them over exposure and make the key ambiguous) and
    the finished ones (stopped or archived: re-running a test on its flag is normal)."""
    in_play: list[Mapping[str, Any]] = []
    finished: list[Mapping[str, Any]] = []
    for row in rows:
        (finished if row.get("archived") or status_of(row) == "stopped" else in_play).append(row)
    return in_play, finished


def serves_only(experiment: Mapping[str, Any], variant: str) -> bool:
    """Whether the experiment's flag serves ``variant`` to everyone it releases to (100%
    of the split): what PostHog's ship action leaves behind."""
    flag = experiment.get("feature_flag")
    if not isinstance(flag, Mapping):
        return False
    variants = ((flag.get("filters") or {}).get("multivariate") or {}).get("variants") or []
    return any(
        isinstance(v, Mapping) and v.get("key") == variant and v.get("rollout_percentage") == 100 for v in variants
    )
