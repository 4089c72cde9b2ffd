"""Shared fixtures: isolation from the developer's machine, test servers, runners."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from expctl.standin.demo import DEMO_TODAY, add_demo_experiments
from tests.fakeposthog import FULL_KEY, FakePostHog, RunningServer
from tests.support.cli import Result, base_env, run


def _let_children_be_interrupted() -> None:
    """A suite started in the background by a shell without job control (a script's
    `cmd &`, some CI runners) inherits SIGINT ignored, and every process it starts would
    too: Python then installs no KeyboardInterrupt handler, and the tests that press
    Ctrl-C (apply, results --watch, demo --serve) see nothing happen. A handler of our own
    is reset to the default at exec, so the commands the tests start can be interrupted,
    as a person's terminal allows."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


_let_children_be_interrupted()

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


class Served:
    """The demo project on a test server, and the clean environment that points expctl at
    ``url``; ``run`` is the tier's (a subprocess here, in process in tests/cli)."""

    def __init__(self, fake: FakePostHog, home: Path, url: str) -> None:
        self.fake = fake
        self.ids = add_demo_experiments(fake)
        self.url = url
        self.home = home
        self.env = base_env(home)
        self.env.update({"EXPCTL_HOST": url, "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": FULL_KEY})

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
        raise NotImplementedError  # each tier runs commands its own way


class Server(Served):
    """A FakePostHog on 127.0.0.1, and the installed expctl run against it in a subprocess."""

    def __init__(self, flavour: str, home: Path, today: datetime | None = None) -> None:
        fake = FakePostHog(flavour, today=today)
        self.running = RunningServer(fake)
        super().__init__(fake, home, self.running.url)

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        input: str | None = None,
        timeout: float = 60,
        cwd: Path | None = None,
    ) -> Result:
        return run(list(args), {**self.env, **(env or {})}, input=input, timeout=timeout, cwd=cwd)

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
