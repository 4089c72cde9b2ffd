"""The experiments endpoints, with PostHog's validations and messages (see shared/reference)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from expctl.standin import flags as flag_ops
from expctl.standin.resources import refresh_action_names, render_holdout
from expctl.standin.state import clone, default_variants, iso, parse_iso
from expctl.standin.wire import FakeResponse, HttpError, error, metric_definition, not_found, raw, validation

if TYPE_CHECKING:
    from expctl.standin.server import Ctx

KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
FLAG_PARAM_KEYS = (
    "feature_flag_variants",
    "rollout_percentage",
    "aggregation_group_type_index",
    "ensure_experience_continuity",
    "feature_flag_payloads",
)
SLIM_OMITTED = (
    "metrics",
    "metrics_secondary",
    "saved_metrics",
    "secondary_metrics",
    "filters",
    "stats_config",
    "scheduling_config",
    "exposure_criteria",
    "primary_metrics_ordered_uuids",
    "secondary_metrics_ordered_uuids",
    "holdout_id",
    "saved_metrics_ids",
    "only_count_matured_users",
)
ACTIONS = (
    "launch",
    "pause",
    "resume",
    "end",
    "ship_variant",
    "reset",
    "archive",
    "unarchive",
    "freeze_exposure",
    "unfreeze_exposure",
)
CONCLUSIONS = ("won", "lost", "inconclusive", "stopped_early", "invalid")
ORDER_FIELDS = ("created_at", "created_by", "updated_at", "name", "start_date", "end_date", "duration", "status")
LEGACY_METRIC_KINDS = ("ExperimentTrendsQuery", "ExperimentFunnelsQuery")
PATCHABLE = {
    "tags",
    "name",
    "description",
    "start_date",
    "end_date",
    "filters",
    "parameters",
    "running_time_calculation",
    "archived",
    "deleted",
    "secondary_metrics",
    "holdout_id",
    "exposure_criteria",
    "metrics",
    "metrics_secondary",
    "stats_config",
    "scheduling_config",
    "conclusion",
    "conclusion_comment",
    "primary_metrics_ordered_uuids",
    "secondary_metrics_ordered_uuids",
    "saved_metrics_ids",
    "only_count_matured_users",
}
# The older flavour is the late-2024 self-hosted release: ``ExperimentSerializer`` in
# ``ee/clickhouse/views/experiments.py`` (PostHog/posthog 000a805c58e3). Its Meta.fields
# are all it reads and writes; DRF drops every other key of a request without a word.
LATE_2024_FIELDS = (
    "id",
    "name",
    "description",
    "start_date",
    "end_date",
    "feature_flag_key",
    "feature_flag",
    "holdout",
    "holdout_id",
    "exposure_cohort",
    "parameters",
    "secondary_metrics",
    "saved_metrics",
    "filters",
    "archived",
    "created_by",
    "created_at",
    "updated_at",
    "type",
    "metrics",
    "metrics_secondary",
)
LATE_2024_WRITABLE = frozenset(
    {
        "name",
        "description",
        "start_date",
        "end_date",
        "feature_flag_key",
        "holdout_id",
        "parameters",
        "secondary_metrics",
        "saved_metrics_ids",
        "filters",
        "archived",
        "type",
        "metrics",
        "metrics_secondary",
    }
)
# ExperimentSerializer.update's expected_keys (holdout_id arrives as "holdout"); anything
# else the serializer knows is "Can't update keys: … on Experiment".
LATE_2024_UPDATABLE = frozenset(
    {
        "name",
        "description",
        "start_date",
        "end_date",
        "filters",
        "parameters",
        "archived",
        "secondary_metrics",
        "holdout_id",
        "metrics",
        "metrics_secondary",
        "saved_metrics_ids",
    }
)
READ_ONLY = {
    "id",
    "created_by",
    "created_at",
    "updated_at",
    "feature_flag",
    "exposure_cohort",
    "holdout",
    "saved_metrics",
    "status",
    "user_access_level",
    "is_legacy",
}


# -- helpers -----------------------------------------------------------------------------


def json_body(ctx: Ctx) -> dict[str, Any]:
    try:
        data = ctx.request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HttpError(error(400, f"JSON parse error - {exc}", type_="invalid_request", code="parse_error")) from None
    if not isinstance(data, dict):
        raise HttpError(
            error(
                400,
                f"Invalid data. Expected a dictionary, but got {type(data).__name__}.",
                code="invalid_input",
                attr="non_field_errors",
            )
        )
    return data


def experiment_of(ctx: Ctx, include_deleted: bool = False) -> dict[str, Any]:
    experiment = ctx.store.experiments.get(int(ctx.match["id"]))
    if (
        experiment is None
        or experiment["team_id"] != ctx.team.id
        or experiment.get("_hard_deleted")
        or (experiment.get("deleted") and not include_deleted)
    ):
        raise HttpError(not_found())
    return experiment


def _flag(ctx: Ctx, experiment: dict[str, Any]) -> dict[str, Any] | None:
    flag_id = experiment.get("feature_flag_id")
    return ctx.store.flags.get(flag_id) if flag_id else None


def _status(experiment: dict[str, Any], flag: dict[str, Any] | None) -> str:
    if not experiment.get("start_date"):
        return "draft"
    if experiment.get("end_date"):
        return "stopped"
    if flag is not None and not flag.get("active"):
        return "paused"
    groups = ((flag or {}).get("filters") or {}).get("groups") or []
    if groups and all(g.get("_exposure_frozen") for g in groups):
        return "exposure_frozen"
    return "running"


def is_legacy(experiment: dict[str, Any], saved_metrics: dict[int, dict[str, Any]] | None = None) -> bool:
    """``experiment_has_legacy_metrics`` (``products/experiments/backend/experiment_service.py``
    helpers): a metric of a legacy kind inline or among the linked shared metrics. Goals in
    ``filters`` do not count."""
    for metric in (experiment.get("metrics") or []) + (experiment.get("metrics_secondary") or []):
        if isinstance(metric, dict) and metric.get("kind") in LEGACY_METRIC_KINDS:
            return True
    for link in experiment.get("saved_metrics") or []:
        query = ((saved_metrics or {}).get(link.get("saved_metric")) or {}).get("query") or {}
        if query.get("kind") in LEGACY_METRIC_KINDS:
            return True
    return False


def _parameters_out(ctx: Ctx, experiment: dict[str, Any], flag: dict[str, Any] | None) -> Any:
    stored = experiment.get("parameters")
    if ctx.flavour == "legacy":
        return stored
    out = {k: v for k, v in (stored or {}).items() if k not in FLAG_PARAM_KEYS}
    if flag is None:
        return out or stored
    filters = flag.get("filters") or {}
    variants = (filters.get("multivariate") or {}).get("variants") or []
    out["feature_flag_variants"] = [
        {
            **{k: v for k, v in variant.items() if not k.startswith("_")},
            "split_percent": variant.get("rollout_percentage"),
        }
        for variant in variants
    ]
    groups = filters.get("groups") or []
    if groups:
        out["rollout_percentage"] = groups[0].get("rollout_percentage")
    out["ensure_experience_continuity"] = bool(flag.get("ensure_experience_continuity"))
    if filters.get("aggregation_group_type_index") is not None:
        out["aggregation_group_type_index"] = filters["aggregation_group_type_index"]
    if filters.get("payloads"):
        out["feature_flag_payloads"] = filters["payloads"]
    return out


# Responses are encoded to JSON at once, under the store lock, so serializing reads the
# stored objects directly instead of copying them.
def serialize(ctx: Ctx, experiment: dict[str, Any], *, slim: bool = False) -> dict[str, Any]:
    store = ctx.store
    flag = _flag(ctx, experiment)
    holdout = store.holdouts.get(experiment.get("holdout_id") or 0)
    creator = store.users.get(experiment.get("created_by") or 0)
    data: dict[str, Any] = {
        "id": experiment["id"],
        "name": experiment["name"],
        "description": experiment.get("description"),
        "start_date": iso(experiment.get("start_date")),
        "end_date": iso(experiment.get("end_date")),
        "feature_flag_key": flag["key"] if flag else experiment.get("_flag_key"),
        "feature_flag": flag_ops.minimal(flag) if flag else None,
        # ExperimentSerializer.holdout = ExperimentHoldoutSerializer(read_only=True)
        "holdout": render_holdout(ctx, holdout) if holdout else None,
        "holdout_id": experiment.get("holdout_id"),
        "exposure_cohort": experiment.get("exposure_cohort"),
        "parameters": _parameters_out(ctx, experiment, flag),
        "secondary_metrics": experiment.get("secondary_metrics") or [],
        "saved_metrics": [
            {
                "id": link["id"],
                "experiment": experiment["id"],
                "saved_metric": link["saved_metric"],
                "metadata": link.get("metadata"),
                "created_at": link["created_at"],
                "query": _saved_query(ctx, store.saved_metrics[link["saved_metric"]]["query"], experiment),
                "name": store.saved_metrics[link["saved_metric"]]["name"],
            }
            for link in experiment.get("saved_metrics") or []
            if link["saved_metric"] in store.saved_metrics
        ],
        "saved_metrics_ids": None,
        "filters": experiment.get("filters") or {},
        "archived": bool(experiment.get("archived")),
        "deleted": bool(experiment.get("deleted")),
        "created_by": creator.basic() if creator else None,
        "created_at": iso(experiment["created_at"]),
        "updated_at": iso(experiment["updated_at"]),
        "type": experiment.get("type"),
        "exposure_criteria": experiment.get("exposure_criteria"),
        "metrics": refresh_action_names(ctx, experiment.get("metrics") or []),
        "metrics_secondary": refresh_action_names(ctx, experiment.get("metrics_secondary") or []),
        "stats_config": experiment.get("stats_config"),
        "scheduling_config": experiment.get("scheduling_config"),
        "conclusion": experiment.get("conclusion"),
        "conclusion_comment": experiment.get("conclusion_comment"),
        "primary_metrics_ordered_uuids": experiment.get("primary_metrics_ordered_uuids"),
        "secondary_metrics_ordered_uuids": experiment.get("secondary_metrics_ordered_uuids"),
        "only_count_matured_users": bool(experiment.get("only_count_matured_users")),
        "user_access_level": "editor",
    }
    if ctx.flavour == "cloud":
        data["status"] = _status(experiment, flag)
        data["is_legacy"] = is_legacy(experiment, store.saved_metrics)
        data["running_time_calculation"] = experiment.get("running_time_calculation") or {}
        data["excluded_variants"] = experiment.get("excluded_variants")
        # tools.yaml (experiment-get): "resolved_exposure_event ... resolved server-side to
        # $feature_flag_called or $experiment_exposure"; exposure_query_logic gives the newer
        # event only to teams with the experiment-exposure-event flag (off here).
        data["resolved_exposure_event"] = (experiment.get("exposure_criteria") or {}).get(
            "exposure_event"
        ) or "$feature_flag_called"
        if not slim:
            from expctl.standin.queries import health_findings

            data["health"] = health_findings(ctx, experiment)
    else:
        data = {name: data[name] for name in LATE_2024_FIELDS}
    if ctx.flavour == "cloud":  # PR #74331: tags on detail and list responses
        data["tags"] = list(experiment.get("tags") or [])
    if ctx.flavour == "cloud" and ctx.server.versioned and not slim:
        # serializers.py (ecc44e34): ExperimentSerializer.version, "bumped on every update";
        # ExperimentBasicSerializer (list rows) has none. Null rows read as 0.
        data["version"] = int(experiment.get("version") or 0)
    if slim and ctx.flavour == "cloud":
        for name in SLIM_OMITTED:
            data.pop(name, None)
    return data


def metric_fingerprint(metric: dict[str, Any], experiment: dict[str, Any]) -> str:
    payload = {k: v for k, v in metric.items() if k not in ("fingerprint", "uuid", "name")}
    text = json.dumps(
        [payload, iso(experiment.get("start_date")), (experiment.get("stats_config") or {}).get("method")],
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _saved_query(ctx: Ctx, query: dict[str, Any], experiment: dict[str, Any]) -> dict[str, Any]:
    """A linked shared metric's query as the experiment shows it: action names refreshed,
    and on current Cloud a ``fingerprint`` added "so that frontend knows what timeseries
    records to query" (``ExperimentSerializer.to_representation``, 2025-2026; the late-2024
    serializer adds none)."""
    shown = refresh_action_names(ctx, query)
    if ctx.flavour == "cloud" and isinstance(shown, dict):
        shown["fingerprint"] = metric_fingerprint(shown, experiment)
    return dict(shown)


def _prepare_metrics(ctx: Ctx, experiment: dict[str, Any]) -> None:
    """Cloud assigns uuids and fingerprints and keeps the ordering arrays complete."""
    if ctx.flavour != "cloud":
        return
    seen: set[str] = set()
    for field, ordering in (
        ("metrics", "primary_metrics_ordered_uuids"),
        ("metrics_secondary", "secondary_metrics_ordered_uuids"),
    ):
        metrics = experiment.get(field) or []
        order = list(experiment.get(ordering) or [])
        for metric in metrics:
            if not isinstance(metric, dict):
                continue
            if not metric.get("uuid") or metric["uuid"] in seen:
                metric["uuid"] = str(uuid.uuid4())
            seen.add(metric["uuid"])
            metric["fingerprint"] = metric_fingerprint(metric, experiment)
            if metric["uuid"] not in order:
                order.append(metric["uuid"])
        current = {m.get("uuid") for m in metrics if isinstance(m, dict)}
        saved = {
            ctx.store.saved_metrics[link["saved_metric"]]["query"].get("uuid")
            for link in experiment.get("saved_metrics") or []
            if link["saved_metric"] in ctx.store.saved_metrics
            and (link.get("metadata") or {}).get("type", "primary")
            == ("primary" if field == "metrics" else "secondary")
        }
        experiment[ordering] = [u for u in order if u in current or u in saved] + [u for u in saved if u not in order]


def _metric_nodes(metric: dict[str, Any]) -> list[dict[str, Any]]:
    kind = metric.get("metric_type")
    if kind == "mean":
        return [metric.get("source") or {}]
    if kind == "funnel":
        return list(metric.get("series") or [])
    if kind == "ratio":
        return [metric.get("numerator") or {}, metric.get("denominator") or {}]
    if kind == "retention":
        return [metric.get("start_event") or {}, metric.get("completion_event") or {}]
    return []


def _validate_metrics(ctx: Ctx, metrics: Any, attr: str, allow_unknown_events: bool) -> None:
    if ctx.flavour != "cloud" or metrics is None:
        return
    if not isinstance(metrics, list):
        raise HttpError(validation("Metrics must be a list", attr=attr))
    seen: set[str] = set()
    for index, metric in enumerate(metrics):
        if not isinstance(metric, dict):
            raise HttpError(validation(f"Invalid metric at index {index}: must be a dict", attr=attr))
        kind = metric.get("kind")
        if kind in LEGACY_METRIC_KINDS:
            raise HttpError(
                validation(
                    f"Invalid metric at index {index}: legacy metric kind '{kind}' is no longer supported for new "
                    "experiments. Use 'ExperimentMetric' instead.",
                    attr=attr,
                )
            )
        if kind != "ExperimentMetric":
            raise HttpError(
                validation(f"Invalid metric at index {index}: metric kind must be 'ExperimentMetric'", attr=attr)
            )
        metric_type = metric.get("metric_type")
        if metric_type not in ("mean", "funnel", "ratio", "retention"):
            detail = [
                {
                    "loc": ["metric_type"],
                    "type": "literal_error",
                    "msg": "Input should be 'mean', 'funnel', 'ratio' or 'retention'",
                }
            ]
            raise HttpError(validation(f"Invalid metric at index {index}: {detail}.", attr=attr))
        if metric_type == "funnel" and not metric.get("series"):
            raise HttpError(
                validation(
                    f"Invalid metric at index {index}: funnel metrics require at least one step. "
                    "The experiment exposure event is added as the initial step automatically.",
                    attr=attr,
                )
            )
        if metric.get("uuid"):
            if metric["uuid"] in seen:
                raise HttpError(
                    validation(f"Duplicate metric UUID: '{metric['uuid']}'. Each metric must have a unique UUID.")
                )
            seen.add(metric["uuid"])
    if allow_unknown_events:
        return
    known = ctx.store.known_events(ctx.team.id)
    unknown: set[str] = set()
    for metric in metrics:
        for node in _metric_nodes(metric):
            event = node.get("event")
            if node.get("kind") == "EventsNode" and isinstance(event, str) and event.strip() and event not in known:
                unknown.add(event)
            if node.get("kind") == "ActionsNode":
                action = ctx.store.actions.get(int(node.get("id") or 0))
                if action is None or action.get("deleted") or action["team_id"] != ctx.team.id:
                    raise HttpError(
                        validation(
                            f"Action(s) with ID {node.get('id')} not found or deleted. "
                            "Each ActionsNode must reference an existing action belonging to this project."
                        )
                    )
    if unknown:
        names = ", ".join(f"'{n}'" for n in sorted(unknown))
        raise HttpError(
            validation(
                f"Event(s) {names} not found. No events with these names have been ingested by this project. "
                "If you meant a different event, please correct it. Only if the user has explicitly confirmed they "
                "want to proceed with the unknown event (e.g. they will instrument it shortly), call again with "
                "allow_unknown_events=True. Do not flip the flag silently to bypass this check."
            )
        )


def _validate_variants(ctx: Ctx, parameters: Any) -> None:
    if not parameters:
        return
    if not isinstance(parameters, dict):
        raise HttpError(
            validation('Expected a dictionary of items but got type "str".', attr="parameters", code="not_a_dict")
        )
    variants = parameters.get("feature_flag_variants", [])
    if not isinstance(variants, list):
        return
    for index, variant in enumerate(variants):
        if not isinstance(variant, dict):
            raise HttpError(validation(f"Feature flag variant at index {index} must be an object"))
        if "key" not in variant:
            raise HttpError(validation(f"Feature flag variant at index {index} must have a 'key' field"))
    if ctx.flavour == "legacy":
        if len(variants) >= 11:
            raise HttpError(validation("Feature flag variants must be less than 11"))
        if variants and "control" not in [v["key"] for v in variants]:
            raise HttpError(validation("Feature flag variants must contain a control variant"))
        return
    for variant in variants:
        if "split_percent" not in variant and "rollout_percentage" not in variant:
            raise HttpError(
                validation("Each variant must include split_percent (recommended) or rollout_percentage (deprecated).")
            )
    if len(variants) >= 21:
        raise HttpError(validation("Feature flag variants must be less than 21"))
    if variants:
        if len(variants) < 2:
            raise HttpError(
                validation("Feature flag must have at least 2 variants (control and at least one test variant)")
            )
        keys = [v["key"] for v in variants]
        if "control" not in keys:
            raise HttpError(
                validation(
                    "Feature flag variants must contain a variant with key 'control' (lowercase, exactly). "
                    f"Got keys: {keys}. Rename the baseline variant's 'key' to 'control'."
                )
            )


def _normalize_parameters(ctx: Ctx, parameters: Any) -> Any:
    """Cloud rewrites ``Control`` to ``control`` and ``split_percent`` to ``rollout_percentage``."""
    if ctx.flavour != "cloud" or not isinstance(parameters, dict):
        return parameters
    params = clone(parameters)
    variants = params.get("feature_flag_variants")
    if isinstance(variants, list):
        keys = {v.get("key") for v in variants if isinstance(v, dict)}
        if "control" not in keys:
            for variant in variants:
                if (
                    isinstance(variant, dict)
                    and isinstance(variant.get("key"), str)
                    and variant["key"].lower() == "control"
                ):
                    variant["key"] = "control"
                    break
        for variant in variants:
            if isinstance(variant, dict) and "split_percent" in variant:
                variant["rollout_percentage"] = variant.pop("split_percent")
    return params


def _validate_stats_config(stats_config: Any, variant_keys: list[str]) -> None:
    if not stats_config:
        return
    if not isinstance(stats_config, dict):
        raise HttpError(validation("stats_config must be an object", attr="stats_config"))
    method = stats_config.get("method")
    if method is not None and method not in ("bayesian", "frequentist"):
        raise HttpError(validation(f"Invalid stats method: '{method}'. Must be one of: bayesian, frequentist"))
    baseline = stats_config.get("baseline_variant_key")
    if baseline is not None and variant_keys and baseline not in variant_keys:
        raise HttpError(
            validation(f"Invalid baseline_variant_key: '{baseline}'. Must be one of: {', '.join(sorted(variant_keys))}")
        )


def _validate_exposure_criteria(ctx: Ctx, criteria: Any) -> None:
    if ctx.flavour != "cloud" or criteria is None:
        return
    if not isinstance(criteria, dict):
        raise HttpError(
            validation(
                f"exposure_criteria must be an object, got {type(criteria).__name__}. "
                "Expected shape: {'filterTestAccounts': <bool>, 'exposure_config': <object>}."
            )
        )
    if "filterTestAccounts" in criteria and not isinstance(criteria["filterTestAccounts"], bool):
        value = criteria["filterTestAccounts"]
        raise HttpError(
            validation(
                f"exposure_criteria.filterTestAccounts must be a boolean, got {type(value).__name__}: {value!r}."
            )
        )


def _saved_metric_links(ctx: Ctx, value: Any, attr: str = "saved_metrics_ids") -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise HttpError(validation("Saved metrics must be a list", attr=attr))
    links = []
    for item in value:
        if not isinstance(item, dict):
            raise HttpError(validation("Saved metric must be an object", attr=attr))
        if "id" not in item:
            raise HttpError(validation("Saved metric must have an id", attr=attr))
        if "metadata" in item and not isinstance(item["metadata"], dict):
            raise HttpError(validation("Metadata must be an object", attr=attr))
        if "metadata" in item and "type" not in item["metadata"]:
            raise HttpError(validation("Metadata must have a type key", attr=attr))
    # Both eras then count the distinct saved metrics found against the length of the list
    # (newest: ``ExperimentService.validate_saved_metrics_ids`` in
    # ``products/experiments/backend/experiment_service.py``, ``saved_metrics.count() !=
    # len(saved_metrics_ids)``; late 2024: ``ExperimentSerializer.validate_saved_metrics_ids``
    # in ``ee/clickhouse/views/experiments.py``, the same count), so an id that is missing,
    # another project's, or listed twice (one metric as primary and secondary) is refused.
    found = {
        item["id"]
        for item in value
        if isinstance(item["id"], int)
        and item["id"] in ctx.store.saved_metrics
        and ctx.store.saved_metrics[item["id"]]["team_id"] == ctx.team.id
    }
    if len(found) != len(value):
        message = (
            "Saved metric does not exist or does not belong to this project"
            if ctx.flavour == "cloud"
            else "Saved metric does not exist"
        )
        raise HttpError(validation(message, attr=attr))
    for item in value:
        links.append(
            {
                "id": ctx.store.new_id("saved_metric_link"),
                "saved_metric": item["id"],
                "metadata": clone(item.get("metadata") or {"type": "primary"}),
                "created_at": iso(ctx.store.now()),
            }
        )
    return links


def _parse_date(body: dict[str, Any], name: str) -> Any:
    if name not in body:
        return None
    try:
        return parse_iso(body[name])
    except (ValueError, TypeError):
        raise HttpError(
            validation(
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
                attr=name,
                code="invalid",
            )
        ) from None


def _holdout(ctx: Ctx, value: Any) -> int | None:
    if value is None:
        return None
    holdout = ctx.store.holdouts.get(value) if isinstance(value, int) else None
    if holdout is None or holdout["team_id"] != ctx.team.id:
        raise HttpError(
            validation(f'Invalid pk "{value}" - object does not exist.', attr="holdout_id", code="does_not_exist")
        )
    return int(value)


def _check_plain_fields(ctx: Ctx, body: dict[str, Any], *, creating: bool) -> None:
    if creating or "name" in body:
        if "name" not in body:
            raise HttpError(validation("This field is required.", attr="name", code="required"))
        if body["name"] is None:
            raise HttpError(validation("This field may not be null.", attr="name", code="null"))
        if not isinstance(body["name"], str) or not body["name"].strip():
            raise HttpError(validation("This field may not be blank.", attr="name", code="blank"))
        if len(body["name"]) > 400:
            raise HttpError(
                validation("Ensure this field has no more than 400 characters.", attr="name", code="max_length")
            )
    if creating and ("feature_flag_key" not in body or body["feature_flag_key"] in (None, "")):
        raise HttpError(validation("This field is required.", attr="feature_flag_key", code="required"))
    limit = 3000 if ctx.flavour == "cloud" else 400
    if isinstance(body.get("description"), str) and len(body["description"]) > limit:
        raise HttpError(
            validation(f"Ensure this field has no more than {limit} characters.", attr="description", code="max_length")
        )
    if "type" in body and body["type"] not in ("web", "product", None):
        raise HttpError(validation(f'"{body["type"]}" is not a valid choice.', attr="type", code="invalid_choice"))
    if "conclusion" in body and body["conclusion"] not in (*CONCLUSIONS, None):
        raise HttpError(
            validation(f'"{body["conclusion"]}" is not a valid choice.', attr="conclusion", code="invalid_choice")
        )


def _flag_filters(parameters: dict[str, Any], holdout_id: int | None, ctx: Ctx) -> dict[str, Any]:
    variants = parameters.get("feature_flag_variants") or default_variants()
    filters: dict[str, Any] = {
        "groups": [{"properties": [], "rollout_percentage": parameters.get("rollout_percentage", 100)}],
        "multivariate": {"variants": clone(variants)},
        "aggregation_group_type_index": parameters.get("aggregation_group_type_index"),
    }
    if parameters.get("feature_flag_payloads"):
        filters["payloads"] = clone(parameters["feature_flag_payloads"])
    if holdout_id:
        holdout = ctx.store.holdouts[holdout_id]
        filters["holdout"] = {"id": holdout_id, "exclusion_percentage": holdout["filters"][0]["rollout_percentage"]}
    return filters


# -- list / retrieve --------------------------------------------------------------------


def _page_params(ctx: Ctx) -> tuple[int, int]:
    try:
        limit = int(ctx.request.param("limit") or 100)
        if limit < 1:
            limit = 100
    except ValueError:
        limit = 100
    try:
        offset = max(0, int(ctx.request.param("offset") or 0))
    except ValueError:
        offset = 0
    return limit, offset


def paginate(ctx: Ctx, rows: list[dict[str, Any]], render: Callable[[dict[str, Any]], dict[str, Any]]) -> FakeResponse:
    limit, offset = _page_params(ctx)
    count = len(rows)
    page = rows[offset : offset + limit]
    base = f"{ctx.base_url()}{ctx.request.path}"
    other = {k: v[0] for k, v in ctx.request.query.items() if k not in ("limit", "offset")}

    def link(new_offset: int | None) -> str:
        params = dict(other)
        params["limit"] = str(limit)
        if new_offset:
            params["offset"] = str(new_offset)
        return f"{base}?{urlencode(params)}"

    next_link = link(offset + limit) if offset + limit < count else None
    previous = link(max(0, offset - limit)) if offset > 0 else None
    return FakeResponse.json(
        200, {"count": count, "next": next_link, "previous": previous, "results": [render(r) for r in page]}
    )


def list_experiments(ctx: Ctx) -> FakeResponse:
    q = ctx.request
    with ctx.store.lock:
        rows = [
            e
            for e in ctx.store.experiments.values()
            if e["team_id"] == ctx.team.id and not e.get("deleted") and not e.get("_hard_deleted")
        ]
        if ctx.flavour == "cloud":
            archived = (q.param("archived") or "").lower() == "true"
            rows = [e for e in rows if bool(e.get("archived")) == archived]
            status = (q.param("status") or "").lower()
            if status == "complete":
                status = "stopped"
            if status in ("draft", "running", "paused", "stopped", "exposure_frozen"):
                rows = [
                    e
                    for e in rows
                    if _status(e, _flag(ctx, e)) == status
                    or (status == "running" and _status(e, _flag(ctx, e)) == "exposure_frozen")
                ]
            from expctl.standin.tags import list_filter

            rows = list_filter(ctx, rows)
            search = q.param("search")
            if search:
                rows = [e for e in rows if search.lower() in e["name"].lower()]
            created_by = q.param("created_by_id")
            if created_by:
                rows = [e for e in rows if str(e.get("created_by")) in created_by.split(",")]
            flag_id = q.param("feature_flag_id")
            if flag_id is not None:
                if not flag_id.isdigit():
                    return validation("feature_flag_id must be an integer")
                rows = [e for e in rows if e.get("feature_flag_id") == int(flag_id)]
            order = q.param("order") or "-created_at"
            name = order.lstrip("-")
            if name not in ORDER_FIELDS:
                return validation(f"Invalid order field: '{order}'")
        else:
            order = "-created_at"
            name = "created_at"

        def sort_key(e: dict[str, Any]) -> Any:
            value = e.get(name) if name != "status" else _status(e, _flag(ctx, e))
            if name == "created_by":
                value = e.get("created_by") or 0
            return (value is None, value if value is not None else 0, e["id"])

        rows.sort(key=sort_key, reverse=order.startswith("-"))
        return paginate(ctx, rows, lambda e: serialize(ctx, e, slim=True))


def retrieve_experiment(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        return FakeResponse.json(200, serialize(ctx, experiment_of(ctx)))


# -- create ---------------------------------------------------------------------------------


def _check_metrics_against_schema(ctx: Ctx, body: dict[str, Any]) -> None:
    """Every metric written is checked against PostHog's ``ExperimentMetric`` definition
    (or its legacy kind's), which PostHog's ``ExperimentService`` validates it with."""
    for field in ("metrics", "metrics_secondary"):
        for index, metric in enumerate(body.get(field) or [] if isinstance(body.get(field), list) else []):
            definition = metric_definition(metric)
            if definition is not None:
                where = f"{ctx.request.method} {ctx.request.path} {field}[{index}]"
                ctx.server.check_schema(definition, metric, where)


def _as_late_2024_serializer_reads(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    """The older flavour keeps only the fields its serializer has (see LATE_2024_FIELDS)."""
    if ctx.flavour == "cloud":
        return body
    return {k: v for k, v in body.items() if k in LATE_2024_WRITABLE}


def create_experiment(ctx: Ctx) -> FakeResponse:
    body = _as_late_2024_serializer_reads(ctx, json_body(ctx))
    _check_metrics_against_schema(ctx, body)
    with ctx.store.lock:
        return FakeResponse.json(201, serialize(ctx, _create(ctx, body)))


def _create(ctx: Ctx, body: dict[str, Any], *, allow_unknown: bool | None = None) -> dict[str, Any]:
    cloud = ctx.flavour == "cloud"
    _check_plain_fields(ctx, body, creating=True)
    if not cloud and "parameters" not in body:
        raise HttpError(error(500, "A server error occurred.", type_="server_error", code="error"))
    start_date = _parse_date(body, "start_date")
    end_date = _parse_date(body, "end_date")
    if start_date and end_date and start_date >= end_date:
        raise HttpError(validation("End date must be after start date"))
    parameters = _normalize_parameters(ctx, body.get("parameters"))
    _validate_variants(ctx, parameters)
    holdout_id = _holdout(ctx, body.get("holdout_id"))
    links = _saved_metric_links(ctx, body.get("saved_metrics_ids"))
    unknown_ok = bool(body.get("allow_unknown_events")) if allow_unknown is None else allow_unknown
    _validate_metrics(ctx, body.get("metrics"), "metrics", unknown_ok)
    _validate_metrics(ctx, body.get("metrics_secondary"), "metrics_secondary", unknown_ok)
    _validate_exposure_criteria(ctx, body.get("exposure_criteria"))
    feature_flag_input = body.get("feature_flag")
    if cloud and feature_flag_input is not None:
        if not isinstance(feature_flag_input, dict) or set(feature_flag_input) - {
            "filters",
            "ensure_experience_continuity",
            "id",
        }:
            raise HttpError(validation("Unsupported key for the experiment feature_flag input.", attr="feature_flag"))
        if feature_flag_input.get("id") is not None:
            feature_flag_input = None
    key = str(body["feature_flag_key"])
    if not KEY_RE.match(key):
        raise HttpError(
            validation(
                "Only letters, numbers, hyphens (-) & underscores (_) are allowed.", attr="key", code="invalid_key"
            )
        )
    params = dict(parameters or {})
    existing = ctx.store.flag_by_key(ctx.team.id, key)
    if existing is not None:
        if not cloud:
            raise HttpError(validation("There is already a feature flag with this key.", attr="key", code="unique"))
        if feature_flag_input is not None or params.get("feature_flag_variants"):
            raise HttpError(
                validation(
                    f"A feature flag with key '{key}' already exists; the experiment links to it as-is, so its config "
                    "cannot be set here. Omit feature_flag to reuse the existing flag, or edit the flag directly.",
                    attr="feature_flag",
                )
            )
        variants = (existing["filters"].get("multivariate") or {}).get("variants") or []
        if len(variants) < 2:
            raise HttpError(
                validation("Feature flag must have at least 2 variants (control and at least one test variant)")
            )
        if "control" not in [v.get("key") for v in variants]:
            raise HttpError(validation("Feature flag must have a variant with key 'control'"))
        flag = existing
    else:
        if feature_flag_input is not None:
            fl = feature_flag_input.get("filters") or {}
            params["feature_flag_variants"] = (fl.get("multivariate") or {}).get("variants") or params.get(
                "feature_flag_variants"
            )
            groups = fl.get("groups") or []
            if groups:
                params["rollout_percentage"] = groups[0].get("rollout_percentage", 100)
            _validate_variants(ctx, params)
        filters = _flag_filters(params, holdout_id, ctx)
        problem = flag_ops.variants_valid(filters["multivariate"]["variants"])
        if problem:
            raise HttpError(validation(problem, attr="filters"))
        continuity = bool(params.get("ensure_experience_continuity") or False)
        flag = flag_ops.new_flag(
            ctx, key, f"Feature Flag for Experiment {body['name']}", filters, start_date is not None, continuity
        )
    variant_keys = [v.get("key") for v in (flag["filters"].get("multivariate") or {}).get("variants") or []]
    stats_config = clone(body.get("stats_config"))
    if cloud:
        _validate_stats_config(stats_config, variant_keys)
        stats_config = dict(stats_config or {})
        stats_config.setdefault("method", "bayesian")
    exposure_criteria = clone(body.get("exposure_criteria"))
    if cloud:
        exposure_criteria = dict(exposure_criteria or {})
        if exposure_criteria.get("filterTestAccounts") is None:
            exposure_criteria["filterTestAccounts"] = True
    stored_parameters: Any
    if cloud:
        stored_parameters = {k: v for k, v in params.items() if k not in FLAG_PARAM_KEYS}
    else:
        stored_parameters = clone(body.get("parameters"))
    moment = ctx.store.now()
    from expctl.standin.tags import tagify

    experiment = {
        "id": ctx.store.new_id("experiment"),
        "team_id": ctx.team.id,
        "tags": tagify(body.get("tags")) if cloud else [],
        "name": body["name"],
        "description": body.get("description", "" if cloud else None),
        "start_date": start_date,
        "end_date": end_date,
        "feature_flag_id": flag["id"],
        "holdout_id": holdout_id,
        "exposure_cohort": None,
        "parameters": stored_parameters,
        "secondary_metrics": clone(body.get("secondary_metrics") or []),
        "saved_metrics": links or [],
        "filters": clone(body.get("filters") or {}),
        "archived": bool(body.get("archived", False)),
        "deleted": False,
        "created_by": ctx.user.id,
        "created_at": moment,
        "updated_at": moment,
        "type": body.get("type", "product"),
        "exposure_criteria": exposure_criteria,
        "metrics": clone(body.get("metrics") or []),
        "metrics_secondary": clone(body.get("metrics_secondary") or []),
        "stats_config": stats_config,
        "scheduling_config": clone(body.get("scheduling_config")),
        "conclusion": body.get("conclusion"),
        "conclusion_comment": body.get("conclusion_comment"),
        "primary_metrics_ordered_uuids": clone(body.get("primary_metrics_ordered_uuids")),
        "secondary_metrics_ordered_uuids": clone(body.get("secondary_metrics_ordered_uuids")),
        "only_count_matured_users": bool(body.get("only_count_matured_users", False)),
        "running_time_calculation": clone(body.get("running_time_calculation") or {}),
    }
    _prepare_metrics(ctx, experiment)
    ctx.store.experiments[experiment["id"]] = experiment
    return experiment


# -- update ---------------------------------------------------------------------------------


def put_experiment(ctx: Ctx) -> FakeResponse:
    body = json_body(ctx)
    if "name" not in body or "feature_flag_key" not in body:
        attr = "name" if "name" not in body else "feature_flag_key"
        return validation("This field is required.", attr=attr, code="required")
    return patch_experiment(ctx)


def patch_experiment(ctx: Ctx) -> FakeResponse:
    body = _as_late_2024_serializer_reads(ctx, json_body(ctx))
    _check_metrics_against_schema(ctx, body)
    with ctx.store.lock:
        deleted_flag = body.get("deleted")
        include_deleted = ctx.flavour == "cloud" and deleted_flag is not None and not bool(deleted_flag)
        experiment = experiment_of(ctx, include_deleted=include_deleted)
        from expctl.standin.versioning import bump, resolve_concurrent_update

        before = serialize(ctx, experiment)
        resolve_concurrent_update(ctx, experiment, body, before)
        _update(ctx, experiment, body)
        bump(ctx, experiment)
        after = serialize(ctx, experiment)
        if ctx.flavour == "cloud":
            from expctl.standin.activity import record

            record(ctx, experiment, "updated", before, after)
        return FakeResponse.json(200, after)


def _update(ctx: Ctx, experiment: dict[str, Any], body: dict[str, Any]) -> None:
    cloud = ctx.flavour == "cloud"
    flag = _flag(ctx, experiment)
    _check_plain_fields(ctx, body, creating=False)
    update_flag_params = bool(body.pop("update_feature_flag_params", False))
    allow_unknown = bool(body.pop("allow_unknown_events", False))
    body.pop("_create_in_folder", None)
    for name in READ_ONLY:
        body.pop(name, None)
    if not cloud:
        body.pop("deleted", None)
    if "feature_flag_key" in body:
        if flag is None or body["feature_flag_key"] != flag["key"]:
            raise HttpError(validation("Can't update keys: get_feature_flag_key on Experiment"))
        body.pop("feature_flag_key")
    for unknown in set(body) - PATCHABLE - {"type"}:
        body.pop(unknown)  # DRF drops fields the serializer does not have
    draft = experiment.get("start_date") is None
    if cloud and experiment.get("deleted") and body.get("deleted") is False and flag and flag.get("deleted"):
        raise HttpError(
            validation(
                "Cannot restore experiment: the linked feature flag has been deleted. Restore the feature flag "
                "first, then restore the experiment."
            )
        )
    # ExperimentService's update validation: a legacy experiment takes only these fields.
    if cloud and is_legacy(experiment, ctx.store.saved_metrics):
        disallowed = set(body) - {"name", "description", "end_date", "deleted"}
        if disallowed:
            raise HttpError(
                validation(
                    "This experiment uses legacy metric formats and can only have its name, description, or end_date "
                    f"updated. Cannot update: {', '.join(sorted(disallowed))}"
                )
            )
    extra = set(body) - (PATCHABLE if cloud else LATE_2024_UPDATABLE)
    if extra:
        raise HttpError(validation(f"Can't update keys: {', '.join(sorted(extra))} on Experiment"))
    start = _parse_date(body, "start_date") if "start_date" in body else experiment.get("start_date")
    end = _parse_date(body, "end_date") if "end_date" in body else experiment.get("end_date")
    if "start_date" in body and "end_date" in body and start and end and start >= end:
        raise HttpError(validation("End date must be after start date"))
    if draft and "start_date" in body and start is not None and flag is not None and flag.get("deleted"):
        raise HttpError(validation("Experiment cannot be launched because its feature flag has been deleted."))
    parameters = _normalize_parameters(ctx, body.get("parameters")) if "parameters" in body else None
    if "parameters" in body:
        _validate_variants(ctx, parameters)
    if not draft and parameters and "feature_flag_variants" in parameters and flag is not None:
        current = (flag["filters"].get("multivariate") or {}).get("variants") or []
        new = parameters["feature_flag_variants"] or []
        if len(new) != len(current) or any(len([c for c in current if c.get("key") == v.get("key")]) != 1 for v in new):
            raise HttpError(validation("Can't update feature_flag_variants on Experiment"))
    if "holdout_id" in body:
        new_holdout = _holdout(ctx, body["holdout_id"])
        if not draft and new_holdout != experiment.get("holdout_id"):
            raise HttpError(validation("Can't update holdout on running Experiment"))
    if isinstance(body.get("filters"), dict) and body["filters"].get("properties"):
        raise HttpError(validation("Experiments do not support global filter properties"))
    if "metrics" in body:
        _validate_metrics(ctx, body["metrics"], "metrics", allow_unknown)
    if "metrics_secondary" in body:
        _validate_metrics(ctx, body["metrics_secondary"], "metrics_secondary", allow_unknown)
    _validate_exposure_criteria(ctx, body.get("exposure_criteria"))
    links = _saved_metric_links(ctx, body.get("saved_metrics_ids")) if "saved_metrics_ids" in body else None
    if cloud and ("stats_config" in body or (parameters or {}).get("feature_flag_variants") is not None):
        keys = [
            v.get("key")
            for v in (
                (parameters or {}).get("feature_flag_variants")
                or (flag or {}).get("filters", {}).get("multivariate", {}).get("variants")
                or []
            )
        ]
        _validate_stats_config(body.get("stats_config", experiment.get("stats_config")), keys)
    # Flag sync: drafts always, running experiments only with update_feature_flag_params.
    if flag is not None and (draft or update_flag_params):
        holdout_id = body.get("holdout_id", experiment.get("holdout_id"))
        if parameters:
            variants = parameters.get("feature_flag_variants") or default_variants()
            problem = flag_ops.variants_valid(variants)
            if problem:
                raise HttpError(validation(problem, attr="filters"))
            groups = list(flag["filters"].get("groups") or [])
            if parameters.get("rollout_percentage") is not None and groups:
                groups[0] = {**groups[0], "rollout_percentage": parameters["rollout_percentage"]}
            new_filters = {
                **flag["filters"],
                "groups": groups,
                "multivariate": {"variants": clone(variants)},
                "aggregation_group_type_index": parameters.get("aggregation_group_type_index"),
            }
            if holdout_id:
                new_filters["holdout"] = {
                    "id": holdout_id,
                    "exclusion_percentage": ctx.store.holdouts[holdout_id]["filters"][0]["rollout_percentage"],
                }
            else:
                new_filters.pop("holdout", None)
            flag["filters"] = new_filters
            flag["version"] = int(flag.get("version") or 0) + 1
            if "ensure_experience_continuity" in parameters:
                flag["ensure_experience_continuity"] = bool(parameters["ensure_experience_continuity"])
        elif "holdout_id" in body:
            if holdout_id:
                flag["filters"]["holdout"] = {
                    "id": holdout_id,
                    "exclusion_percentage": ctx.store.holdouts[holdout_id]["filters"][0]["rollout_percentage"],
                }
            else:
                flag["filters"].pop("holdout", None)
    if draft and "start_date" in body and start is not None and flag is not None:
        flag["active"] = True
    # Apply.
    for name in (
        "name",
        "description",
        "archived",
        "conclusion",
        "conclusion_comment",
        "secondary_metrics",
        "filters",
        "exposure_criteria",
        "metrics",
        "metrics_secondary",
        "stats_config",
        "scheduling_config",
        "primary_metrics_ordered_uuids",
        "secondary_metrics_ordered_uuids",
        "only_count_matured_users",
        "running_time_calculation",
        "type",
    ):
        if name in body:
            experiment[name] = clone(body[name])
    if cloud and "tags" in body:  # TaggedItemSerializerMixin: tags = ListField(required=False)
        from expctl.standin.tags import tagify

        experiment["tags"] = tagify(body["tags"])
    if "deleted" in body:
        experiment["deleted"] = bool(body["deleted"])
    if "holdout_id" in body:
        experiment["holdout_id"] = body["holdout_id"]
    if "start_date" in body:
        experiment["start_date"] = start
    if "end_date" in body:
        experiment["end_date"] = end
    if "parameters" in body:
        if cloud:
            experiment["parameters"] = {k: v for k, v in (parameters or {}).items() if k not in FLAG_PARAM_KEYS}
        else:
            experiment["parameters"] = clone(body["parameters"])
    if links is not None:
        experiment["saved_metrics"] = links
    _prepare_metrics(ctx, experiment)
    experiment["updated_at"] = ctx.store.now()


def hard_delete_experiment(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        experiment = experiment_of(ctx)
        experiment["_hard_deleted"] = True
        flag = _flag(ctx, experiment)
        if flag is not None:
            flag["deleted"] = True  # releases before Feb 2025 soft-deleted the flag too
        return FakeResponse.empty(204)


# -- lifecycle actions (current Cloud) ------------------------------------------------------


def action_handler(name: str) -> Callable[[Ctx], FakeResponse]:
    def handle(ctx: Ctx) -> FakeResponse:
        body = json_body(ctx)
        with ctx.store.lock:
            experiment = experiment_of(ctx)
            flag = _flag(ctx, experiment)
            before = serialize(ctx, experiment)
            stored_parameters = clone(experiment.get("parameters"))
            _run_action(ctx, name, experiment, flag, body)
            experiment["updated_at"] = ctx.store.now()
            if ctx.flavour == "cloud":
                from expctl.standin.activity import record

                after = serialize(ctx, experiment)
                if experiment.get("parameters") == stored_parameters:
                    # The split shown in parameters comes from the flag here; PostHog's ship_variant
                    # writes the flag through FeatureFlagSerializer (the flag's own log) and saves
                    # the experiment's end_date and conclusion only (experiment_service.ship_variant,
                    # read for issue 37), so the experiment's entry has no parameters change.
                    after["parameters"] = before.get("parameters")
                record(ctx, experiment, name, before, after)
            if name not in ("pause", "resume"):  # those save only the flag (inferred, see versioning.py)
                from expctl.standin.versioning import bump

                bump(ctx, experiment)
            return FakeResponse.json(200, serialize(ctx, experiment))

    return handle


def _run_action(
    ctx: Ctx, name: str, experiment: dict[str, Any], flag: dict[str, Any] | None, body: dict[str, Any]
) -> None:
    draft = experiment.get("start_date") is None
    stopped = experiment.get("end_date") is not None
    if name == "launch":
        if not draft:
            raise HttpError(validation("Experiment has already been launched."))
        if flag is None or flag.get("deleted"):
            raise HttpError(validation("Experiment cannot be launched because its feature flag has been deleted."))
        variants = (flag["filters"].get("multivariate") or {}).get("variants") or []
        if len(variants) < 2:
            raise HttpError(
                validation("Feature flag must have at least 2 variants (control and at least one test variant)")
            )
        if "control" not in [v.get("key") for v in variants]:
            raise HttpError(validation("Feature flag must have a variant with key 'control'"))
        experiment["start_date"] = ctx.store.now()
        flag["active"] = True
        _prepare_metrics(ctx, experiment)
    elif name in ("pause", "resume", "freeze_exposure", "unfreeze_exposure"):
        if draft:
            raise HttpError(validation("Experiment has not been launched yet."))
        if stopped:
            raise HttpError(validation("Experiment has already ended."))
        if flag is None:
            raise HttpError(validation("Experiment does not have a feature flag linked."))
        groups = flag["filters"].get("groups") or []
        if name == "pause":
            if not flag.get("active"):
                raise HttpError(validation("Experiment is already paused."))
            flag["active"] = False
        elif name == "resume":
            if flag.get("active"):
                raise HttpError(validation("Experiment is not paused."))
            flag["active"] = True
        elif name == "freeze_exposure":
            if groups and all(g.get("_exposure_frozen") for g in groups):
                raise HttpError(validation("Experiment exposure is already frozen."))
            for group in groups:
                group["_exposure_frozen"] = True
        else:
            if not (groups and all(g.get("_exposure_frozen") for g in groups)):
                raise HttpError(validation("Experiment exposure is not frozen."))
            for group in groups:
                group.pop("_exposure_frozen", None)
    elif name == "end":
        conclusion = body.get("conclusion")
        if conclusion is not None and conclusion not in CONCLUSIONS:
            raise HttpError(
                validation(f'"{conclusion}" is not a valid choice.', attr="conclusion", code="invalid_choice")
            )
        comment = body.get("conclusion_comment")
        if isinstance(comment, str) and len(comment) > 4000:
            raise HttpError(
                validation(
                    "Ensure this field has no more than 4000 characters.", attr="conclusion_comment", code="max_length"
                )
            )
        if draft:
            raise HttpError(validation("Experiment has not been launched yet."))
        if stopped:
            raise HttpError(validation("Experiment has already ended."))
        experiment["end_date"] = ctx.store.now()
        experiment["conclusion"] = conclusion
        experiment["conclusion_comment"] = comment
    elif name == "ship_variant":
        variant_key = body.get("variant_key")
        if not variant_key:
            raise HttpError(validation("This field is required.", attr="variant_key", code="required"))
        conclusion = body.get("conclusion")
        if conclusion is not None and conclusion not in CONCLUSIONS:
            raise HttpError(
                validation(f'"{conclusion}" is not a valid choice.', attr="conclusion", code="invalid_choice")
            )
        if draft:
            raise HttpError(validation("Experiment has not been launched yet."))
        if flag is None:
            raise HttpError(validation("Experiment does not have a linked feature flag."))
        variants = (flag["filters"].get("multivariate") or {}).get("variants") or []
        if not any(v.get("key") == variant_key for v in variants):
            raise HttpError(validation(f"Variant '{variant_key}' not found on feature flag."))
        groups = list(flag["filters"].get("groups") or [])
        if body.get("release_to_everyone"):
            groups = [
                {
                    "properties": [],
                    "rollout_percentage": 100,
                    "description": "Added automatically when the experiment was ended to keep only one variant.",
                },
                *groups,
            ]
        flag["filters"] = {
            "aggregation_group_type_index": flag["filters"].get("aggregation_group_type_index"),
            "payloads": flag["filters"].get("payloads", {}),
            "multivariate": {
                "variants": [
                    {
                        "key": v["key"],
                        "rollout_percentage": 100 if v["key"] == variant_key else 0,
                        **({"name": v["name"]} if v.get("name") else {}),
                    }
                    for v in variants
                ]
            },
            "groups": groups,
        }
        flag["version"] = int(flag.get("version") or 0) + 1
        if not stopped:
            experiment["end_date"] = ctx.store.now()
        if conclusion is not None:
            experiment["conclusion"] = conclusion
        if body.get("conclusion_comment") is not None:
            experiment["conclusion_comment"] = body["conclusion_comment"]
    elif name == "reset":
        if draft:
            raise HttpError(validation("Experiment is already in draft state."))
        for field in ("start_date", "end_date", "conclusion", "conclusion_comment"):
            experiment[field] = None
        experiment["archived"] = False
    elif name == "archive":
        if experiment.get("archived"):
            raise HttpError(validation("Experiment is already archived."))
        if not stopped:
            raise HttpError(validation("Experiment must be ended before it can be archived."))
        experiment["archived"] = True
        if body.get("disable_feature_flag") and flag is not None:
            flag["active"] = False
    elif name == "unarchive":
        if not experiment.get("archived"):
            raise HttpError(validation("Experiment is not archived."))
        experiment["archived"] = False


# -- duplicate / copy / cohort ---------------------------------------------------------------


def _clone_experiment(
    ctx: Ctx, source: dict[str, Any], target_ctx: Ctx, key: str | None, name: str | None
) -> dict[str, Any]:
    source_flag = _flag(ctx, source)
    key = key or (source_flag["key"] if source_flag else None)
    params = clone(source.get("parameters") or {})
    params["feature_flag_variants"] = clone(
        (source_flag or {}).get("filters", {}).get("multivariate", {}).get("variants") or default_variants()
    )
    same_flag = target_ctx.team.id == ctx.team.id and source_flag is not None and key == source_flag["key"]
    existing = ctx.store.flag_by_key(target_ctx.team.id, key or "")
    if same_flag or existing is not None:
        params.pop("feature_flag_variants", None)
    if not name:
        base = f"{source['name']} (Copy)"
        name = base
        counter = 1
        taken = {
            e["name"]
            for e in ctx.store.experiments.values()
            if e["team_id"] == target_ctx.team.id and not e.get("deleted")
        }
        while name in taken:
            name = f"{base} {counter}"
            counter += 1
    body = {
        "name": name,
        "feature_flag_key": key,
        "description": source.get("description") or "",
        "type": source.get("type") or "product",
        "parameters": params,
        "filters": clone(source.get("filters") or {}),
        "metrics": [
            {**{k: v for k, v in m.items() if k not in ("uuid", "fingerprint")}} for m in source.get("metrics") or []
        ],
        "metrics_secondary": [
            {**{k: v for k, v in m.items() if k not in ("uuid", "fingerprint")}}
            for m in source.get("metrics_secondary") or []
        ],
        "stats_config": clone(source.get("stats_config")),
        "scheduling_config": clone(source.get("scheduling_config")),
        "exposure_criteria": clone(source.get("exposure_criteria")),
        "only_count_matured_users": source.get("only_count_matured_users", False),
    }
    if target_ctx.team.id == ctx.team.id and source.get("saved_metrics"):
        body["saved_metrics_ids"] = [
            {"id": link["saved_metric"], "metadata": link.get("metadata")} for link in source["saved_metrics"]
        ]
    return _create(target_ctx, body, allow_unknown=True)


def duplicate(ctx: Ctx) -> FakeResponse:
    body = json_body(ctx)
    with ctx.store.lock:
        source = experiment_of(ctx)
        if is_legacy(source, ctx.store.saved_metrics):
            return raw(400, {"detail": "Duplication is not supported for experiments using legacy metrics."})
        created = _clone_experiment(ctx, source, ctx, body.get("feature_flag_key"), body.get("name"))
        return FakeResponse.json(201, serialize(ctx, created))


def copy_to_project(ctx: Ctx) -> FakeResponse:
    from expctl.standin.server import Ctx as CtxClass

    body = json_body(ctx)
    with ctx.store.lock:
        source = experiment_of(ctx)
        if is_legacy(source, ctx.store.saved_metrics):
            return raw(400, {"detail": "Copying is not supported for experiments using legacy metrics."})
        target_id = body.get("target_team_id")
        if target_id is None:
            return validation("This field is required.", attr="target_team_id", code="required")
        if not isinstance(target_id, int):
            return validation("A valid integer is required.", attr="target_team_id", code="invalid")
        target = ctx.store.teams.get(target_id)
        if target is None or target.organization_id != ctx.team.organization_id:
            return raw(404, {"detail": "Target team not found."})
        if ctx.key.team_ids is not None and target_id not in ctx.key.team_ids:
            return raw(403, {"detail": "You do not have write access to the target project."})
        target_ctx = CtxClass(ctx.server, ctx.request, ctx.match, ctx.key, ctx.user, target)
        created = _clone_experiment(ctx, source, target_ctx, body.get("feature_flag_key"), body.get("name"))
        return FakeResponse.json(201, serialize(target_ctx, created))


def exposure_cohort(ctx: Ctx) -> FakeResponse:
    with ctx.store.lock:
        experiment = experiment_of(ctx)
        flag = _flag(ctx, experiment)
        if flag is None:
            return validation("Experiment does not have a feature flag")
        if not experiment.get("start_date"):
            return validation("Experiment does not have a start date")
        if experiment.get("exposure_cohort"):
            return validation("Experiment already has an exposure cohort")
        cohort_id = ctx.store.new_id("cohort")
        cohort = {
            "id": cohort_id,
            "team_id": ctx.team.id,
            "name": f'Users exposed to experiment "{experiment["name"]}"',
            "description": "",
            "groups": [],
            "deleted": False,
            "filters": {
                "properties": {
                    "type": "OR",
                    "values": [
                        {
                            "type": "OR",
                            "values": [
                                {
                                    "type": "behavioral",
                                    "value": "performed_event",
                                    "key": "$feature_flag_called",
                                    "negation": False,
                                    "event_type": "events",
                                    "event_filters": [
                                        {
                                            "key": "$feature_flag",
                                            "value": [flag["key"]],
                                            "operator": "exact",
                                            "type": "event",
                                        }
                                    ],
                                    "explicit_datetime": experiment["start_date"].isoformat(),
                                }
                            ],
                        }
                    ],
                }
            },
            "query": None,
            "is_calculating": True,
            "created_by": ctx.user.basic(),
            "created_at": iso(ctx.store.now()),
            "last_calculation": None,
            "errors_calculating": 0,
            "count": None,
            "is_static": False,
        }
        ctx.store.cohorts[cohort_id] = cohort
        experiment["exposure_cohort"] = cohort_id
        return FakeResponse.json(201, {"cohort": cohort})


def get_cohort(ctx: Ctx) -> FakeResponse:
    cohort = ctx.store.cohorts.get(int(ctx.match["cohort_id"]))
    if cohort is None:
        return not_found()
    return FakeResponse.json(200, cohort)


def list_cohorts(ctx: Ctx) -> FakeResponse:
    """posthog/api/cohort.py CohortViewSet: the team's cohorts not deleted, paginated like
    every list (``LimitOffsetPagination``; scope ``cohort:read``). The pagination and the
    order (newest first) are assumed from the viewset's defaults, not read."""
    with ctx.store.lock:
        rows = [c for c in ctx.store.cohorts.values() if c.get("team_id") == ctx.team.id and not c.get("deleted")]
    return paginate(ctx, sorted(rows, key=lambda c: -int(c["id"])), dict)


def list_actions(ctx: Ctx) -> FakeResponse:
    """posthog/api/action.py ActionViewSet.list: the team's actions not deleted, all in one
    ``{"results": [...]}`` without pagination (scope ``action:read``). Read in a 2023-era
    file; that newer releases answer alike is assumed, not read."""
    with ctx.store.lock:
        rows = [a for a in ctx.store.actions.values() if a["team_id"] == ctx.team.id and not a.get("deleted")]
    return FakeResponse.json(200, {"results": sorted(rows, key=lambda a: a["id"])})


# -- helpers endpoints ------------------------------------------------------------------------


def requires_flag_implementation(ctx: Ctx) -> FakeResponse:
    names: set[str] = set()
    for param, kind in (("events", "events"), ("actions", "actions")):
        raw_value = ctx.request.param(param)
        if not raw_value:
            continue
        try:
            entries = json.loads(raw_value)
        except json.JSONDecodeError:
            return validation(f"Invalid JSON in {param}")
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            if kind == "events":
                names.add(str(entry.get("id")))
            else:
                action = ctx.store.actions.get(int(entry.get("id") or 0))
                if action:
                    names.update(step["event"] for step in action["steps"])
    events = [e for e in ctx.store.events.get(ctx.team.id, []) if e["event"] in names][:20]
    carries_flag = any(any(k.startswith("$feature/") for k in e["properties"]) for e in events)
    return FakeResponse.json(200, {"result": not carries_flag})


def eligible_feature_flags(ctx: Ctx) -> FakeResponse:
    """``eligible_feature_flags`` in ``products/experiments/backend/presentation/views.py``:
    flags not deleted, two or more variants with ``control`` first, search in key or name,
    ``active``, newest first; ``{"results", "count"}`` without next/previous."""
    try:
        limit = min(int(ctx.request.param("limit") or 20), 100)
        offset = max(int(ctx.request.param("offset") or 0), 0)
    except ValueError:
        return raw(400, {"error": "Invalid limit or offset"})
    search = (ctx.request.param("search") or "").lower()
    active = ctx.request.param("active")
    with ctx.store.lock:
        rows = []
        for flag in sorted(ctx.store.flags.values(), key=lambda f: f["created_at"], reverse=True):
            if flag["team_id"] != ctx.team.id or flag.get("deleted") or flag.get("_hard_deleted"):
                continue
            variants = (flag["filters"].get("multivariate") or {}).get("variants") or []
            if len(variants) < 2 or variants[0].get("key") != "control":
                continue
            if search and search not in flag["key"].lower() and search not in (flag["name"] or "").lower():
                continue
            if active in ("true", "false") and bool(flag.get("active")) != (active == "true"):
                continue
            rows.append(flag_ops.full(flag, ctx.store))
    return FakeResponse.json(200, {"results": rows[offset : offset + limit], "count": len(rows)})


def stats(ctx: Ctx) -> FakeResponse:
    """``stats`` in ``products/experiments/backend/presentation/views.py``: experiments
    neither deleted nor archived, counted by day in the team's time zone (UTC here)."""
    today = ctx.store.now().date()
    last_start, previous_start = today - timedelta(days=30), today - timedelta(days=60)
    with ctx.store.lock:
        rows = [e for e in ctx.server.live_experiments(ctx.team.id) if not e.get("archived")]

        def days(name: str) -> list[Any]:
            return [e[name].date() for e in rows if e.get(name) is not None]

        last = sum(1 for d in days("start_date") if last_start <= d <= today)
        previous = sum(1 for d in days("start_date") if previous_start <= d < last_start)
        active = sum(1 for e in rows if e.get("start_date") and not e.get("end_date"))
        completed = sum(1 for d in days("end_date") if last_start <= d <= today)
    change = round((last - previous) / previous * 100, 1) if previous else (100.0 if last else 0.0)
    return FakeResponse.json(
        200,
        {
            "launched_last_30d": last,
            "launched_previous_30d": previous,
            "percent_change": change,
            "active_experiments": active,
            "completed_last_30d": completed,
        },
    )


def detail_route_not_found(ctx: Ctx) -> FakeResponse:
    """A release without ``stats/`` or ``eligible_feature_flags/`` routes them to the detail
    route with that word as the primary key; DRF's ``get_object_or_404`` answers 404."""
    return not_found()


def seed_experiments(
    server: Any, count: int, *, team_id: int = 1, prefix: str = "seeded", running_every: int = 3
) -> None:
    """Fast bulk creation for tests and benchmarks (bypasses HTTP)."""
    store = server.store
    with store.lock:
        base = store.now() - timedelta(days=60)
        for index in range(count):
            key = f"{prefix}-{index:05d}"
            running = running_every and index % running_every == 0
            filters = {
                "groups": [{"properties": [], "rollout_percentage": 100}],
                "multivariate": {"variants": default_variants()},
                "aggregation_group_type_index": None,
            }
            flag_id = store.new_id("flag")
            store.flags[flag_id] = {
                "id": flag_id,
                "team_id": team_id,
                "key": key,
                "name": f"Feature Flag for Experiment {key}",
                "filters": filters,
                "active": bool(running),
                "deleted": False,
                "ensure_experience_continuity": False,
                "version": 1,
                "created_at": iso(base + timedelta(minutes=index)),
                "evaluation_runtime": "all",
            }
            moment = base + timedelta(minutes=index)
            experiment_id = store.new_id("experiment")
            store.experiments[experiment_id] = {
                "id": experiment_id,
                "team_id": team_id,
                "name": f"Seeded experiment {index:05d}",
                "description": "",
                "start_date": moment if running else None,
                "end_date": None,
                "feature_flag_id": flag_id,
                "holdout_id": None,
                "exposure_cohort": None,
                "parameters": {} if server.flavour == "cloud" else {"feature_flag_variants": default_variants()},
                "secondary_metrics": [],
                "saved_metrics": [],
                "filters": {},
                "archived": False,
                "deleted": False,
                "created_by": 1,
                "created_at": moment,
                "updated_at": moment,
                "type": "product",
                "exposure_criteria": {"filterTestAccounts": True},
                "metrics": [],
                "metrics_secondary": [],
                "stats_config": {"method": "bayesian"},
                "scheduling_config": None,
                "conclusion": None,
                "conclusion_comment": None,
                "primary_metrics_ordered_uuids": [],
                "secondary_metrics_ordered_uuids": [],
                "only_count_matured_users": False,
                "running_time_calculation": {},
            }
