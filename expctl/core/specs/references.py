"""An experiment spec's ``holdout`` and ``shared_metrics``, compared and sent as PostHog's ids.

A spec names the holdout and shared metrics it uses; PostHog stores ``holdout_id`` and
takes ``saved_metrics_ids: [{"id", "metadata": {"type"}}]`` (the whole set, replaced on
PATCH). :class:`Directory` knows the ids of what PostHog has and which names the same
apply is about to create; a reference to one of those is a :class:`Ref` until its id is
known, and :func:`resolve` puts the ids in once the holdouts and shared metrics exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC


@dataclass(frozen=True)
class Ref:
    """The id of a holdout or shared metric this apply creates, known once it exists."""

    kind: str
    key: str  # the name, folded as the kind matches names
    label: str = field(default="", compare=False)  # the name as the spec spells it

    def __str__(self) -> str:
        return f"(id of the new {self.kind} {self.label or repr(self.key)})"


@dataclass
class Directory:
    """Names and ids of the holdouts and shared metrics on PostHog, and those to create."""

    ids: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    names: dict[tuple[str, int], str] = field(default_factory=dict)
    pending: set[tuple[str, str]] = field(default_factory=set)
    # Kinds not read from PostHog (no spec names one, so the key needs no scope for them):
    # an id given for such a kind is taken as it is, and PostHog checks it on write.
    unread: set[str] = field(default_factory=set)

    def add(self, kind: str, row: Mapping[str, Any]) -> None:
        name = str(row.get("name") or "")
        self.ids.setdefault((kind, fold(kind, name)), []).append(int(row["id"]))
        self.names[(kind, int(row["id"]))] = name

    def lookup(self, kind: str, ref: str | int) -> int | Ref | None:
        """The id for a name (or id) a spec gives; a Ref when it is created by this apply;
        None when nothing has it (the plan refuses the spec)."""
        if isinstance(ref, int):
            return ref if (kind, ref) in self.names or kind in self.unread else None
        key = fold(kind, ref)
        found = self.ids.get((kind, key)) or []
        if len(found) == 1:
            return found[0]
        if (kind, key) in self.pending and not found:
            return Ref(kind, key, repr(ref))
        return None

    def count(self, kind: str, ref: str) -> int:
        return len(self.ids.get((kind, fold(kind, ref))) or [])

    def known(self, kind: str) -> list[str]:
        """The names PostHog has of a kind, for suggesting one when a name is not found."""
        return [name for (of, _), name in self.names.items() if of == kind]


def fold(kind: str, name: str) -> str:
    return name.lower() if kind == SHARED_METRIC else name


def holdout_change(
    wanted: str | int | None, experiment: Mapping[str, Any], directory: Directory
) -> tuple[bool, int | Ref | None, Any]:
    """(whether it changes, the id to send (None: no holdout, or unknown), what it is now)."""
    holdout = experiment.get("holdout")
    current_id = holdout.get("id") if isinstance(holdout, Mapping) else experiment.get("holdout_id")
    current_name = holdout.get("name") if isinstance(holdout, Mapping) else None
    before = current_name if isinstance(wanted, str) and current_name else current_id
    if wanted is None:
        return current_id is not None, None, before
    target = directory.lookup(HOLDOUT, wanted)
    return target is None or target != current_id, target, before


def shared_wanted(refs: Sequence[Mapping[str, Any]], directory: Directory) -> list[tuple[int | Ref | None, str]]:
    return [(directory.lookup(SHARED_METRIC, r.get("name", r.get("id"))), str(r.get("type"))) for r in refs]


def shared_current(experiment: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """(id, name, role) of each shared metric linked to the experiment."""
    return [
        (int(link["saved_metric"]), str(link.get("name") or ""), _role(link))
        for link in experiment.get("saved_metrics") or []
        if isinstance(link, Mapping) and link.get("saved_metric") is not None
    ]


def _role(link: Mapping[str, Any]) -> str:
    return str((link.get("metadata") or {}).get("type", "primary"))


def shared_in_sync(wanted: list[tuple[int | Ref | None, str]], experiment: Mapping[str, Any]) -> bool:
    have = sorted((sid, role) for sid, _name, role in shared_current(experiment))
    if any(not isinstance(target, int) for target, _role in wanted):
        return False
    return sorted((int(target), role) for target, role in wanted if isinstance(target, int)) == have


def shared_as_spec(experiment: Mapping[str, Any]) -> list[Any]:
    """The experiment's shared metrics as a spec writes them (export, and the diff's "before")."""
    links = shared_current(experiment)
    return [name if role == "primary" else {"name": name, "type": role} for _sid, name, role in links]


def saved_metrics_ids(wanted: list[tuple[int | Ref | None, str]]) -> list[dict[str, Any]]:
    return [{"id": target, "metadata": {"type": role}} for target, role in wanted]


def _map_refs(body: Any, change: Callable[[Ref], Any]) -> Any:
    """``body`` (a request: dicts, lists, values) with each :class:`Ref` replaced by ``change(ref)``."""
    if isinstance(body, Ref):
        return change(body)
    if isinstance(body, dict):
        return {k: _map_refs(v, change) for k, v in body.items()}
    if isinstance(body, list):
        return [_map_refs(v, change) for v in body]
    return body


def resolve(body: Any, ids: Mapping[tuple[str, str], int]) -> Any:
    """``body`` with every :class:`Ref` replaced by the id now known."""
    return _map_refs(body, lambda ref: ids[(ref.kind, ref.key)])


def unresolved(body: Any, ids: Mapping[tuple[str, str], int]) -> list[Ref]:
    """The Refs in ``body`` whose object was not made."""
    missing: list[Ref] = []

    def note(ref: Ref) -> Ref:
        if (ref.kind, ref.key) not in ids:
            missing.append(ref)
        return ref

    _map_refs(body, note)
    return missing


def json_safe(body: Any) -> Any:
    """A request body for `-o json` plans: a Ref as its words."""
    return _map_refs(body, str)
