"""The review job: every experiment of the project that needs a person, most urgent first.

Read from what PostHog keeps: the list, each experiment (the cache's copy where its
version matches), and for running ones the stored results, judged by `decide`'s engine
with the default policy (or a spec's); the rules are ``core/decision/triage.py``'s.
Where the server stores results, no query is spent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from expctl.cli.jobs.hooks import Progress, no_progress

if TYPE_CHECKING:
    from expctl.api.experiments import ExperimentsApi
    from expctl.cli.jobs.apply import ExperimentStore
    from expctl.cli.jobs.decide import DecideApis
    from expctl.core.decision import Policy
    from expctl.core.decision.triage import Finding

REVIEWED_AT_ONCE = 4  # each running experiment reads its stored run and activity (CRUD budget)


@dataclass
class ReviewSource:
    experiments: ExperimentsApi
    cache: ExperimentStore
    decide: DecideApis
    policies: Callable[[str], Policy | None] = lambda flag_key: None  # a spec's policy by flag key
    progress: Progress = no_progress
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    errors: list[str] = field(default_factory=list)  # experiments that could not be judged


def review(source: ReviewSource) -> list[Finding]:
    """The findings of every experiment not archived, sorted by urgency then by id."""
    rows = [r for r in source.experiments.every_row() if not r.get("archived") and r.get("id") is not None]
    now = source.now()
    with (
        source.progress("Reviewing", total=len(rows)) as bar,
        ThreadPoolExecutor(max_workers=REVIEWED_AT_ONCE, thread_name_prefix="expctl-review") as pool,
    ):

        def one(row: Mapping[str, Any]) -> list[Finding]:
            found = _findings(source, _full(source, row), now)
            bar.advance()
            return found

        findings = [f for found in pool.map(one, rows) for f in found]
    source.cache.save()
    return sorted(findings, key=lambda f: (f.urgency, int(f.experiment.get("id") or 0)))


def _full(source: ReviewSource, row: Mapping[str, Any]) -> Mapping[str, Any]:
    full = source.cache.full(row)
    if full is None:
        full = dict(source.experiments.get(int(row["id"])))
        source.cache.remember(full)
    return full


def _findings(source: ReviewSource, exp: Mapping[str, Any], now: datetime) -> list[Finding]:
    from expctl.cli.jobs.decide import decide_experiment
    from expctl.core.decision import Policy
    from expctl.core.decision.triage import from_decision, hygiene, needs_a_decision
    from expctl.errors import ExpctlError

    found = hygiene(exp, now)
    if needs_a_decision(exp):
        policy = source.policies(str(exp.get("feature_flag_key"))) or Policy()
        try:
            judged = from_decision(exp, decide_experiment(source.decide, exp, policy, []).decision)
        except ExpctlError as exc:
            source.errors.append(f"{exp.get('name')} (id {exp.get('id')}): {exc.message}")
        else:
            found += [judged] if judged is not None else []
    return found
