"""The promote job: one environment's live experiments, as specs, applied to another.

The source's experiments are read as `export` reads them and made into spec documents
(no YAML text in between), with each action and cohort id replaced by the target's of
the same name; then `apply`'s job plans and writes them against the target. ``diff
--against`` uses :func:`live_specs` alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from expctl.cli.jobs.apply import ApplyDeps, ApplyOptions, ApplyRun, run_apply
from expctl.cli.jobs.export import ExportSource, read_experiments

if TYPE_CHECKING:
    from expctl.api.actions import ActionsApi
    from expctl.core.specs.load import SpecSet

LIFECYCLE_FIELDS = ("state", "archived")


@dataclass
class LiveSource:
    """An environment read as specs: its experiments, and its actions and cohorts by name."""

    read: ExportSource
    actions: ActionsApi
    name: str  # how the plan says where the specs came from: "staging (live)"


@dataclass(frozen=True)
class PromoteOptions:
    refs: tuple[str, ...] = ()
    with_state: bool = False
    apply: ApplyOptions = field(default_factory=ApplyOptions)


def promote(source: LiveSource, target_actions: ActionsApi, options: PromoteOptions, deps: ApplyDeps) -> ApplyRun:
    """The source's experiments applied to the target whose backend ``deps`` holds."""

    def load() -> SpecSet:
        return live_specs(
            source,
            list(options.refs),
            with_state=options.with_state,
            parallel=options.apply.parallel,
            target_actions=target_actions,
        )

    return run_apply(load, options.apply, deps)


def live_specs(
    source: LiveSource,
    refs: list[str],
    *,
    with_state: bool,
    parallel: int,
    target_actions: ActionsApi | None = None,
) -> SpecSet:
    """The environment's experiments (those named, else every one not archived) as specs,
    checked as spec files are, with each action's id replaced by the target's (by name).
    Without ``with_state``, lifecycle is left out."""
    from expctl.core.specs.export import to_spec
    from expctl.core.specs.load import check_documents, live_documents

    fulls = read_experiments(source.read, refs, every=not refs, parallel=parallel)
    if not refs:
        fulls = [exp for exp in fulls if not exp.get("archived")]
    specs = []
    for experiment in fulls:
        spec = to_spec(experiment, by_id=False)
        for name in () if with_state else LIFECYCLE_FIELDS:
            spec.pop(name, None)
        specs.append(spec)
    if target_actions is not None:
        _actions_by_name(source.actions, target_actions, specs)
    return check_documents(live_documents(specs, source.name), 1 if specs else 0)


def _actions_by_name(source: ActionsApi, target: ActionsApi, specs: list[dict[str, Any]]) -> None:
    """Each action and cohort id of the source replaced by the target's of the same name;
    refused (exit 6) before anything is written when the target lacks one."""
    from expctl.core.specs.retarget import ACTION, COHORT, referenced_ids, retarget
    from expctl.errors import RejectedError

    problems: list[str] = []
    for kind in (ACTION, COHORT):
        if not any(referenced_ids(spec, kind) for spec in specs):
            continue
        names = {int(row["id"]): str(row.get("name")) for row in _listed(source, kind)()}
        ids: dict[str, list[int]] = {}
        for row in _listed(target, kind)():
            ids.setdefault(str(row.get("name")), []).append(int(row["id"]))
        problems += [p for spec in specs for p in retarget(spec, kind, names, ids, str(spec.get("feature_flag_key")))]
    if problems:
        raise RejectedError(
            "; ".join(problems) + "; nothing was written",
            hint="create it in the target project under the same name, or leave that experiment out",
        )


def _listed(api: ActionsApi, kind: str) -> Callable[[], list[dict[str, Any]]]:
    from expctl.core.specs.retarget import ACTION

    return api.all if kind == ACTION else api.cohorts
