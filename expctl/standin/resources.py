"""Shared metrics (``experiment_saved_metrics``) and holdouts (``experiment_holdouts``).

Read in PostHog's source:

* ``ee/clickhouse/views/experiment_saved_metrics.py`` (current, 2026): the serializer's
  fields, ``validate_name`` (unique per project, case-insensitive: "A shared metric with
  this name already exists."), ``name``/``description`` max 400, list ordered by
  ``Lower("name")`` with ``?search=`` over name, description and tags, scope object
  ``experiment_saved_metric``.
* ``products/experiments/backend/experiment_saved_metric_service.py``: create validates
  the query (``parse_and_validate_metric`` with prefix "Invalid metric: "; "Query is
  required to create a saved metric"), and gives the query a new ``uuid``; update keeps
  the stored uuid ("Saved metric UUID cannot be changed"), refuses legacy saved metrics
  ("This saved metric uses a legacy query format and cannot be updated. …") and keys
  other than name, description, query ("Can't update keys: … on ExperimentSavedMetric").
* ``ee/clickhouse/views/experiment_holdouts.py`` (current, 2026): fields, ``validate_filters``
  ("Filters must not be empty.", "Rollout percentage must be present.", "Rollout
  percentage must be between 0 and 100."), ``variant`` set to ``holdout-{id}``, an update
  of filters rewrites the holdout on every linked experiment's flag, delete clears it
  there; ordering ``-created_at``; scope object ``experiment_holdout``.
* ``products/experiments/backend/models/experiment.py``: name/description CharField(400);
  ``Experiment.holdout`` is ``on_delete=SET_NULL``; ``ExperimentToSavedMetric`` cascades.

Older releases used the scope object ``experiment`` for both (``experiment_holdouts.py``
at 06e44dd4f3b5); the older flavour's routes are registered with it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from expctl.standin.state import clone, iso
from expctl.standin.wire import FakeResponse, HttpError, metric_definition, not_found, validation

if TYPE_CHECKING:
    from expctl.standin.server import Ctx

LEGACY_KINDS = ("ExperimentTrendsQuery", "ExperimentFunnelsQuery")
MAX_LENGTH = 400


def json_body(ctx: Ctx) -> dict[str, Any]:
    from expctl.standin.experiments import json_body as read_body

    return read_body(ctx)


def _paginate(ctx: Ctx, rows: list[dict[str, Any]], render: Any) -> FakeResponse:
    from expctl.standin.experiments import paginate

    return paginate(ctx, rows, render)


def _one(ctx: Ctx, table: dict[int, dict[str, Any]]) -> dict[str, Any]:
    row = table.get(int(ctx.match["rid"]))
    if row is None or row["team_id"] != ctx.team.id:
        raise HttpError(not_found())
    return row


def _check_name(ctx: Ctx, body: dict[str, Any], *, creating: bool) -> None:
    if creating and "name" not in body:
        raise HttpError(validation("This field is required.", attr="name", code="required"))
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name.strip():
            raise HttpError(validation("This field may not be blank.", attr="name", code="blank"))
        if len(name) > MAX_LENGTH:
            raise HttpError(
                validation(
                    f"Ensure this field has no more than {MAX_LENGTH} characters.", attr="name", code="max_length"
                )
            )
    description = body.get("description")
    if isinstance(description, str) and len(description) > MAX_LENGTH:
        raise HttpError(
            validation(
                f"Ensure this field has no more than {MAX_LENGTH} characters.", attr="description", code="max_length"
            )
        )


def refresh_action_names(ctx: Ctx, value: Any) -> Any:
    """``refresh_action_names_in_metric`` (``products/experiments/backend/metric_utils.py``):
    on every read, an ActionsNode's ``name`` becomes its action's current name (kept when
    the action is gone); the stored metric is not changed."""
    if isinstance(value, dict):
        out = {k: refresh_action_names(ctx, v) for k, v in value.items()}
        action = _action(ctx, value.get("id")) if value.get("kind") == "ActionsNode" else None
        if action is not None and action.get("team_id") == ctx.team.id and not action.get("deleted"):
            out["name"] = action["name"]
        return out
    if isinstance(value, list):
        return [refresh_action_names(ctx, v) for v in value]
    return value


def _new_row(ctx: Ctx, table: dict[int, dict[str, Any]], kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new row with the fields both models have (id, team, name, description, creator, dates)."""
    row_id = ctx.store.new_id(kind)
    stamp = iso(ctx.store.now())
    row = {
        "id": row_id,
        "team_id": ctx.team.id,
        "name": body["name"],
        "description": body.get("description"),
        "created_by": ctx.user.id,
        "created_at": stamp,
        "updated_at": stamp,
    }
    table[row_id] = row
    return row


# -- shared metrics ---------------------------------------------------------------------


def render_saved_metric(ctx: Ctx, row: dict[str, Any]) -> dict[str, Any]:
    creator = ctx.store.users.get(row.get("created_by") or 0)
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row.get("description"),
        "query": refresh_action_names(ctx, row["query"]),
        "created_by": creator.basic() if creator else None,
        "created_at": row.get("created_at"),
        "updated_at": row.get("updated_at"),
        "tags": list(row.get("tags") or []),
        "user_access_level": "editor",
    }


def list_saved_metrics(ctx: Ctx) -> FakeResponse:
    search = (ctx.request.query.get("search") or [""])[0].lower()
    with ctx.store.lock:
        rows = [m for m in ctx.store.saved_metrics.values() if m["team_id"] == ctx.team.id]
        if search:
            rows = [
                m
                for m in rows
                if search in m["name"].lower()
                or search in (m.get("description") or "").lower()
                or any(search in t.lower() for t in m.get("tags") or [])
            ]
        event = (ctx.request.query.get("event") or [""])[0]
        if event and ctx.flavour == "cloud":
            rows = [m for m in rows if event in _events_of(ctx, m.get("query") or {})]
        rows.sort(key=lambda m: m["name"].lower())
        return _paginate(ctx, rows, lambda row: render_saved_metric(ctx, row))


def _events_of(ctx: Ctx, query: Any) -> set[str]:
    """``?event=`` on newest Cloud (``ExperimentSavedMetricViewSet.safely_get_queryset``, list
    only, through ``filter_metric_group_ids_by_event``): events a metric's query references
    directly (EventsNode) or through an action's step events (ActionsNode, resolved live).
    Releases before it ignore the parameter, as DRF does any unknown one. Guess (not read):
    the walk covers every node of the query, legacy kinds included."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("kind") == "EventsNode" and isinstance(node.get("event"), str):
                found.add(node["event"])
            if node.get("kind") == "ActionsNode":
                action = _action(ctx, node.get("id"))
                found.update(step.get("event") for step in (action or {}).get("steps") or [] if step.get("event"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(query)
    return found


def get_saved_metric(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        return FakeResponse.json(200, render_saved_metric(ctx, _one(ctx, ctx.store.saved_metrics)))


def _check_unique_name(ctx: Ctx, name: str, own_id: int | None) -> None:
    for row in ctx.store.saved_metrics.values():
        if row["team_id"] == ctx.team.id and row["name"].lower() == name.lower() and row["id"] != own_id:
            raise HttpError(validation("A shared metric with this name already exists.", attr="name"))


def _check_query(ctx: Ctx, query: Any) -> None:
    """ExperimentSavedMetricService.validate_query → parse_and_validate_metric("Invalid metric: ")."""
    if not query:
        raise HttpError(validation("Query is required to create a saved metric"))
    if not isinstance(query, dict):
        raise HttpError(validation("Invalid metric: must be a dict"))
    kind = query.get("kind")
    if kind in LEGACY_KINDS:
        raise HttpError(
            validation(
                f"Invalid metric: legacy metric kind '{kind}' is no longer supported. Use 'ExperimentMetric' instead."
            )
        )
    if kind != "ExperimentMetric":
        raise HttpError(validation("Invalid metric: metric kind must be 'ExperimentMetric'"))
    definition = metric_definition(query)
    if definition is not None:
        ctx.server.check_schema(definition, query, f"{ctx.request.method} {ctx.request.path} query")


def create_saved_metric(ctx: Ctx) -> FakeResponse:
    body = json_body(ctx)
    _check_name(ctx, body, creating=True)
    if "query" not in body:
        raise HttpError(validation("This field is required.", attr="query", code="required"))
    with ctx.store.lock:
        _check_unique_name(ctx, body["name"], None)
        _check_query(ctx, body["query"])
        row = _new_row(ctx, ctx.store.saved_metrics, "saved_metric", body)
        # normalize_query_for_write: a new row always gets a fresh uuid.
        row["query"] = {**clone(body["query"]), "uuid": str(uuid.uuid4())}
        row["tags"] = list(body.get("tags") or [])
        return FakeResponse.json(201, render_saved_metric(ctx, row))


def update_saved_metric(ctx: Ctx) -> FakeResponse:
    body = json_body(ctx)
    _check_name(ctx, body, creating=False)
    with ctx.store.lock:
        row = _one(ctx, ctx.store.saved_metrics)
        if (row.get("query") or {}).get("kind") in LEGACY_KINDS:
            raise HttpError(
                validation(
                    "This saved metric uses a legacy query format and cannot be updated. "
                    "Please create a new saved metric with the ExperimentMetric format instead."
                )
            )
        writable = {k: v for k, v in body.items() if k in ("name", "description", "query", "tags")}
        if "name" in writable:
            _check_unique_name(ctx, writable["name"], row["id"])
        if "query" in writable:
            query = writable["query"]
            stored_uuid = row["query"].get("uuid")
            if isinstance(query, dict) and query.get("uuid") and stored_uuid and query["uuid"] != stored_uuid:
                raise HttpError(validation("Saved metric UUID cannot be changed"))
            unchanged = {k: v for k, v in (query or {}).items() if k != "uuid"} == {
                k: v for k, v in row["query"].items() if k != "uuid"
            }
            if not unchanged:
                _check_query(ctx, query)
            writable["query"] = {**clone(query), "uuid": stored_uuid or str(uuid.uuid4())}
        for key, value in writable.items():
            row[key] = list(value or []) if key == "tags" else value
        row["updated_at"] = iso(ctx.store.now())
        return FakeResponse.json(200, render_saved_metric(ctx, row))


def delete_saved_metric(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        row = _one(ctx, ctx.store.saved_metrics)
        del ctx.store.saved_metrics[row["id"]]
        for experiment in ctx.store.experiments.values():  # ExperimentToSavedMetric: CASCADE
            links = experiment.get("saved_metrics") or []
            experiment["saved_metrics"] = [link for link in links if link["saved_metric"] != row["id"]]
        return FakeResponse.empty(204)


# -- holdouts ---------------------------------------------------------------------------


def render_holdout(ctx: Ctx, row: dict[str, Any]) -> dict[str, Any]:
    """ExperimentHoldoutSerializer: newest Cloud adds ``user_access_level``
    (UserAccessControlSerializerMixin); the experiment's ``holdout`` is this same object."""
    creator = ctx.store.users.get(row.get("created_by") or 0)
    data = {
        "id": row["id"],
        "name": row["name"],
        "description": row.get("description"),
        "filters": clone(row["filters"]),
        "created_by": creator.basic() if creator else None,
        "created_at": row.get("created_at"),
        "updated_at": row.get("updated_at"),
    }
    if ctx.flavour == "cloud":
        data["user_access_level"] = "editor"
    return data


def list_holdouts(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        rows = [h for h in ctx.store.holdouts.values() if h["team_id"] == ctx.team.id]
        rows.sort(key=lambda h: (h.get("created_at") or "", h["id"]), reverse=True)
        return _paginate(ctx, rows, lambda row: render_holdout(ctx, row))


def get_holdout(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        return FakeResponse.json(200, render_holdout(ctx, _one(ctx, ctx.store.holdouts)))


def _check_filters(filters: Any) -> list[dict[str, Any]]:
    if not filters or not isinstance(filters, list):
        raise HttpError(validation("Filters must not be empty.", attr="filters"))
    for group in filters:
        share = group.get("rollout_percentage") if isinstance(group, dict) else None
        if share is None:
            raise HttpError(validation("Rollout percentage must be present.", attr="filters"))
        if not isinstance(share, (int, float)) or share < 0 or share > 100:
            raise HttpError(validation("Rollout percentage must be between 0 and 100.", attr="filters"))
    return filters


def _with_variant(row_id: int, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**clone(group), "variant": f"holdout-{row_id}"} for group in filters]


def create_holdout(ctx: Ctx) -> FakeResponse:
    body = json_body(ctx)
    _check_name(ctx, body, creating=True)
    filters = _check_filters(body.get("filters"))
    with ctx.store.lock:
        row = _new_row(ctx, ctx.store.holdouts, "holdout", body)
        row["filters"] = _with_variant(row["id"], filters)
        return FakeResponse.json(201, render_holdout(ctx, row))


def _flags_of(ctx: Ctx, holdout_id: int) -> list[dict[str, Any]]:
    flags = []
    for experiment in ctx.store.experiments.values():
        if experiment.get("holdout_id") == holdout_id and not experiment.get("_hard_deleted"):
            flag = ctx.store.flags.get(experiment.get("feature_flag_id") or 0)
            if flag is not None:
                flags.append(flag)
    return flags


def update_holdout(ctx: Ctx) -> FakeResponse:
    body = json_body(ctx)
    _check_name(ctx, body, creating=False)
    with ctx.store.lock:
        row = _one(ctx, ctx.store.holdouts)
        if "filters" in body:
            filters = _check_filters(body["filters"])
            if filters != row["filters"]:
                row["filters"] = _with_variant(row["id"], filters)
                for flag in _flags_of(ctx, row["id"]):  # set_holdout on each linked flag
                    exclusion = row["filters"][0]["rollout_percentage"]
                    flag["filters"]["holdout"] = {"id": row["id"], "exclusion_percentage": exclusion}
        for key in ("name", "description"):
            if key in body:
                row[key] = body[key]
        row["updated_at"] = iso(ctx.store.now())
        return FakeResponse.json(200, render_holdout(ctx, row))


def delete_holdout(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        row = _one(ctx, ctx.store.holdouts)
        for flag in _flags_of(ctx, row["id"]):
            flag["filters"]["holdout"] = None
        for experiment in ctx.store.experiments.values():  # Experiment.holdout: SET_NULL
            if experiment.get("holdout_id") == row["id"]:
                experiment["holdout_id"] = None
        del ctx.store.holdouts[row["id"]]
        return FakeResponse.empty(204)


def routes(project: str, cloud: tuple[str, ...], legacy: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """(method, pattern, handler, scope, flavours) for both resources, scoped per era."""
    table: list[tuple[Any, ...]] = []
    for resource, scope_object, handlers in (
        (
            "experiment_saved_metrics",
            "experiment_saved_metric",
            (list_saved_metrics, create_saved_metric, get_saved_metric, update_saved_metric, delete_saved_metric),
        ),
        (
            "experiment_holdouts",
            "experiment_holdout",
            (list_holdouts, create_holdout, get_holdout, update_holdout, delete_holdout),
        ),
    ):
        many = f"{project}/{resource}/"
        one = f"{project}/{resource}/(?P<rid>[0-9]+)/"
        listing, create, get, update, delete = handlers
        for flavours, obj in ((cloud, scope_object), (legacy, "experiment")):
            table += [
                ("GET", many, listing, f"{obj}:read", flavours),
                ("POST", many, create, f"{obj}:write", flavours),
                ("GET", one, get, f"{obj}:read", flavours),
                ("PATCH", one, update, f"{obj}:write", flavours),
                ("DELETE", one, delete, f"{obj}:write", flavours),
            ]
    return table


def _action(ctx: Ctx, action_id: Any) -> dict[str, Any] | None:
    """The stored action an ActionsNode names (its ``id`` an integer, as PostHog's schema has it)."""
    return ctx.store.actions.get(action_id) if isinstance(action_id, int) else None
