"""Experiment tags (current Cloud, PR #74331, merged July 2026).

"The list API accepts ``tags`` / ``excluded_tags`` filters, and the viewset adopts
``TaggedItemViewSetMixin`` for a ``bulk_update_tags`` endpoint (add / remove / set,
per-object editor ACL, PAT access via ``experiment:write``)"; "``ExperimentSerializer`` /
``ExperimentBasicSerializer`` expose ``tags`` on detail and list responses". From
``posthog/api/tagged_item.py``: ``POST …/bulk_update_tags/`` takes ``{ids (≤ 500 ints, not
empty), action: add|remove|set, tags (≤ 100, ≤ 255 characters each)}``, answers ``{updated:
[{id, tags (sorted)}], skipped: [{id, reason: "Not found or no edit access"}]}``, refuses
empty tags for add/remove ("tags must not be empty for action '…'."); tags are ``tagify``-ed
(trimmed, lowercased, blanks dropped). Guess (not read): the list filters' format; here a
JSON array or a comma-separated list, an experiment matching any of ``tags`` and none of
``excluded_tags``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from expctl.standin.wire import FakeResponse, validation

if TYPE_CHECKING:
    from expctl.standin.server import Ctx

MAX_IDS = 500
MAX_TAGS = 100


def tagify(tags: Any) -> list[str]:
    if not isinstance(tags, list):
        return []
    return sorted({str(t).strip().lower() for t in tags if str(t).strip()})


def list_filter(ctx: Ctx, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    wanted, excluded = _param(ctx, "tags"), _param(ctx, "excluded_tags")
    if wanted:
        rows = [e for e in rows if set(e.get("tags") or []) & wanted]
    if excluded:
        rows = [e for e in rows if not set(e.get("tags") or []) & excluded]
    return rows


def _param(ctx: Ctx, name: str) -> set[str]:
    raw = ctx.request.param(name)
    if not raw:
        return set()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw.split(",")
    return set(tagify(value if isinstance(value, list) else [value]))


def bulk_update_tags(ctx: Ctx) -> FakeResponse:
    body = ctx.request.json() if ctx.request.body else {}
    ids, action, tags = body.get("ids"), body.get("action"), body.get("tags")
    if not isinstance(ids, list) or not ids or len(ids) > MAX_IDS or not all(isinstance(i, int) for i in ids):
        return validation(f"Ensure this field has no more than {MAX_IDS} elements.", attr="ids")
    if action not in ("add", "remove", "set"):
        return validation(f'"{action}" is not a valid choice.', attr="action")
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        return validation(f"Ensure this field has no more than {MAX_TAGS} elements.", attr="tags")
    clean = tagify(tags)
    if not clean and action != "set":
        return validation(f"tags must not be empty for action '{action}'.", attr="tags")
    updated, skipped = [], []
    with ctx.store.lock:
        for experiment_id in ids:
            experiment = ctx.store.experiments.get(experiment_id)
            if experiment is None or experiment["team_id"] != ctx.team.id or experiment.get("deleted"):
                skipped.append({"id": experiment_id, "reason": "Not found or no edit access"})
                continue
            have = set(experiment.get("tags") or [])
            new = have | set(clean) if action == "add" else have - set(clean) if action == "remove" else set(clean)
            experiment["tags"] = sorted(new)
            updated.append({"id": experiment_id, "tags": experiment["tags"]})
    return FakeResponse.json(200, {"updated": updated, "skipped": skipped})
