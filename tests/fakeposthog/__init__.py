"""A stateful PostHog test server that follows shared/reference (see server.py)."""

from tests.fakeposthog.experiments import seed_experiments
from tests.fakeposthog.http import RunningServer, serve
from tests.fakeposthog.server import FakePostHog
from tests.fakeposthog.state import FULL_KEY, NO_QUERY_KEY, ORG2_KEY, PROJECT2_ONLY_KEY, READ_ONLY_KEY

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
