"""Shared fixtures: isolation from the developer's machine, test servers, runners."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.fakeposthog import FULL_KEY, FakePostHog, RunningServer
from tests.fakeposthog.demo import DEMO_TODAY, add_demo_experiments
from tests.support.cli import Result, base_env, run

_LEAKY = ("EXPCTL_", "POSTHOG_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under Debian's faketime (the suite's moved-clock run), a thread join or event wait
    with a timeout never times out: libfaketime 0.9.10 fakes CLOCK_MONOTONIC but does not
    intercept sem_clockwait, through which Python 3.11 waits, so the deadline lies a month
    away. Only the tests that measure such a timeout are left out of that run."""
    if "libfaketime" in os.environ.get("LD_PRELOAD", "") and item.get_closest_marker("timed_thread_wait"):
        pytest.skip("libfaketime: a timed thread wait never times out (sem_clockwait is not faked)")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the real config, cache, keyring or proxies."""
    for name in list(os.environ):
        if name.startswith(_LEAKY) or name in ("NO_COLOR", "FORCE_COLOR", "CI", "CLICOLOR_FORCE"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


class Server:
    """A FakePostHog on 127.0.0.1 plus the environment pointing expctl at it."""

    def __init__(self, flavour: str, home: Path, today: datetime | None = None) -> None:
        self.fake = FakePostHog(flavour, today=today)
        self.ids = add_demo_experiments(self.fake)
        self.running = RunningServer(self.fake)
        self.url = self.running.url
        self.home = home
        self.env = base_env(home)
        self.env.update({"EXPCTL_HOST": self.url, "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": FULL_KEY})

    @property
    def flavour(self) -> str:
        return self.fake.flavour

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        input: str | None = None,
        timeout: float = 60,
        cwd: Path | None = None,
    ) -> Result:
        merged = dict(self.env)
        merged.update(env or {})
        return run(list(args), merged, input=input, timeout=timeout, cwd=cwd)

    def stop(self) -> None:
        self.running.stop()


def _assert_schema_clean(srv: Server) -> None:
    """Every /query/ body and metric sent in the test, and every answer, fits PostHog's schema."""
    assert not srv.fake.schema_violations, "\n".join(srv.fake.schema_violations)


@pytest.fixture(params=["cloud", "legacy"])
def server(request: pytest.FixtureRequest, home: Path) -> Iterator[Server]:
    """The test server, once per flavour."""
    srv = Server(request.param, home)
    yield srv
    srv.stop()
    _assert_schema_clean(srv)


@pytest.fixture
def cloud(home: Path) -> Iterator[Server]:
    srv = Server("cloud", home)
    yield srv
    srv.stop()
    _assert_schema_clean(srv)


@pytest.fixture
def demo_day(home: Path) -> Iterator[Server]:
    """Current Cloud with its calendar pinned to the day the README's excerpts were taken
    (``DEMO_TODAY``): output that shows dates is the same on any day the suite runs."""
    srv = Server("cloud", home, today=DEMO_TODAY)
    yield srv
    srv.stop()
    _assert_schema_clean(srv)


@pytest.fixture
def legacy(home: Path) -> Iterator[Server]:
    srv = Server("legacy", home)
    yield srv
    srv.stop()
    _assert_schema_clean(srv)
