"""Experiment specs: the YAML format, and every check that can be made offline.

A spec is one YAML document::

    apiVersion: expctl/v1          # optional
    kind: Experiment               # optional
    name: Checkout redesign
    feature_flag_key: checkout-redesign   # identity
    variants: [{key: control, rollout_percentage: 50}, {key: test, rollout_percentage: 50}]
    metrics: []
    state: draft                   # draft | running | paused | stopped
    archived: false

plus any other writable experiment field under the API's own name. Only the fields a
spec contains are managed; everything it leaves out is never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from expctl.core.decision import Policy
from expctl.core.metrics.from_spec import read_metrics
from expctl.core.specs.decision_block import check_decision
from expctl.core.specs.fields import CONCLUSIONS, TYPES, json_type_of, non_finite_at, suggest
from expctl.core.specs.kinds import (
    ResourceSpec,
    check_references,
    check_resource,
    duplicate_problems,
    read_shared_refs,
)
from expctl.core.specs.variants import check_excluded_variants, check_variants
from expctl.core.specs.yaml_source import Document, PathKey, Position

if TYPE_CHECKING:
    from expctl.core.specs.sources import ReadFiles
from expctl.model.flagkeys import is_flag_key
from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

API_VERSION = "expctl/v1"
KIND = "Experiment"
KINDS = (KIND, SHARED_METRIC, HOLDOUT)
STATES = ("draft", "running", "paused", "stopped")

# Spec field -> expected JSON type(s). Names are the API's own.
SPEC_FIELDS: dict[str, tuple[str, ...]] = {
    "apiVersion": ("string",),
    "kind": ("string",),
    "name": ("string",),
    "feature_flag_key": ("string",),
    "description": ("string", "null"),
    "type": ("string",),
    "variants": ("array",),
    "metrics": ("array",),
    "metrics_secondary": ("array",),
    "saved_metrics_ids": ("array",),
    "shared_metrics": ("array",),
    "holdout": ("string", "integer", "null"),
    "secondary_metrics": ("array",),
    "filters": ("object",),
    "holdout_id": ("integer", "null"),
    "exposure_criteria": ("object", "null"),
    "stats_config": ("object", "null"),
    "statistics": ("object",),
    "tags": ("array",),
    "decision": ("object",),  # expctl's decision policy (core/specs/decision_block.py), never sent
    "scheduling_config": ("object", "null"),
    "parameters": ("object",),
    "running_time_calculation": ("object", "null"),
    "excluded_variants": ("array", "null"),
    "conclusion": ("string", "null"),
    "conclusion_comment": ("string", "null"),
    "only_count_matured_users": ("boolean",),
    "primary_metrics_ordered_uuids": ("array", "null"),
    "secondary_metrics_ordered_uuids": ("array", "null"),
    "allow_unknown_events": ("boolean",),
    "state": ("string",),
    "archived": ("boolean",),
}
# Fields PostHog computes or that lifecycle `state` manages; each with what to do instead.
REFUSED_FIELDS = {
    "start_date": "the start date is set by launching: use state: running",
    "end_date": "the end date is set by ending: use state: stopped",
    "deleted": "delete experiments with `expctl delete`",
    "id": "ids are assigned by PostHog; feature_flag_key identifies a spec",
    "status": "use state: draft | running | paused | stopped",
    "feature_flag": "use variants (and parameters) to shape the flag",
    "update_feature_flag_params": "expctl sends it itself when a running split changes",
}


@dataclass
class Problem:
    position: Position
    message: str

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


@dataclass
class Spec:
    doc: Document
    data: dict[str, Any]  # the document minus apiVersion/kind, variants normalised
    policy: Policy | None = None  # its decision: block (the default policy without one)

    @property
    def flag_key(self) -> str:
        return str(self.data["feature_flag_key"])

    @property
    def plan_key(self) -> str:
        return self.flag_key

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def state(self) -> str | None:
        value = self.data.get("state")
        return str(value) if value is not None else None

    @property
    def origin(self) -> str:
        return str(self.doc.where(()))

    def where(self, *path: str | int) -> Position:
        return self.doc.where(tuple(path))


@dataclass
class SpecSet:
    specs: list[Spec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    resources: list[ResourceSpec] = field(default_factory=list)  # holdouts and shared metrics
    notes: list[Problem] = field(default_factory=list)  # what cannot be checked offline

    @property
    def documents(self) -> int:
        return len(self.specs) + len(self.resources)


LEGACY_SECONDARY_NOTE = (
    "secondary_metrics is PostHog's legacy field, kept for experiments exported from older releases; "
    "new secondary metrics go in metrics_secondary"
)


def load_specs(
    paths: Sequence[str],
    *,
    stdin_text: str | None = None,
    env: str | None = None,
    stdin_name: str = "<stdin>",
    cache: ReadFiles | None = None,
) -> SpecSet:
    """Read and check every spec under ``paths`` (with ``env``'s overlays merged in, see
    ``core/specs/overlays.py``); problems are collected, not raised."""
    from expctl.core.specs.sources import read_documents

    documents, problems, files = read_documents(
        paths, stdin_text=stdin_text, env=env, stdin_name=stdin_name, cache=cache
    )
    return check_documents(documents, files, [Problem(position, message) for position, message in problems])


def live_documents(values: Sequence[Mapping[str, Any]], source: str) -> list[Document]:
    """Specs made from PostHog's objects (``promote``, ``diff --against``) as documents:
    each is placed at ``source:N:1``, N its number among them, since no file holds it."""
    return [
        Document(source, index, dict(value), {(): Position(source, index + 1, 1)}) for index, value in enumerate(values)
    ]


def check_documents(documents: Sequence[Document], files: int, problems: Sequence[Problem] = ()) -> SpecSet:
    """Check documents already read (from files, or made from live objects) as spec files are."""
    result = SpecSet()
    result.files = files
    result.problems.extend(problems)
    for doc in documents:
        _read_document(doc, result)
    _check_duplicates(result)

    def report(position: Position, message: str) -> None:
        result.problems.append(Problem(position, message))

    def note(position: Position, message: str) -> None:
        result.notes.append(Problem(position, message))

    result.resources = duplicate_problems(result.resources, report)
    check_references(result.specs, result.resources, note)
    for spec in result.specs:
        if spec.data.get("secondary_metrics"):
            note(spec.where("secondary_metrics"), LEGACY_SECONDARY_NOTE)
    for found in (result.problems, result.notes):
        found.sort(key=lambda p: (p.position.file, p.position.line, p.position.column))
    return result


def _read_document(doc: Document, result: SpecSet) -> None:
    kind = doc.value.get("kind") if isinstance(doc.value, dict) else None
    if kind not in (SHARED_METRIC, HOLDOUT):
        spec, problems = check_document(doc)
        result.problems.extend(problems)
        if spec is not None:
            result.specs.append(spec)
        return
    found: list[Problem] = []

    def problem(path: PathKey, message: str) -> None:
        found.append(Problem(doc.where(path), message))

    resource = check_resource(doc, str(kind), problem)
    _check_api_version(doc.value, problem)
    if not found:
        result.resources.append(resource)
    result.problems.extend(found)


def _check_api_version(value: Mapping[str, Any], problem: Any) -> None:
    """Every kind of document: apiVersion is optional, and only expctl/v1 exists."""
    if value.get("apiVersion", API_VERSION) != API_VERSION:
        problem(("apiVersion", "="), f"apiVersion must be {API_VERSION}")


def _check_duplicates(result: SpecSet) -> None:
    first: dict[str, Spec] = {}
    keep: list[Spec] = []
    for spec in result.specs:
        if spec.flag_key in first:
            other = first[spec.flag_key]
            result.problems.append(
                Problem(
                    spec.where("feature_flag_key"),
                    f"duplicate feature_flag_key '{spec.flag_key}' (also at {other.where('feature_flag_key')})",
                )
            )
            continue
        first[spec.flag_key] = spec
        keep.append(spec)
    result.specs = keep


def _check_field_types(value: Mapping[str, Any], problem: Callable[[PathKey, str], None]) -> None:
    """Each field's JSON type, and no number JSON cannot carry (``.inf``, ``1e400``)."""
    for key, expected in SPEC_FIELDS.items():
        if key in value and json_type_of(value[key]) not in expected:
            problem((key, "="), f"'{key}' must be {' or '.join(expected)}, not {json_type_of(value[key])}")
    for key, item in value.items():
        where = non_finite_at(item, (key,))
        if where is not None:
            problem((*where, "="), "the number is out of JSON's range (infinite or not a number)")


def check_document(doc: Document) -> tuple[Spec | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(path: PathKey, message: str) -> None:
        problems.append(Problem(doc.where(path), message))

    value = doc.value
    if not isinstance(value, dict):
        problem((), f"a spec must be a mapping of fields, not {json_type_of(value)}")
        return None, problems
    for key in value:
        if key in REFUSED_FIELDS:
            problem((key,), f"'{key}' cannot be set in a spec: {REFUSED_FIELDS[key]}")
        elif key not in SPEC_FIELDS:
            problem((key,), f"unknown key '{key}'{suggest(key, SPEC_FIELDS)}")
    _check_field_types(value, problem)
    _check_api_version(value, problem)
    if value.get("kind", KIND) != KIND:
        hint = suggest(str(value["kind"]), KINDS)
        problem(("kind", "="), f"kind must be one of {', '.join(KINDS)}{hint}")
    for required in ("name", "feature_flag_key"):
        if required not in value:
            problem((), f"'{required}' is required")
        elif isinstance(value[required], str) and not value[required].strip():
            # ExperimentSerializer's CharField trims whitespace, then refuses blank ("This field may not be blank.")
            problem((required, "="), f"'{required}' must not be empty or blank")
    name = value.get("name")
    if isinstance(name, str) and len(name) > 400:
        problem(("name", "="), "name is longer than PostHog's 400 characters")
    key = value.get("feature_flag_key")
    if isinstance(key, str) and key and not is_flag_key(key):
        problem(("feature_flag_key", "="), "feature_flag_key may contain only letters, digits, '-' and '_'")
    description = value.get("description")
    if isinstance(description, str) and len(description) > 3000:
        problem(("description", "="), "description is longer than PostHog's 3000 characters")
    if isinstance(value.get("type"), str) and value["type"] not in TYPES:
        problem(("type", "="), f"type must be one of {', '.join(TYPES)}")
    if isinstance(value.get("state"), str) and value["state"] not in STATES:
        problem(("state", "="), f"state must be one of {', '.join(STATES)}{suggest(value['state'], STATES)}")
    if isinstance(value.get("conclusion"), str) and value["conclusion"] not in CONCLUSIONS:
        problem(("conclusion", "="), f"conclusion must be one of {', '.join(CONCLUSIONS)}")
    variants = value.get("variants")
    if isinstance(variants, list):
        check_variants(variants, ("variants",), problem)
    params = value.get("parameters")
    if isinstance(params, dict) and "feature_flag_variants" in params:
        if "variants" in value:
            problem(
                ("parameters", "feature_flag_variants"), "set variants or parameters.feature_flag_variants, not both"
            )
        elif isinstance(params["feature_flag_variants"], list):
            check_variants(params["feature_flag_variants"], ("parameters", "feature_flag_variants"), problem)
        else:  # ExperimentService validates each variant as an object in a list
            problem(("parameters", "feature_flag_variants", "="), "parameters.feature_flag_variants must be a list")
    check_excluded_variants(value, problem)
    expanded = _read_metrics_and_links(value, problem)
    expanded.update(_statistics(value, problem))
    tags = value.get("tags")
    if isinstance(tags, list):
        if len(tags) > 100 or not all(isinstance(t, str) and 0 < len(t.strip()) <= 255 for t in tags):
            problem(("tags",), "tags must be a list of at most 100 names of 1 to 255 characters")
        else:  # tagged_item.py tagify: trimmed and lowercased, as PostHog stores them
            expanded["tags"] = sorted({t.strip().lower() for t in tags})
    policy = check_decision(value, expanded, problem)
    if problems:
        return None, problems
    data = {k: v for k, v in value.items() if k not in ("apiVersion", "kind", "statistics", "decision")}
    data.update(expanded)
    if isinstance(data.get("variants"), list):
        data["variants"] = normalize_variants(data["variants"])
    return Spec(doc=doc, data=data, policy=policy), problems


def _statistics(value: Mapping[str, Any], problem: Any) -> dict[str, Any]:
    """``statistics:`` read into ``stats_config`` (``expctl.core.specs.statistics``), and
    PostHog's own check of a ``stats_config`` given as it is."""
    from expctl.core.specs.statistics import read_statistics

    stats = value.get("stats_config")
    if isinstance(stats, dict) and stats.get("method") not in (None, "bayesian", "frequentist"):
        problem(("stats_config", "method", "="), "stats_config.method must be bayesian or frequentist")
    if "statistics" not in value:
        return {}
    if "stats_config" in value:
        problem(("statistics",), "set statistics or stats_config, not both")
        return {}
    variants = value.get("variants") or (value.get("parameters") or {}).get("feature_flag_variants") or []
    keys = [str(v.get("key")) for v in variants if isinstance(v, Mapping)] if isinstance(variants, list) else []
    config = read_statistics(value["statistics"], keys or None, problem)
    return {"stats_config": config} if config is not None else {}


def _read_metrics_and_links(value: Mapping[str, Any], problem: Any) -> dict[str, Any]:
    """Metrics (shorthand expanded), shared-metric and holdout references, checked offline."""
    out: dict[str, Any] = {}
    for field_name in ("metrics", "metrics_secondary"):
        metrics = value.get(field_name)
        if isinstance(metrics, list):
            read = read_metrics(metrics, field_name, problem)
            if read is not None:
                out[field_name] = read
    for short, raw in (("shared_metrics", "saved_metrics_ids"), ("holdout", "holdout_id")):
        if short in value and raw in value:
            problem((short,), f"set {short} or {raw}, not both")
    if "shared_metrics" in value:
        refs = read_shared_refs(value["shared_metrics"], problem)
        if refs is not None:
            out["shared_metrics"] = refs
    saved = value.get("saved_metrics_ids")
    if isinstance(saved, list):
        for index, item in enumerate(saved):
            if not isinstance(item, dict) or not isinstance(item.get("id"), int) or isinstance(item.get("id"), bool):
                problem(("saved_metrics_ids", index), "each saved metric needs an integer 'id'")
                continue
            metadata = item.get("metadata")
            kind = (metadata or {}).get("type", "primary") if isinstance(metadata, dict) else None
            if kind not in ("primary", "secondary"):
                problem(("saved_metrics_ids", index, "metadata"), "metadata.type must be primary or secondary")
    return out


def normalize_variants(variants: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """As PostHog stores them: ``Control`` becomes ``control``, ``split_percent`` becomes
    ``rollout_percentage``; whole-number shares become ints."""
    keys = {v.get("key") for v in variants}
    out = []
    for variant in variants:
        key = str(variant.get("key"))
        if "control" not in keys and key.lower() == "control":
            key = "control"
        share = variant.get("split_percent", variant.get("rollout_percentage"))
        if isinstance(share, float) and share.is_integer():
            share = int(share)
        item: dict[str, Any] = {"key": key}
        if variant.get("name") is not None:
            item["name"] = variant["name"]
        item["rollout_percentage"] = share
        out.append(item)
    return out
