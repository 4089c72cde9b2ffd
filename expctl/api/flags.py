"""Feature flags, for what older releases can only do through the flag itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.api.client import PostHogClient
from expctl.errors import ApiNotFoundError, NotFoundError
from expctl.model.experiment import variants_of


class FlagsApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client

    def path(self, flag_id: int) -> str:
        return self.client.project_path(f"feature_flags/{flag_id}/")

    def get(self, flag_id: int) -> dict[str, Any]:
        try:
            data = self.client.get(self.path(flag_id))
        except ApiNotFoundError:
            raise NotFoundError(f"feature flag {flag_id} not found in project {self.client.project}") from None
        return data if isinstance(data, dict) else {}

    def update(self, flag_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        try:
            data = self.client.patch(self.path(flag_id), dict(body))
        except ApiNotFoundError:
            raise NotFoundError(f"feature flag {flag_id} not found in project {self.client.project}") from None
        return data if isinstance(data, dict) else {}


def split_missed(experiment: Mapping[str, Any], wanted: list[Any]) -> int | None:
    """The flag id when the experiment's flag does not serve the wanted split yet."""
    flag = experiment.get("feature_flag")
    if not isinstance(flag, Mapping) or not isinstance(flag.get("id"), int):
        return None
    serving = {str(v.get("key")): v.get("rollout_percentage") for v in variants_of(experiment)}
    asked = {str(v.get("key")): v.get("rollout_percentage") for v in wanted if isinstance(v, Mapping)}
    same = serving.keys() == asked.keys() and all(float(serving[k] or 0) == float(asked[k] or 0) for k in asked)
    return None if same else int(flag["id"])


def set_split_on_flag(client: PostHogClient, flag_id: int, variants: list[Any]) -> None:
    """Set a launched experiment's split on its flag directly.

    Releases before mid-2025 have no ``update_feature_flag_params``: they sync the
    flag from ``parameters`` only while the experiment is a draft, and drop the rest
    without a word (``ExperimentSerializer.update`` in ``ee/clickhouse/views/
    experiments.py``, late 2024). Only the shares change; keys were checked before."""
    flags = FlagsApi(client)
    flag = flags.get(flag_id)
    filters = dict(flag.get("filters") or {})
    shares = {str(v.get("key")): v.get("rollout_percentage") for v in variants if isinstance(v, Mapping)}
    current = (filters.get("multivariate") or {}).get("variants") or []
    filters["multivariate"] = {
        **(filters.get("multivariate") or {}),
        "variants": [
            {**v, "rollout_percentage": shares.get(str(v.get("key")), v.get("rollout_percentage"))} for v in current
        ],
    }
    flags.update(flag_id, {"filters": filters})


def ship_filters(filters: Mapping[str, Any], variant_key: str, *, release_to_everyone: bool) -> dict[str, Any]:
    """The flag filters that serve one variant to everyone matching, as PostHog's ship does.

    Existing release conditions are kept; ``release_to_everyone`` puts a 100% condition
    first, which then wins over them.
    """
    groups = list(filters.get("groups") or [])
    if release_to_everyone:
        groups = [
            {
                "properties": [],
                "rollout_percentage": 100,
                "description": "Added automatically when the experiment was ended to keep only one variant.",
            },
            *groups,
        ]
    variants = (filters.get("multivariate") or {}).get("variants") or []
    return {
        "aggregation_group_type_index": filters.get("aggregation_group_type_index"),
        "payloads": filters.get("payloads", {}),
        "multivariate": {
            "variants": [
                {
                    "key": v.get("key"),
                    "rollout_percentage": 100 if v.get("key") == variant_key else 0,
                    **({"name": v["name"]} if v.get("name") else {}),
                }
                for v in variants
            ]
        },
        "groups": groups,
    }
