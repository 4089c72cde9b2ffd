"""What `apply` would do: create, update (field by field), move state, or leave alone.

The plan is computed from the specs and PostHog's current experiments only; nothing is
sent. Moves PostHog would refuse are caught here, with its rule in words: state moves
only forward (draft -> running -> paused <-> running -> stopped); variant keys and the
holdout cannot change once launched; ``type`` and the flag key cannot change at all.
A split change on a launched experiment is allowed (``update_feature_flag_params``) with
a warning, because it biases results already collected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from expctl.core.apply.items import CREATE, ERROR, UNCHANGED, UPDATE, FieldChange, PlanItem, field_changes
from expctl.core.apply.patch import add_to_patch, split_changes
from expctl.core.metrics.schema import LEGACY_METRIC_KINDS
from expctl.core.specs.fields import has_experiment_metric, not_computable_message, predates_experiment_metrics, suggest
from expctl.core.specs.kinds import ResourceSpec
from expctl.core.specs.load import Spec, normalize_variants
from expctl.core.specs.readback import SERVER_METRIC_KEYS, current, has_field, same, strip_server_keys
from expctl.core.specs.references import (
    Directory,
    holdout_change,
    saved_metrics_ids,
    shared_as_spec,
    shared_in_sync,
    shared_wanted,
)
from expctl.model.flag_links import planned_link_note
from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

# Lifecycle order; a move to a lower rank is backwards.
RANK = {"draft": 0, "running": 1, "paused": 1, "stopped": 2}
NOT_COMPARED = frozenset({"feature_flag_key", "state", "allow_unknown_events", "holdout", "shared_metrics"})
# ExperimentService's update rule for experiments with legacy metrics (name, description,
# end_date; the end date is the spec's state).
LEGACY_CHANGEABLE = frozenset({"name", "description"})
LEGACY_SECONDARY_WRITTEN = (
    "secondary_metrics is PostHog's legacy field (goals in `filters`, read only through the legacy results "
    "endpoints current PostHog removed); write new secondary metrics in metrics_secondary"
)
LEGACY_METRICS_REFUSED = (
    "metrics of the legacy kinds (ExperimentTrendsQuery, ExperimentFunnelsQuery) are no longer accepted by PostHog "
    "for new metrics; write them as kind: ExperimentMetric"
)


@dataclass
class Plan:
    items: list[PlanItem[Spec]]  # experiments
    resources: list[PlanItem[ResourceSpec]] = field(default_factory=list)  # holdouts and shared metrics, applied first
    notes: list[str] = field(default_factory=list)  # what the plan could not check, and why

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action) + sum(
            1 for resource in self.resources if resource.action == action
        )

    @property
    def moves(self) -> int:
        return sum(len(item.moves) for item in self.items)

    @property
    def pending(self) -> bool:
        return any(item.pending for item in self.items) or any(resource.pending for resource in self.resources)

    @property
    def has_errors(self) -> bool:
        return self.count(ERROR) > 0

    def unsupported(self) -> dict[str, list[str]]:
        """Spec field -> flag keys of the specs that set it, for fields this server lacks."""
        found: dict[str, list[str]] = {}
        for item in self.items:
            for name in item.unsupported:
                found.setdefault(name, []).append(item.key)
        return found


def moves_between(now: str, wanted: str) -> list[str] | None:
    """Lifecycle actions from ``now`` to ``wanted``; None when that would go backwards."""
    if now == wanted:
        return []
    if RANK[wanted] < RANK[now]:
        return None
    if now == "draft":
        return {"running": ["launch"], "paused": ["launch", "pause"], "stopped": ["launch", "end"]}[wanted]
    if now == "running":
        return {"paused": ["pause"], "stopped": ["end"]}[wanted]
    if now == "paused":
        return {"running": ["resume"], "stopped": ["end"]}[wanted]
    return None


def plan(
    specs: Sequence[Spec],
    experiments: Mapping[str, Mapping[str, Any]],
    shared: Mapping[str, Sequence[int]] | None = None,
    directory: Directory | None = None,
    *,
    flags: Mapping[str, Mapping[str, Any]] | None = None,
) -> Plan:
    """``experiments`` maps flag key -> the experiment PostHog has (full object where
    needed); ``shared`` holds the keys several live experiments use, which no spec can
    manage until only one of them is left; ``directory`` resolves the holdouts and shared
    metrics specs refer to by name."""
    directory = directory or Directory()
    older = any(predates_experiment_metrics(e) for e in experiments.values())
    items = []
    for spec in specs:
        ids = (shared or {}).get(spec.flag_key)
        found = experiments.get(spec.flag_key)
        if ids:
            items.append(_shared(spec, ids))
        else:
            item = _create(spec, directory) if found is None else _update(spec, dict(found), directory)
            existing = (flags or {}).get(spec.flag_key) if found is None else None
            if existing is not None:  # newest PostHog links it as it is; the late-2024 release refuses the key
                item.warnings.append(planned_link_note(spec.flag_key, existing, item.create_body or {}))
            uncomputable = [f for f in ("metrics", "metrics_secondary") if has_experiment_metric(spec.data.get(f))]
            writes_legacy = spec.data.get("secondary_metrics") and (
                item.action == CREATE or any(c.field == "secondary_metrics" for c in item.changes)
            )
            if writes_legacy:
                item.warnings.append(LEGACY_SECONDARY_WRITTEN)
            if older and uncomputable:
                item.warnings.append(not_computable_message(uncomputable))
            items.append(item)
    return Plan(items)


def _shared(spec: Spec, ids: Sequence[int]) -> PlanItem[Spec]:
    listed = ", ".join(str(i) for i in ids)
    return PlanItem(
        spec,
        ERROR,
        errors=[
            f"{len(ids)} experiments use the flag key {spec.flag_key!r} (ids {listed}), and a spec manages one; "
            f"archive the ones it should not manage, or give them their own flag key"
        ],
    )


def create_body(spec: Spec, directory: Directory | None = None) -> dict[str, Any]:
    data = spec.data
    body: dict[str, Any] = {"name": data["name"], "feature_flag_key": data["feature_flag_key"]}
    parameters = dict(data.get("parameters") or {})
    if "variants" in data:
        parameters["feature_flag_variants"] = data["variants"]
    elif isinstance(parameters.get("feature_flag_variants"), list):
        parameters["feature_flag_variants"] = normalize_variants(parameters["feature_flag_variants"])
    for name, value in data.items():
        if name not in ("variants", "parameters", "state", "feature_flag_key", "name", "holdout", "shared_metrics"):
            body[name] = value
    if data.get("holdout") is not None:
        body["holdout_id"] = (directory or Directory()).lookup(HOLDOUT, data["holdout"])
    if data.get("shared_metrics"):
        body["saved_metrics_ids"] = saved_metrics_ids(shared_wanted(data["shared_metrics"], directory or Directory()))
    body["parameters"] = parameters  # always sent: releases before mid-2025 answer 500 without it
    return body


def _create(spec: Spec, directory: Directory) -> PlanItem[Spec]:
    item = PlanItem(spec, CREATE, create_body=create_body(spec, directory))
    item.errors.extend(_unknown_references(spec, directory))
    if item.errors:
        item.action = ERROR
        return item
    if _has_legacy_metric(spec.data.get("metrics")) or _has_legacy_metric(spec.data.get("metrics_secondary")):
        item.action = ERROR
        item.errors.append(LEGACY_METRICS_REFUSED)
        return item
    wanted = spec.state or "draft"
    item.moves = moves_between("draft", wanted) or []
    if wanted == "stopped":
        item.warnings.append("launching and ending at once: the experiment will have no results")
    return item


def _update(spec: Spec, experiment: dict[str, Any], directory: Directory) -> PlanItem[Spec]:
    item = PlanItem(spec, UNCHANGED, current=experiment)
    item.errors.extend(_unknown_references(spec, directory))
    status = current("state", experiment)
    launched = status != "draft"
    # An older release without a field drops it from every write (DRF), so sending it
    # would change nothing: say so once instead of "pending" forever.
    item.unsupported = [n for n in spec.data if n not in NOT_COMPARED and not has_field(n, experiment)]
    item.changes = field_changes(
        spec.data,
        lambda name: current(name, experiment),
        same=same,
        shown=shown_before,
        skip=lambda name: name in NOT_COMPARED or name in item.unsupported,
    )
    _reference_changes(item, experiment, directory)
    _check_changes(item, experiment, launched)
    for change in item.changes:
        if change.field not in ("holdout", "shared_metrics"):  # _reference_changes put their ids in
            add_to_patch(item.patch, item.spec.data, change.field, change.after, experiment, launched)
    if spec.state is not None:
        moves = moves_between(status, spec.state)
        if moves is None:
            ref = spec.flag_key
            item.errors.append(
                f"cannot move from {status} back to {spec.state}: PostHog's lifecycle only moves forward; "
                f"run `expctl reset {ref}` first (it clears dates and conclusion) and apply again"
            )
        else:
            item.moves = moves
    if item.errors:
        item.action = ERROR
    elif item.changes:
        item.action = UPDATE
    if "update_feature_flag_params" in item.patch and split_changes(experiment, item.patch):
        item.warnings.append("changing the split of a launched experiment biases the results collected so far")
    if launched and any(c.field in ("metrics", "metrics_secondary", "shared_metrics") for c in item.changes):
        item.warnings.append(
            "metrics of a launched experiment change: PostHog computes new or edited ones over the whole run; "
            "a metric removed (or replaced, with a new uuid) leaves its daily results behind"
        )
    if experiment.get("archived") and item.moves and spec.data.get("archived") is not False:
        item.warnings.append("the experiment is archived; it stays archived while its state changes")
    return item


def shown_before(name: str, wanted: Any, actual: Any) -> Any:
    """The current value as the diff shows it: without the metric uuids and fingerprints
    PostHog adds (unless the spec sets them), which are not drift."""
    if name in ("metrics", "metrics_secondary") and isinstance(actual, list):
        keep = frozenset(k for m in wanted or [] if isinstance(m, Mapping) for k in SERVER_METRIC_KEYS if k in m)
        return [strip_server_keys(m, keep) for m in actual]
    return actual


def _check_changes(item: PlanItem[Spec], experiment: Mapping[str, Any], launched: bool) -> None:
    for change in item.changes:
        if change.field == "type":
            item.errors.append(
                f"type cannot change after creation (PostHog: Can't update keys: type on Experiment); "
                f"it is {change.before!r}, the spec says {change.after!r}"
            )
        if not launched:
            continue
        if change.field in ("variants", "parameters"):
            before = {str(v.get("key")) for v in current("variants", experiment)}
            after_list = (
                change.after if change.field == "variants" else (change.after or {}).get("feature_flag_variants")
            )
            if isinstance(after_list, list):
                after = {str(v.get("key")) for v in normalize_variants(after_list)}
                if after != before:
                    item.errors.append(
                        "variant keys cannot change once an experiment is launched (PostHog: Can't update "
                        f"feature_flag_variants on Experiment); it has {', '.join(sorted(before))}, the spec "
                        f"{', '.join(sorted(after))}"
                    )
        if change.field in ("holdout_id", "holdout"):
            item.errors.append(
                "the holdout cannot change once an experiment is launched "
                "(PostHog: Can't update holdout on running Experiment)"
            )
    if experiment.get("is_legacy") is True:
        blocked = [c.field for c in item.changes if c.field not in LEGACY_CHANGEABLE]
        if blocked:
            item.errors.append(
                "this experiment uses legacy metric formats, and PostHog lets only its name, description or end "
                f"date change (state: stopped ends it); the spec also changes {', '.join(blocked)}"
            )
    elif any(_has_legacy_metric(c.after) for c in item.changes if c.field in ("metrics", "metrics_secondary")):
        item.errors.append(LEGACY_METRICS_REFUSED)


def _has_legacy_metric(metrics: Any) -> bool:
    return any(isinstance(m, Mapping) and m.get("kind") in LEGACY_METRIC_KINDS for m in metrics or [])


def _unknown_references(spec: Spec, directory: Directory) -> list[str]:
    """Names (or ids) neither PostHog nor these specs have; two PostHog holdouts of one name."""
    problems = []
    holdout = spec.data.get("holdout")
    if holdout is not None and directory.lookup(HOLDOUT, holdout) is None:
        many = isinstance(holdout, str) and directory.count(HOLDOUT, holdout) > 1
        problems.append(
            f"{directory.count(HOLDOUT, str(holdout))} holdouts in PostHog are named {holdout!r}: refer to one by id"
            if many
            else f"PostHog has no holdout {holdout!r}{suggest(str(holdout), directory.known(HOLDOUT))}"
        )
    ids = [directory.lookup(SHARED_METRIC, r.get("name", r.get("id"))) for r in spec.data.get("shared_metrics") or []]
    resolved = [i for i in ids if i is not None]
    if len(set(resolved)) != len(resolved):  # one by name, once by id: found only now
        problems.append("one shared metric is listed twice; PostHog links a shared metric to an experiment once")
    for ref in spec.data.get("shared_metrics") or []:
        target = ref.get("name", ref.get("id"))
        if directory.lookup(SHARED_METRIC, target) is None:
            known = directory.known(SHARED_METRIC)
            problems.append(f"PostHog has no shared metric {target!r}{suggest(str(target), known)}")
    return problems


def _reference_changes(item: PlanItem[Spec], experiment: Mapping[str, Any], directory: Directory) -> None:
    """``holdout`` and ``shared_metrics``: compared by identity, sent as ids."""
    data = item.spec.data
    if "holdout" in data:
        changes, target, before = holdout_change(data["holdout"], experiment, directory)
        if changes:
            item.changes.append(FieldChange("holdout", before, data["holdout"]))
            item.patch["holdout_id"] = target
    if "shared_metrics" in data:
        wanted = shared_wanted(data["shared_metrics"], directory)
        if not shared_in_sync(wanted, experiment):
            after = [r["name"] if r["type"] == "primary" and "name" in r else r for r in data["shared_metrics"]]
            item.changes.append(FieldChange("shared_metrics", shared_as_spec(experiment), after))
            item.patch["saved_metrics_ids"] = saved_metrics_ids(wanted)
