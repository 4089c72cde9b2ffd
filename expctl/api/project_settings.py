"""The project's experiment settings (``experiments_config/``), read at most once a run.

PostHog keeps a project's defaults for new experiments and for results on
``TeamExperimentsConfig`` (``products/experiments/backend/models/team_experiments_config.py``),
served by ``TeamViewSet.experiments_config`` and read by the web app's
``experimentsConfigLogic``. The results engine falls back to them where an experiment's own
``stats_config`` is silent (CUPED and sequential testing: ``cuped_config.py``,
``hogql_queries/utils.py``'s ``_resolve_sequential_settings``), so expctl reads them to say
which settings a number was computed with. The endpoint needs ``project:read``; a key
without it, or a release without the endpoint, leaves the defaults unknown, never an error.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from expctl.api.client import PostHogClient
from expctl.errors import ApiAuthError, ApiError

_MEMO_KEY = "experiments_config"


class Settings(NamedTuple):
    data: dict[str, Any] | None
    why_not: str | None = None
    server_has_none: bool = False  # the endpoint is missing, not refused: PostHog's built-in defaults apply


def experiments_config(client: PostHogClient) -> tuple[dict[str, Any] | None, str | None]:
    """(the settings, None) or (None, why they could not be read); asked once per client."""
    found = _settings(client)
    return found.data, found.why_not


def _settings(client: PostHogClient) -> Settings:
    if _MEMO_KEY not in client.memo:
        client.memo[_MEMO_KEY] = _read(client)
    found: Settings = client.memo[_MEMO_KEY]
    return found


def _read(client: PostHogClient) -> Settings:
    try:
        data = client.get(client.project_path("experiments_config/"))
    except ApiAuthError as exc:
        if exc.status == 401:
            raise
        if "does not support personal api key access" in exc.detail.lower():
            return Settings(None, "PostHog lets no personal API key read the project's experiment settings")
        return Settings(None, "the project's experiment settings could not be read (the key needs project:read)")
    except ApiError:
        return Settings(None, "this PostHog has no experiment settings (experiments_config/)", server_has_none=True)
    if not isinstance(data, dict):
        return Settings(None, "PostHog's experiment settings are not an object")
    return Settings(data)


def results_defaults(client: PostHogClient) -> dict[str, Any] | None:
    """The defaults results fall back to: the settings; ``{}`` where the server has none
    (a release before them computes with PostHog's built-in defaults); None when the key
    may not read them (unknown)."""
    found = _settings(client)
    if found.data is not None:
        return found.data
    return {} if found.server_has_none else None
