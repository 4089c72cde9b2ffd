"""Feature flags: what experiments link to, and the pause/resume path of old releases."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from expctl.standin.state import clone, iso
from expctl.standin.wire import FakeResponse, HttpError, not_found, validation

if TYPE_CHECKING:
    from expctl.standin.server import Ctx


def new_flag(ctx: Ctx, key: str, name: str, filters: dict[str, Any], active: bool, continuity: bool) -> dict[str, Any]:
    store = ctx.store
    flag_id = store.new_id("flag")
    flag = {
        "id": flag_id,
        "team_id": ctx.team.id,
        "key": key,
        "name": name,
        "filters": filters,
        "active": active,
        "deleted": False,
        "ensure_experience_continuity": continuity,
        "version": 1,
        "created_at": iso(ctx.store.now()),
        "created_by": ctx.user.basic(),
        "evaluation_runtime": "all",
    }
    store.flags[flag_id] = flag
    return flag


def minimal(flag: dict[str, Any]) -> dict[str, Any]:
    """MinimalFeatureFlagSerializer: what an experiment shows of its flag."""
    fields = (
        "id",
        "team_id",
        "name",
        "key",
        "filters",
        "deleted",
        "active",
        "ensure_experience_continuity",
        "version",
        "evaluation_runtime",
    )
    out = {name: flag.get(name) for name in fields}
    out["has_encrypted_payloads"] = False
    return out


def full(flag: dict[str, Any], store: Any) -> dict[str, Any]:
    out = minimal(flag)
    out["created_at"] = flag.get("created_at")
    out["created_by"] = flag.get("created_by")
    out["experiment_set"] = [
        e["id"]
        for e in store.experiments.values()
        if e.get("feature_flag_id") == flag["id"] and not e.get("deleted") and not e.get("_hard_deleted")
    ]
    out["rollout_percentage"] = None
    return out


def variants_valid(variants: Any) -> str | None:
    """The flag serializer's check; returns PostHog's message or None."""
    if not isinstance(variants, list):
        return None
    total = 0.0
    for variant in variants:
        if not isinstance(variant, dict):
            return "Invalid variant definitions"
        value = variant.get("rollout_percentage")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return "Invalid variant definitions: Variant rollout percentages must sum to 100."
        total += value
    if variants and abs(total - 100) > 1e-9:
        return "Invalid variant definitions: Variant rollout percentages must sum to 100."
    return None


def _flag_or_404(ctx: Ctx) -> dict[str, Any]:
    flag = ctx.store.flags.get(int(ctx.match["flag_id"]))
    if flag is None or flag["team_id"] != ctx.team.id or flag.get("_hard_deleted"):
        raise HttpError(not_found())
    return flag


def list_flags(ctx: Ctx) -> FakeResponse:
    search = (ctx.request.param("search") or "").lower()
    with ctx.store.lock:
        rows = [
            full(f, ctx.store)
            for f in sorted(ctx.store.flags.values(), key=lambda f: -f["id"])
            if f["team_id"] == ctx.team.id
            and not f.get("deleted")
            and not f.get("_hard_deleted")
            and (search in f["key"].lower() or search in (f["name"] or "").lower())
        ]
    return FakeResponse.json(200, {"count": len(rows), "next": None, "previous": None, "results": rows})


def get_flag(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        return FakeResponse.json(200, full(_flag_or_404(ctx), ctx.store))


def patch_flag(ctx: Ctx) -> FakeResponse:
    try:
        body = ctx.request.json()
    except json.JSONDecodeError:
        return validation("JSON parse error")
    with ctx.store.lock:
        flag = _flag_or_404(ctx)
        if "active" in body:
            flag["active"] = bool(body["active"])
        if "filters" in body:
            filters = body["filters"]
            problem = variants_valid((filters.get("multivariate") or {}).get("variants"))
            if problem:
                return validation(problem, attr="filters")
            flag["filters"] = clone(filters)
        if "name" in body:
            flag["name"] = body["name"]
        if "deleted" in body:
            flag["deleted"] = bool(body["deleted"])
        flag["version"] = int(flag.get("version") or 0) + 1
        return FakeResponse.json(200, full(flag, ctx.store))
