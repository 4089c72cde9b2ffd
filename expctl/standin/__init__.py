"""A stateful PostHog test server that follows shared/reference (see server.py)."""

from expctl.standin.experiments import seed_experiments
from expctl.standin.http import RunningServer, serve
from expctl.standin.server import FakePostHog
from expctl.standin.state import FULL_KEY, NO_QUERY_KEY, ORG2_KEY, PROJECT2_ONLY_KEY, READ_ONLY_KEY

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
