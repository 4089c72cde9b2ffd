"""The API side of `apply`: what core.backend's Backend needs, over the experiments,
holdouts and shared metrics APIs."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from expctl.api.experiments import ExperimentsApi
from expctl.api.lifecycle import Lifecycle
from expctl.api.resources import HOLDOUTS, SHARED_METRICS, ResourceApi
from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

# New flag keys searched one by one up to this many; more, and the flags are listed once.
SEARCH_AT_MOST = 16


class ApiBackend:
    """core.apply.execute works on plain dicts; the API's typed experiments are handed over as such."""

    def __init__(self, experiments: ExperimentsApi) -> None:
        self.experiments = experiments
        self.lifecycle = Lifecycle(experiments)
        self._resources = {
            kind: ResourceApi(experiments.client, resource)
            for kind, resource in zip((HOLDOUT, SHARED_METRIC), (HOLDOUTS, SHARED_METRICS), strict=True)
        }

    def list_experiments(self, *, archived: bool) -> Iterator[dict[str, Any]]:
        return self.experiments.rows(archived=archived)

    def get(self, experiment_id: int) -> dict[str, Any]:
        return dict(self.experiments.get(experiment_id))

    def create(self, body: Mapping[str, Any], *, notes: list[str] | None = None) -> dict[str, Any]:
        return dict(self.experiments.create(body, on_note=notes.append if notes is not None else None))

    def update(
        self,
        experiment_id: int,
        body: Mapping[str, Any],
        *,
        read: Mapping[str, Any] | None = None,
        notes: list[str] | None = None,
    ) -> dict[str, Any]:
        if read is None:
            return dict(self.experiments.update(experiment_id, body))
        return dict(self.experiments.update_planned(read, body, on_retry=notes.append if notes is not None else None))

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

    def experiments_with_keys(self, keys: Collection[str]) -> dict[str, list[dict[str, Any]]]:
        """Every experiment (archived or not) of each flag key, oldest first: one scan of
        both lists for all the keys, however many."""
        from expctl.api.flag_key_lookup import scan_both

        wanted = set(keys)
        found: dict[str, list[dict[str, Any]]] = {key: [] for key in wanted}
        rows = scan_both(
            lambda archived: self.experiments.rows(archived=archived), lambda r: r.get("feature_flag_key") in wanted
        )
        for row in sorted(rows, key=lambda r: int(r.get("id") or 0)):
            found[str(row.get("feature_flag_key"))].append(row)
        return found

    def existing_flags(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The live feature flags with these keys, where the key may read flags
        (``feature_flag:read``): the first asked alone (a refusal stops the rest, asked
        once a run), the others eight at a time, or, for more than a few, from one list
        of the project's flags."""
        if not keys:
            return {}
        first = self._existing_flag(keys[0])
        found = {keys[0]: first} if first is not None else {}
        if len(keys) > 1 and self.experiments.client.capabilities.get("flag_reads") is not False:
            if len(keys) > SEARCH_AT_MOST:
                return {**found, **self._listed_flags(set(keys[1:]))}
            with ThreadPoolExecutor(max_workers=8, thread_name_prefix="expctl-flags") as pool:
                for key, flag in zip(keys[1:], pool.map(self._existing_flag, keys[1:]), strict=True):
                    if flag is not None:
                        found[key] = flag
        return found

    def _listed_flags(self, keys: set[str]) -> dict[str, dict[str, Any]]:
        """Many keys: the project's flags listed once (a page per few hundred flags)
        instead of a search per key, which made creating N specs cost 2N requests."""
        from expctl.api.pagination import ALL_PAGE_SIZE, iter_list

        client = self.experiments.client
        rows = iter_list(client, client.project_path("feature_flags/"), {}, page_size=ALL_PAGE_SIZE)
        return {str(r["key"]): dict(r) for r in rows if isinstance(r, dict) and r.get("key") in keys}

    def _existing_flag(self, key: str) -> dict[str, Any] | None:
        from expctl.errors import ExpctlError

        client = self.experiments.client
        if client.capabilities.get("flag_reads") is False:
            return None
        try:
            data = client.get(client.project_path("feature_flags/"), {"search": key})
        except ExpctlError:
            client.capabilities["flag_reads"] = False
            return None
        rows = data.get("results") if isinstance(data, dict) else None
        return next((dict(r) for r in rows or [] if isinstance(r, dict) and r.get("key") == key), None)

    def delete(self, experiment_id: int) -> str:
        return self.experiments.delete(experiment_id)

    def list_resources(self, kind: str) -> list[dict[str, Any]]:
        return list(self._resources[kind].all())

    def create_resource(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return dict(self._resources[kind].create(body))

    def update_resource(self, kind: str, resource_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        return dict(self._resources[kind].update(resource_id, body))

    def delete_resource(self, kind: str, resource_id: int) -> None:
        self._resources[kind].delete(resource_id)
