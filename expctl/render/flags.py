"""Feature flag columns (eligible-flags)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.render.columns import Column


def _variants(flag: Mapping[str, Any]) -> str:
    filters = flag.get("filters") or {}
    variants = (filters.get("multivariate") or {}).get("variants") or []
    return ",".join(f"{v.get('key')}:{v.get('rollout_percentage')}" for v in variants if isinstance(v, Mapping))


FLAG_COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("id", "ID", lambda f: f.get("id"), "number"),
        Column("key", "KEY", lambda f: f.get("key") or "", flexible=True),
        Column("name", "NAME", lambda f: f.get("name") or "", flexible=True, drop_rank=1),
        Column("active", "ACTIVE", lambda f: "yes" if f.get("active") else "no"),
        Column("variants", "VARIANTS", _variants, flexible=True),
        Column(
            "experiments",
            "EXPERIMENTS",
            lambda f: ",".join(str(i) for i in f.get("experiment_set") or []),
            drop_rank=2,
        ),
    )
}
