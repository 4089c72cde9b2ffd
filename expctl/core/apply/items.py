"""The words every apply plan uses, whatever the kind it plans: what happens to an object,
one field's change, and the plan item itself (one type for experiments, holdouts and
shared metrics). Kept apart so the experiment planner and the holdout and shared metric
planner share them without importing each other."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
ERROR = "error"


@dataclass
class FieldChange:
    field: str
    before: Any
    after: Any


def field_changes(
    wanted: Mapping[str, Any],
    read: Callable[[str], Any],
    *,
    same: Callable[[str, Any, Any], bool],
    shown: Callable[[str, Any, Any], Any],
    skip: Callable[[str], bool] = lambda name: False,
) -> list[FieldChange]:
    """The one field-by-field comparison of every kind: each field the spec gives (in its
    order) against PostHog's value (``read``), equal as the kind judges it (``same``), the
    old value shown as the kind shows it (``shown(name, wanted, actual)``). Fields the spec
    leaves out are never compared, so nothing it does not name is ever changed."""
    changes = []
    for name, value in wanted.items():
        if skip(name):
            continue
        actual = read(name)
        if not same(name, value, actual):
            changes.append(FieldChange(name, shown(name, value, actual), value))
    return changes


class Planned(Protocol):
    """What a plan item needs of its spec, whichever kind it is."""

    @property
    def plan_key(self) -> str: ...

    @property
    def name(self) -> str: ...


S = TypeVar("S", bound=Planned)


@dataclass
class PlanItem(Generic[S]):
    """One object of the spec set and what applying it does: an experiment
    (``PlanItem[Spec]``), a holdout or a shared metric (``PlanItem[ResourceSpec]``)."""

    spec: S
    action: str
    current: dict[str, Any] | None = None  # PostHog's object as it is; None when it is to be created
    changes: list[FieldChange] = field(default_factory=list)
    patch: dict[str, Any] = field(default_factory=dict)
    create_body: dict[str, Any] | None = None
    moves: list[str] = field(default_factory=list)  # lifecycle moves: launch, pause, resume, end
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # spec fields this server does not have

    @property
    def key(self) -> str:
        """How the item is named in plans and outcomes: the flag key, or ``Holdout 'name'``."""
        return self.spec.plan_key

    @property
    def pending(self) -> bool:
        return self.action in (CREATE, UPDATE) or bool(self.moves)

    @property
    def request(self) -> dict[str, Any] | None:
        """What would be sent first: the create body, or the PATCH (None when neither)."""
        return self.create_body if self.action == CREATE else (self.patch or None)
