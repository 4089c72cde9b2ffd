"""PostHog's published query schema as the oracle for what expctl sends and what we answer.

``tests/fixtures/posthog-query-schema.subset.json`` is a copy of
``shared/reference/posthog-query-schema.subset.json``: a subset of PostHog's
``frontend/src/queries/schema.json`` (PostHog/posthog, MIT; the commit is named in its
``$comment``). PostHog's backend parses request bodies with pydantic models generated from
that schema, so:

* requests are checked strictly (``additionalProperties: false`` holds, as it does for
  PostHog's models, which forbid extra fields), with pydantic's reading of ``null``: an
  optional field sent as ``null`` counts as absent;
* our answers are checked as a tolerant client reads them: every field PostHog defines
  must have its type and every required field must be there (``null`` again counting as
  absent), but newer releases add fields, so extra keys are allowed.

The test server records each violation in ``FakePostHog.schema_violations``; the test
fixtures fail any test that leaves one behind.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "posthog-query-schema.subset.json"


@functools.cache
def _document() -> dict[str, Any]:
    return dict(json.loads(FIXTURE.read_text()))


@functools.cache
def _nullable_required() -> frozenset[str]:
    """Names of properties that some definition requires while allowing ``null``: those
    keep their ``null`` (pydantic treats ``null`` as absent only for optional fields)."""
    names = set()
    for definition in _document()["definitions"].values():
        for name in definition.get("required") or []:
            schema = (definition.get("properties") or {}).get(name) or {}
            types = schema.get("type")
            if (isinstance(types, list) and "null" in types) or "anyOf" in schema:
                names.add(name)
    return frozenset(names)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        keep = _nullable_required()
        return {k: _without_nulls(v) for k, v in value.items() if v is not None or k in keep}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _relaxed(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _relaxed(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [_relaxed(v) for v in node]
    return node


@functools.cache
def _validator(definition: str, strict: bool) -> Any:
    from jsonschema import Draft7Validator

    document = copy.deepcopy(_document()) if strict else _relaxed(_document())
    schema = {"$ref": f"#/definitions/{definition}", "definitions": document["definitions"]}
    return Draft7Validator(schema)


def problems(definition: str, value: Any, *, strict: bool = True) -> list[str]:
    """Every way ``value`` breaks PostHog's ``definition``, as ``path: message`` lines."""
    from jsonschema.exceptions import best_match

    validator = _validator(definition, strict)
    subject = _without_nulls(value)
    errors = list(validator.iter_errors(subject))
    if not errors:
        return []
    best = best_match(errors)
    where = "/".join(str(p) for p in best.absolute_path) or "(top)"
    return [f"{definition} {where}: {best.message}"]
