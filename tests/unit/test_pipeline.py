"""The apply pipeline in core, over an in-memory backend: every kind planned, holdouts
and shared metrics made first, their ids put into the experiments' requests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from expctl.core.apply.backend import Backend
from expctl.core.apply.items import CREATE, ERROR
from expctl.core.apply.pipeline import apply_plan, counts, plan_specs
from expctl.core.specs.load import SpecSet, load_specs
from expctl.errors import ApiAuthError, ApiErrorInfo, RejectedError
from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC


class Memory:
    """Just enough of PostHog for a plan and its apply."""

    def __init__(self) -> None:
        self.experiments: list[dict[str, Any]] = []
        self.resources: dict[str, list[dict[str, Any]]] = {HOLDOUT: [], SHARED_METRIC: []}
        self.refuse_holdouts = False
        self.writes: list[str] = []
        self.scans = 0

    def list_experiments(self, *, archived: bool) -> Iterable[dict[str, Any]]:
        return [e for e in self.experiments if bool(e.get("archived")) == archived]

    def get(self, experiment_id: int) -> dict[str, Any]:
        return next(e for e in self.experiments if e["id"] == experiment_id)

    def existing_flags(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {}

    def create(self, body: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        self.writes.append(f"create experiment {body['feature_flag_key']}")
        made = {"id": 100 + len(self.experiments), **body}
        self.experiments.append(made)
        return made

    def update(self, experiment_id: int, body: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        raise AssertionError("nothing to update here")

    def move(self, verb: str, experiment: Mapping[str, Any]) -> dict[str, Any]:
        raise AssertionError("nothing to move here")

    def experiments_with_key(self, key: str) -> list[dict[str, Any]]:
        return [e for e in self.experiments if e.get("feature_flag_key") == key]

    def experiments_with_keys(self, keys: Any) -> dict[str, list[dict[str, Any]]]:
        self.scans += 1
        return {key: self.experiments_with_key(key) for key in keys}

    def delete(self, experiment_id: int) -> str:
        raise AssertionError("nothing to delete here")

    def list_resources(self, kind: str) -> list[dict[str, Any]]:
        return list(self.resources[kind])

    def create_resource(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        if kind == HOLDOUT and self.refuse_holdouts:
            raise RejectedError("PostHog refused the holdout")
        self.writes.append(f"create {kind} {body['name']}")
        made = {"id": 10 + len(self.resources[kind]), **body}
        self.resources[kind].append(made)
        return made

    def update_resource(self, kind: str, resource_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        raise AssertionError("nothing to update here")

    def delete_resource(self, kind: str, resource_id: int) -> None:
        self.writes.append(f"delete {kind} {resource_id}")
        self.resources[kind] = [r for r in self.resources[kind] if r["id"] != resource_id]


SPECS = """\
kind: Holdout
name: Global
filters:
- properties: []
  rollout_percentage: 10
---
name: Checkout
feature_flag_key: checkout
holdout: Global
"""


def _specs(tmp_path: Path, text: str = SPECS) -> Any:
    (tmp_path / "specs.yaml").write_text(text)
    loaded = load_specs([str(tmp_path / "specs.yaml")])
    assert loaded.problems == []
    return loaded


def test_a_holdout_made_first_and_its_id_sent_with_the_experiment(tmp_path: Path) -> None:
    memory = Memory()
    backend: Backend = memory
    plan = plan_specs(_specs(tmp_path), backend)
    assert [r.action for r in plan.resources] == [CREATE] and [i.action for i in plan.items] == [CREATE]
    applied = apply_plan(plan, backend)
    assert memory.writes == ["create Holdout Global", "create experiment checkout"]
    assert memory.experiments[0]["holdout_id"] == memory.resources[HOLDOUT][0]["id"]
    assert counts(plan, applied) == {"created": 2}


def test_an_experiment_whose_holdout_could_not_be_made_is_refused_not_sent(tmp_path: Path) -> None:
    memory = Memory()
    memory.refuse_holdouts = True
    plan = plan_specs(_specs(tmp_path), memory)
    applied = apply_plan(plan, memory)
    assert memory.writes == []
    assert plan.items[0].action == ERROR and "could not be made" in plan.items[0].errors[0]
    assert [o.key for o in applied.failures] == ["Holdout 'Global'"]


def test_ids_the_key_may_not_read_are_noted_not_fatal(tmp_path: Path) -> None:
    class NoHoldoutScope(Memory):
        def list_resources(self, kind: str) -> list[dict[str, Any]]:
            info = ApiErrorInfo(status=403, method="GET", path="/", detail="scope")
            raise ApiAuthError("the key lacks experiment_holdout:read", info=info)

    plan = plan_specs(_specs(tmp_path, "name: Checkout\nfeature_flag_key: checkout\nholdout: 7\n"), NoHoldoutScope())
    assert plan.notes == ["Holdout ids in the specs not checked: the key lacks experiment_holdout:read"]


class RacedBy(Memory):
    """Another apply makes the same holdout or shared metric between our plan and our create."""

    def __init__(self, kind: str, *, refused: bool) -> None:
        super().__init__()
        self.raced_kind, self.refused = kind, refused

    def create_resource(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        if kind == self.raced_kind and not any(r["name"] == body["name"] for r in self.resources[kind]):
            self.resources[kind].append({"id": 1, **body, "name": str(body["name"]).upper()})  # theirs, first
            if self.refused:  # PostHog refuses a second shared metric of a name
                raise RejectedError("A shared metric with this name already exists.")
        return super().create_resource(kind, body)


def test_a_holdout_another_apply_made_first_is_adopted_and_ours_removed(tmp_path: Path) -> None:
    memory = RacedBy(HOLDOUT, refused=False)
    plan = plan_specs(_specs(tmp_path), memory)
    applied = apply_plan(plan, memory)
    assert [r["id"] for r in memory.resources[HOLDOUT]] == [1], "one holdout: the oldest"
    assert memory.experiments[0]["holdout_id"] == 1
    assert counts(plan, applied) == {"found existing": 1, "created": 1}
    assert applied.failures == []


def test_a_shared_metric_refused_as_existing_is_adopted_not_failed(tmp_path: Path) -> None:
    memory = RacedBy(SHARED_METRIC, refused=True)
    text = "kind: SharedMetric\nname: Orders\nmetric: {mean: purchase}\n---\nname: C\nfeature_flag_key: c\nshared_metrics: [Orders]\n"
    plan = plan_specs(_specs(tmp_path, text), memory)
    applied = apply_plan(plan, memory)
    assert applied.failures == [], "the shared metric exists: the run did not fail"
    assert memory.experiments[0]["saved_metrics_ids"] == [{"id": 1, "metadata": {"type": "primary"}}]


class CreatedElsewhereFirst(Memory):
    """Another machine's apply creates the same experiment spec while ours runs (the
    apply lock is per machine): theirs lands first, with the lower id."""

    def create(self, body: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        if body["feature_flag_key"] == "checkout":
            self.experiments.append({"id": 7, **body, "created_at": "theirs"})
        return super().create(body, **kwargs)

    def delete(self, experiment_id: int) -> str:
        self.writes.append(f"delete experiment {experiment_id}")
        self.experiments = [e for e in self.experiments if e["id"] != experiment_id]
        return "soft"


def _experiment_specs(tmp_path: Path, keys: list[str]) -> SpecSet:
    for key in keys:
        (tmp_path / f"{key}.yaml").write_text(f"name: {key}\nfeature_flag_key: {key}\n", encoding="utf-8")
    return load_specs([str(tmp_path)])


def test_creating_many_specs_scans_the_lists_once_not_once_per_create(tmp_path: Path) -> None:
    """Issue 36: the never-twice check costs one scan a run, not a scan after every create."""
    memory = Memory()
    keys = [f"exp-{n}" for n in range(25)]
    applied = apply_plan(plan_specs(_experiment_specs(tmp_path, keys), memory), memory)
    assert applied.failures == []
    assert sorted(e["feature_flag_key"] for e in memory.experiments) == sorted(keys)
    assert memory.scans == 1


def test_a_spec_another_machine_created_first_is_adopted_and_ours_removed(tmp_path: Path) -> None:
    memory = CreatedElsewhereFirst()
    said: list[Any] = []
    plan = plan_specs(_experiment_specs(tmp_path, ["checkout", "pricing"]), memory)
    applied = apply_plan(plan, memory, on_outcome=said.append)
    assert sorted(e["feature_flag_key"] for e in memory.experiments) == ["checkout", "pricing"], "one each"
    assert [e["id"] for e in memory.experiments if e["feature_flag_key"] == "checkout"] == [7], "theirs kept"
    (checkout,) = [o for o in applied.execution.outcomes if o.key == "checkout"]
    assert checkout.found_existing and checkout.experiment is not None and checkout.experiment["id"] == 7
    assert "created" not in checkout.steps and checkout.corrected
    assert [o.key for o in said].count("checkout") == 2, "its line is said again, corrected"
    assert counts(plan, applied) == {"found existing": 1, "created": 1}
    assert memory.scans == 1
