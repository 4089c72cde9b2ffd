"""The fake server's data: organisation, projects, users, keys, flags, experiments."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

FULL_KEY = "phx_fakefullaccesskey0000000000000000000000000001"
READ_ONLY_KEY = "phx_fakereadonlykey000000000000000000000000000002"
PROJECT2_ONLY_KEY = "phx_fakeproject2onlykey00000000000000000000000003"
NO_QUERY_KEY = "phx_fakenoqueryscopekey0000000000000000000000004"
# A second organisation (project 3, "Production"), with its own user and key: the other
# side of `promote` and `diff --against`, as two PostHog organisations are.
ORG2_KEY = "phx_fakesecondorgkey000000000000000000000000000005"
ORG1 = "018f0000-0000-0000-0000-000000000001"
ORG2 = "018f0000-0000-0000-0000-000000000002"

KNOWN_EVENTS = ("$pageview", "$feature_flag_called", "purchase", "signup", "checkout_started", "add_to_cart")


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("not a string")
    text = value.strip().replace("Z", "+00:00")
    if len(text) == 10:
        text += "T00:00:00+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass
class ApiKey:
    value: str
    user_id: int
    scopes: list[str] | None  # None: a legacy key that may do anything
    team_ids: list[int] | None = None  # None: every project of the organisation

    def allows(self, scope: str) -> bool:
        if self.scopes is None or "*" in self.scopes:
            return True
        if scope in self.scopes:
            return True
        obj, _, action = scope.partition(":")
        return action == "read" and f"{obj}:write" in self.scopes


@dataclass
class User:
    id: int
    email: str
    first_name: str
    current_team_id: int
    organization_ids: tuple[str, ...] = (ORG1,)

    def basic(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uuid": str(uuid.UUID(int=self.id)),
            "distinct_id": f"user-{self.id}",
            "first_name": self.first_name,
            "last_name": "",
            "email": self.email,
            "is_email_verified": True,
            "hedgehog_config": None,
            "role_at_organization": "engineering",
        }


@dataclass
class Team:
    id: int
    name: str
    organization_id: str = ORG1
    # The experiments settings of the environment (``experiments_config/``); None: unset.
    default_minimum_detectable_effect: float | None = None
    # Other TeamExperimentsConfig fields a test sets (default_cuped_enabled, ...): served by
    # experiments_config/ and used where the results engine falls back to them.
    experiments_defaults: dict[str, Any] = field(default_factory=dict)


@dataclass
class Store:
    """Everything the server knows; guarded by one lock (the server is threaded).

    ``clock`` is the server's idea of now: every date the server writes or compares comes
    from it, so a test or the demo can pin it (``pinned_clock``) and show the same days on
    any day it runs."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    clock: Callable[[], datetime] = wall_clock
    teams: dict[int, Team] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    flags: dict[int, dict[str, Any]] = field(default_factory=dict)
    experiments: dict[int, dict[str, Any]] = field(default_factory=dict)
    cohorts: dict[int, dict[str, Any]] = field(default_factory=dict)
    holdouts: dict[int, dict[str, Any]] = field(default_factory=dict)
    saved_metrics: dict[int, dict[str, Any]] = field(default_factory=dict)
    actions: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    next_ids: dict[str, int] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def new_id(self, kind: str) -> int:
        with self.lock:
            value = self.next_ids.get(kind, 1)
            self.next_ids[kind] = value + 1
            return value

    def flag_by_key(self, team_id: int, key: str) -> dict[str, Any] | None:
        for flag in self.flags.values():
            if flag["team_id"] == team_id and flag["key"] == key and not flag.get("_hard_deleted"):
                return flag
        return None

    def known_events(self, team_id: int) -> set[str]:
        return set(KNOWN_EVENTS) | {e["event"] for e in self.events.get(team_id, [])}


def pinned_clock(moment: datetime) -> Callable[[], datetime]:
    """A clock that always says ``moment``: dates that do not move with the day of the run."""
    fixed = moment.astimezone(timezone.utc)
    return lambda: fixed


def seeded_store(clock: Callable[[], datetime] = wall_clock) -> Store:
    store = Store(clock=clock)
    store.teams[1] = Team(1, "Default project")
    store.teams[2] = Team(2, "Staging")
    store.teams[3] = Team(3, "Production", organization_id=ORG2)
    store.users[1] = User(1, "hedgehog@example.com", "Hedge", current_team_id=1)
    store.users[2] = User(2, "owl@example.com", "Owl", current_team_id=3, organization_ids=(ORG2,))
    store.keys[FULL_KEY] = ApiKey(FULL_KEY, 1, ["*"])
    store.keys[READ_ONLY_KEY] = ApiKey(
        READ_ONLY_KEY, 1, ["experiment:read", "feature_flag:read", "query:read", "project:read", "user:read"]
    )
    store.keys[PROJECT2_ONLY_KEY] = ApiKey(PROJECT2_ONLY_KEY, 1, ["*"], team_ids=[2])
    store.keys[NO_QUERY_KEY] = ApiKey(NO_QUERY_KEY, 1, ["experiment:write", "feature_flag:write"])
    store.keys[ORG2_KEY] = ApiKey(ORG2_KEY, 2, ["*"])
    store.next_ids["team"] = 4
    # Events for requires_flag_implementation: purchases carry flag info, signups do not.
    store.events[1] = [
        {"event": "purchase", "properties": {"$feature/checkout-redesign": "test", "revenue": 30}},
        {"event": "purchase", "properties": {"revenue": 12}},
        {"event": "signup", "properties": {"plan": "free"}},
    ]
    store.actions[1] = {"id": 1, "team_id": 1, "name": "Purchased", "steps": [{"event": "purchase"}], "deleted": False}
    # The production organisation's "Purchased" is another action, with another id.
    store.actions[2] = {"id": 2, "team_id": 3, "name": "Purchased", "steps": [{"event": "purchase"}], "deleted": False}
    store.next_ids["action"] = 3
    holdout_id = store.new_id("holdout")
    store.holdouts[holdout_id] = {
        "id": holdout_id,
        "team_id": 1,
        "name": "Global holdout",
        "description": "",
        "filters": [{"properties": [], "rollout_percentage": 10, "variant": f"holdout-{holdout_id}"}],
        "created_at": iso(store.now()),
        "updated_at": iso(store.now()),
    }
    metric_id = store.new_id("saved_metric")
    store.saved_metrics[metric_id] = {
        "id": metric_id,
        "team_id": 1,
        "name": "Revenue per user",
        "description": "",
        "query": {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "uuid": "5a7ed000-0000-4000-8000-000000000001",
            "name": "Revenue per user",
            "source": {"kind": "EventsNode", "event": "purchase", "math": "sum", "math_property": "revenue"},
        },
        "tags": [],
    }
    return store


def default_variants() -> list[dict[str, Any]]:
    return [
        {"key": "control", "name": "Control Group", "rollout_percentage": 50},
        {"key": "test", "name": "Test Variant", "rollout_percentage": 50},
    ]


def clone(value: Any) -> Any:
    return copy.deepcopy(value)
