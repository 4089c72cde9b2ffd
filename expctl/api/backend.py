"""The API side of `apply`: what core.apply's Backend needs, on top of the experiments API."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from expctl.api.experiments import ExperimentsApi
from expctl.api.lifecycle import Lifecycle


class ApiBackend:
    """core.apply works on plain dicts; the API's typed experiments are handed over as such."""

    def __init__(self, experiments: ExperimentsApi) -> None:
        self.experiments = experiments
        self.lifecycle = Lifecycle(experiments)

    def list_experiments(self, *, archived: bool) -> Iterator[dict[str, Any]]:
        return self.experiments.rows(archived=archived)

    def get(self, experiment_id: int) -> dict[str, Any]:
        return dict(self.experiments.get(experiment_id))

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return dict(self.experiments.create(body))

    def update(self, experiment_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        return dict(self.experiments.update(experiment_id, body))

    def move(self, verb: str, experiment: Mapping[str, Any]) -> dict[str, Any]:
        ref = str(experiment.get("feature_flag_key") or experiment.get("id"))
        if verb == "launch":
            return dict(self.lifecycle.launch(experiment, ref))
        if verb == "pause":
            return dict(self.lifecycle.pause(experiment, ref))
        if verb == "resume":
            return dict(self.lifecycle.resume(experiment, ref))
        if verb == "end":
            return dict(self.lifecycle.end(experiment, ref, conclusion=None, comment=None))
        raise ValueError(f"unknown lifecycle move {verb!r}")

    def experiments_with_key(self, key: str) -> list[dict[str, Any]]:
        return self.experiments.find_by_flag_key(key)

    def delete(self, experiment_id: int) -> str:
        return self.experiments.delete(experiment_id)
