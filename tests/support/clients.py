"""Build a PostHogClient over httpx.MockTransport for API tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from expctl.api.client import ClientConfig, ClientHooks, PostHogClient
from expctl.api.ratelimit import Budget
from expctl.settings.secret import Secret
from expctl.standin.mock import mock_transport
from tests.fakeposthog import FULL_KEY, FakePostHog

HOST = "https://posthog.test"


class Sleeps(list[float]):
    """A fake sleep that records how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(
    target: FakePostHog | Callable[[httpx.Request], httpx.Response],
    *,
    key: str = FULL_KEY,
    sleeps: Sleeps | None = None,
    debug: list[str] | None = None,
    notices: list[str] | None = None,
    **config: Any,
) -> PostHogClient:
    transport = mock_transport(target) if isinstance(target, FakePostHog) else httpx.MockTransport(target)
    settings = {"host": HOST, "project": "1", "api_key": Secret(key), "backoff": 0.5, "budget": Budget((), (), None)}
    settings.update(config)
    hooks = ClientHooks(
        debug=debug.append if debug is not None else None,
        notice=notices.append if notices is not None else None,
    )
    return PostHogClient(
        ClientConfig(**settings),
        transport=transport,
        hooks=hooks,
        sleep=sleeps if sleeps is not None else Sleeps(),
        jitter=lambda: 1.0,
    )


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)
