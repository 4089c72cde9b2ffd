"""Everything known about one experiment at one moment, as the shareable report shows it:
PostHog's results, exposures per day, each primary metric day by day, the running
estimate, and what this PostHog (or key) could not give. Data only: the report job
fills it, render/html_report.py draws it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expctl.core.decision import Decision
    from expctl.core.results.daily import Exposures, MetricHistory
    from expctl.core.results.verdicts import ExperimentResults
    from expctl.core.sizing.running import RunningSizing


@dataclass
class ExperimentOverview:
    experiment: Mapping[str, Any]
    results: ExperimentResults | None
    exposures: Exposures | None = None
    daily: list[MetricHistory] = field(default_factory=list)
    sizing: RunningSizing | None = None  # with PostHog's estimate beside expctl's
    notes: list[str] = field(default_factory=list)  # what this PostHog (or key) could not give
    decision: Decision | None = None  # `expctl decide` with the default policy, from the same answers
