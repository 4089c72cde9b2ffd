"""Each API area a command may use, built on first use from the run's one client.

Commands ask the runtime for ``rt.results_api`` or ``rt.holdouts`` instead of building API
objects (and never paths) themselves, as gh's Factory hands its commands their clients:
one place decides how an area is wired (the experiments' flag-key cache, for one), and a
test seam replaces the client under all of them. The ``…_of(client)`` forms serve the
commands that talk with a second client: a key being checked, another project.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from expctl.api.account import AccountApi
    from expctl.api.actions import ActionsApi
    from expctl.api.activity import ActivityApi
    from expctl.api.client import PostHogClient
    from expctl.api.cohorts import CohortsApi
    from expctl.api.daily_results import HistoryApi
    from expctl.api.experiments import ExperimentsApi
    from expctl.api.flag_checks import FlagChecksApi
    from expctl.api.migration import MigrationApi
    from expctl.api.probes import Probes
    from expctl.api.project_stats import ProjectStatsApi
    from expctl.api.resources import ResourceApi, ResourceKind
    from expctl.api.results import ResultsApi
    from expctl.api.tags import TagsApi


class ApiAreas:
    """Mixed into the runtime, which provides ``client``."""

    @property
    def client(self) -> PostHogClient:
        raise NotImplementedError

    @cached_property
    def results_api(self) -> ResultsApi:
        from expctl.api.results import ResultsApi

        return ResultsApi(self.client)

    @cached_property
    def history_api(self) -> HistoryApi:
        from expctl.api.daily_results import HistoryApi

        return HistoryApi(self.client)

    @cached_property
    def holdouts(self) -> ResourceApi:
        from expctl.api.resources import HOLDOUTS

        return self.resources(HOLDOUTS)

    @cached_property
    def shared_metrics(self) -> ResourceApi:
        from expctl.api.resources import SHARED_METRICS

        return self.resources(SHARED_METRICS)

    def resources(self, kind: ResourceKind) -> ResourceApi:
        """Holdouts or shared metrics, for code that serves both kinds."""
        from expctl.api.resources import ResourceApi

        return ResourceApi(self.client, kind)

    @cached_property
    def flag_checks(self) -> FlagChecksApi:
        from expctl.api.flag_checks import FlagChecksApi

        return FlagChecksApi(self.client)

    @cached_property
    def migration(self) -> MigrationApi:
        from expctl.api.migration import MigrationApi

        return MigrationApi(self.client)

    @cached_property
    def tags(self) -> TagsApi:
        from expctl.api.tags import TagsApi

        return TagsApi(self.client)

    @cached_property
    def activity(self) -> ActivityApi:
        from expctl.api.activity import ActivityApi

        return ActivityApi(self.client)

    @cached_property
    def project_stats(self) -> ProjectStatsApi:
        from expctl.api.project_stats import ProjectStatsApi

        return ProjectStatsApi(self.client)

    @cached_property
    def actions(self) -> ActionsApi:
        from expctl.api.actions import ActionsApi

        return ActionsApi(self.client)

    @cached_property
    def cohorts(self) -> CohortsApi:
        from expctl.api.cohorts import CohortsApi

        return CohortsApi(self.client)

    @staticmethod
    def experiments_of(client: PostHogClient) -> ExperimentsApi:
        """Experiments through another client (another project), without the run's caches."""
        from expctl.api.experiments import ExperimentsApi

        return ExperimentsApi(client)

    @staticmethod
    def account_of(client: PostHogClient) -> AccountApi:
        from expctl.api.account import AccountApi

        return AccountApi(client)

    @staticmethod
    def probes_of(client: PostHogClient) -> Probes:
        from expctl.api.probes import Probes

        return Probes(client)
