"""Request bodies expctl sends, built and checked before anything leaves the machine.

``ExperimentCreate`` is typed; what PostHog sends back stays a plain dict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from expctl.core.specs.fields import (
    CONCLUSIONS,
    READ_ONLY_FIELDS,
    TYPES,
    WRITABLE_FIELDS,
    json_type_of,
    non_finite_at,
    suggest,
    type_matches,
)
from expctl.core.specs.variants import MAX_VARIANTS
from expctl.errors import UsageError
from expctl.model.flagkeys import is_flag_key


@dataclass(frozen=True)
class Variant:
    key: str
    rollout_percentage: float

    def body(self) -> dict[str, Any]:
        share: float | int = (
            int(self.rollout_percentage) if self.rollout_percentage.is_integer() else self.rollout_percentage
        )
        return {"key": self.key, "rollout_percentage": share}


@dataclass
class ExperimentCreate:
    name: str
    feature_flag_key: str
    description: str | None = None
    type: str | None = None
    holdout_id: int | None = None
    variants: list[Variant] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The POST body. ``parameters`` is always sent: releases before mid-2025 answer
        500 when it is missing."""
        parameters = dict(self.extra.get("parameters") or {})
        if self.variants:
            parameters["feature_flag_variants"] = [v.body() for v in self.variants]
        body: dict[str, Any] = {"name": self.name, "feature_flag_key": self.feature_flag_key}
        if self.description is not None:
            body["description"] = self.description
        if self.type is not None:
            body["type"] = self.type
        if self.holdout_id is not None:
            body["holdout_id"] = self.holdout_id
        for key, value in self.extra.items():
            if key != "parameters":
                body[key] = value
        body["parameters"] = parameters
        return body


def check_flag_key(key: str) -> str:
    if not key or not is_flag_key(key):
        raise UsageError(
            f"feature flag key {key!r} may contain only letters, digits, '-' and '_'",
            hint="for example: checkout-redesign",
        )
    return key


MAX_NAME = 400  # ExperimentSerializer: name = CharField(max_length=400)


def check_name(name: str, option: str = "--name") -> str:
    """A name PostHog takes: not blank once trimmed (DRF's CharField trims, then refuses
    blank), at most 400 characters."""
    if not name.strip():
        raise UsageError(f"{option} must not be empty or blank")
    if len(name) > MAX_NAME:
        raise UsageError(f"{option} is {len(name):,} characters; PostHog takes at most {MAX_NAME}")
    return name


def parse_variants(specs: Sequence[str]) -> list[Variant]:
    """``control=50 test=50`` -> variants; checks PostHog's rules locally."""
    variants: list[Variant] = []
    for spec in specs:
        key, sep, share = spec.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(
                f"--variant {spec!r} must look like KEY=PERCENT", hint="e.g. --variant control=50 --variant test=50"
            )
        check_flag_key(key)
        try:
            percent = float(share)
        except ValueError:
            raise UsageError(f"--variant {spec!r}: {share!r} is not a percentage") from None
        if not 0 <= percent <= 100:
            raise UsageError(f"--variant {spec!r}: the percentage must be between 0 and 100")
        if not percent.is_integer():  # the flag's rollout_percentage is PostHog's IntegerField(0-100)
            raise UsageError(f"--variant {spec!r}: PostHog takes whole percentages, not {percent:g}")
        variants.append(Variant(key, percent))
    if variants:
        check_variants([v.key for v in variants], [v.rollout_percentage for v in variants])
    return variants


def check_variants(keys: Sequence[str], shares: Sequence[float]) -> None:
    if len(keys) < 2:
        raise UsageError("an experiment needs at least 2 variants: control and at least one test variant")
    if len(keys) > MAX_VARIANTS:
        raise UsageError(f"PostHog allows at most {MAX_VARIANTS} variants, got {len(keys)}")
    if len(set(keys)) != len(keys):
        raise UsageError(f"variant keys must be unique: {', '.join(keys)}")
    if "control" not in keys:
        raise UsageError("one variant must have the key 'control' (PostHog compares the others against it)")
    total = sum(shares)
    if abs(total - 100) > 1e-6:
        raise UsageError(f"variant percentages must sum to 100, not {total:g}")


def parse_sets(specs: Sequence[str], *, allow_create_only: bool = True) -> dict[str, Any]:
    """``--set FIELD=JSON`` pairs -> dict, with the field and JSON type checked."""
    changes: dict[str, Any] = {}
    for spec in specs:
        name, sep, raw = spec.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(
                f"--set {spec!r} must look like FIELD=JSON",
                hint='e.g. --set \'stats_config={"method": "frequentist"}\'',
            )
        if name in READ_ONLY_FIELDS:
            raise UsageError(f"--set {name}: PostHog computes this field; it cannot be set")
        if name not in WRITABLE_FIELDS:
            raise UsageError(f"--set {name}: unknown experiment field{suggest(name, WRITABLE_FIELDS)}")
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise UsageError(
                f"--set {name}: {raw!r} is not JSON ({exc.msg} at column {exc.pos + 1})",  # type: ignore[attr-defined]
                hint=f"quote text as JSON, e.g. --set '{name}=\"text\"'",
            ) from None
        if not type_matches(name, value):
            raise UsageError(
                f"--set {name}: expected {WRITABLE_FIELDS[name]}, got {json_type_of(value)}",
            )
        where = non_finite_at(value)
        if where is not None:
            inside = ".".join(str(part) for part in (name, *where))
            raise UsageError(f"--set {inside}: the number is out of JSON's range (infinite or not a number)")
        if name == "conclusion" and value is not None and value not in CONCLUSIONS:
            raise UsageError(f"--set conclusion: must be one of {', '.join(CONCLUSIONS)}")
        if name == "type" and value is not None and value not in TYPES:
            raise UsageError(f"--set type: must be one of {', '.join(TYPES)}")
        if name == "feature_flag_key":
            check_flag_key(str(value))
        if not allow_create_only and name in ("feature_flag_key",):
            raise UsageError("the feature flag key cannot change after creation")
        changes[name] = value
    return changes


def changed_fields(current: Mapping[str, Any], wanted: Mapping[str, Any], always: frozenset[str]) -> dict[str, Any]:
    """Only the fields whose wanted value differs from the current one (plus ``always``)."""
    return {k: v for k, v in wanted.items() if k in always or k not in current or current.get(k) != v}
