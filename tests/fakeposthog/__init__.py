"""The PostHog stand-in as the test suite uses it: ``expctl.standin`` (shipped with expctl
for `expctl demo`), with every request and answer checked against PostHog's published query
schema (``tests/support/schema_oracle.py``; the test fixtures fail a test that leaves a
violation behind). Everything else is the stand-in's own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from expctl.standin import (
    FULL_KEY,
    NO_QUERY_KEY,
    ORG2_KEY,
    PROJECT2_ONLY_KEY,
    READ_ONLY_KEY,
    RunningServer,
    seed_experiments,
    serve,
)
from expctl.standin import FakePostHog as _StandIn
from expctl.standin.state import Store


def _checker(definition: str, value: Any, strict: bool) -> list[str]:
    from tests.support.schema_oracle import problems

    return problems(definition, value, strict=strict)


class FakePostHog(_StandIn):
    """The stand-in with the schema checks on."""

    def __init__(
        self,
        flavour: str = "cloud",
        *,
        store: Store | None = None,
        seed: int = 0,
        today: datetime | None = None,
        schema_checks: bool = True,
    ) -> None:
        super().__init__(
            flavour, store=store, seed=seed, today=today, schema_checker=_checker if schema_checks else None
        )


__all__ = [
    "FULL_KEY",
    "NO_QUERY_KEY",
    "ORG2_KEY",
    "PROJECT2_ONLY_KEY",
    "READ_ONLY_KEY",
    "FakePostHog",
    "RunningServer",
    "seed_experiments",
    "serve",
]
