"""The experiment's activity log: ``GET experiments/{id}/activity/`` (current Cloud).

Read in a fork's copy of ``presentation/views.py`` (hanzoai/insights, PostHog's code
renamed; PostHog's own stored views.py predates the action): ``@action(methods=["GET"],
detail=True, required_scopes=["activity_log:read"]) def activity``, paginated by
``limit`` and ``page``, the experiment's entries (scope ``Experiment``) newest first, with
its holdout's and shared metrics' (not the feature flag's: rollout changes made on the
flag are not in this feed). The page is ``activity_page.py``'s ``{results, next,
previous, total_count}``; an entry is ``ActivityLogEntryApi`` in the generated schema:
``{id, user, activity, scope, item_id, detail: {id, changes: [{type, action, field,
before, after}], name, short_id, type}, created_at, is_system, was_impersonated, client}``.
``version`` is "excluded from activity-log diffs" (PR #71032). Guess (not read): the
default page size here (100) and that every PATCH and lifecycle save logs one entry.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from expctl.standin.state import clone, iso
from expctl.standin.wire import FakeResponse

if TYPE_CHECKING:
    from expctl.standin.server import Ctx

# Not the experiment's own fields (the flag has its own log) or recomputed by PostHog.
UNLOGGED = (
    "version", "updated_at", "status", "feature_flag", "health", "resolved_exposure_event", "user_access_level",
    "is_legacy", "can_freeze_exposure",
)  # fmt: skip


def _logged(name: str, value: Any) -> Any:
    if name in ("metrics", "metrics_secondary") and isinstance(value, list):
        return [{k: v for k, v in m.items() if k != "fingerprint"} if isinstance(m, dict) else m for m in value]
    return value


def record(ctx: Ctx, experiment: dict[str, Any], activity: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    """One entry for a save: each field that changed, before and after, as shown."""
    changes = [
        {"type": "Experiment", "action": "changed", "field": name, "before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if name not in UNLOGGED and _logged(name, before.get(name)) != _logged(name, after.get(name))
    ]
    if not changes and activity == "updated":
        return
    user = ctx.user.basic()
    entry = {
        "id": str(uuid.uuid4()),
        "user": {"first_name": user.get("first_name"), "email": user.get("email"), "uuid": user.get("uuid")},
        "activity": activity,
        "scope": "Experiment",
        "item_id": str(experiment["id"]),
        "detail": {"id": experiment["id"], "changes": clone(changes), "name": experiment.get("name"), "short_id": None,
                   "type": None},
        "created_at": iso(ctx.store.now()),
        "is_system": False,
        "was_impersonated": False,
        "client": None,
    }  # fmt: skip
    ctx.server.activity.setdefault(int(experiment["id"]), []).append(entry)


def list_activity(ctx: Ctx) -> FakeResponse:
    from expctl.standin.experiments import experiment_of

    with ctx.store.lock:
        experiment = experiment_of(ctx)
        entries = list(reversed(ctx.server.activity.get(int(experiment["id"]), [])))
    limit = max(1, min(int(ctx.request.param("limit") or 100), 1000))
    page = max(1, int(ctx.request.param("page") or 1))
    shown = entries[(page - 1) * limit : page * limit]
    base = f"{ctx.base_url}{ctx.request.path}?limit={limit}&page="
    return FakeResponse.json(
        200,
        {
            "results": shown,
            "next": base + str(page + 1) if page * limit < len(entries) else None,
            "previous": base + str(page - 1) if page > 1 else None,
            "total_count": len(entries),
        },
    )
