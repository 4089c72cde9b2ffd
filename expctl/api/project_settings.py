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

from typing import Any

from expctl.api.client import PostHogClient
from expctl.errors import ApiAuthError, ApiError

_MEMO_KEY = "experiments_config"


def experiments_config(client: PostHogClient) -> tuple[dict[str, Any] | None, str | None]:
    """(the settings, None) or (None, why they could not be read); asked once per client."""
    if _MEMO_KEY not in client.memo:
        client.memo[_MEMO_KEY] = _read(client)
    found: tuple[dict[str, Any] | None, str | None] = client.memo[_MEMO_KEY]
    return found


def _read(client: PostHogClient) -> tuple[dict[str, Any] | None, str | None]:
    try:
        data = client.get(client.project_path("experiments_config/"))
    except ApiAuthError as exc:
        if exc.status == 401:
            raise
        if "does not support personal api key access" in exc.detail.lower():
            return None, "PostHog lets no personal API key read the project's experiment settings"
        return None, "the project's experiment settings could not be read (the key needs project:read)"
    except ApiError:
        return None, "this PostHog has no experiment settings (experiments_config/)"
    if not isinstance(data, dict):
        return None, "PostHog's experiment settings are not an object"
    return data, None


def results_defaults(client: PostHogClient) -> dict[str, Any] | None:
    """The defaults results fall back to: the settings; ``{}`` where the server has none
    (a release before them computes with PostHog's built-in defaults); None when the key
    may not read them (unknown)."""
    data, why_not = experiments_config(client)
    if data is not None:
        return data
    return {} if why_not and "experiments_config/" in why_not else None
