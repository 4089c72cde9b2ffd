"""The in-process tier: commands run through the runtime's test seam, no subprocess.

``RuntimeOverrides`` gives each run its environment, non-terminal streams and an httpx
``MockTransport`` over the test server's own handler (``expctl/standin/mock.py``), so
a command costs milliseconds instead of a process start. The end-to-end tier keeps one
subprocess story per area for the installed entry point.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest

from expctl.standin.demo import DEMO_TODAY, add_demo_experiments
from expctl.standin.mock import mock_transport
from tests.conftest import Served
from tests.fakeposthog import FULL_KEY, FakePostHog
from tests.support.cli import REPO, Result
from tests.support.clock import VirtualClock


def invoke(
    env: dict[str, str],
    transport: object,
    args: Sequence[str],
    *,
    stdin: str | None = None,
    cwd: Path | None = None,
    clock: VirtualClock | None = None,
    quick: bool = True,
) -> Result:
    """The one in-process runner: ``args`` through the app with the runtime's test seam (this
    environment, non-terminal streams, ``transport`` for PostHog), as the entry point would
    run them (global options hoisted; a plain list, get or results on the quick path unless
    ``quick`` is False), in ``cwd`` (the repository by default)."""
    from typer.testing import CliRunner

    from expctl.cli.framework.app import app
    from expctl.cli.framework.runtime import RuntimeOverrides
    from expctl.main import hoist_global_options

    overrides = RuntimeOverrides(
        env=env,
        transport=transport,  # type: ignore[arg-type]
        stdin_isatty=False,
        stdout_isatty=False,
        stderr_isatty=False,
        **({"sleep": clock.sleep, "clock": clock} if clock is not None else {}),  # type: ignore[arg-type]
    )
    before = Path.cwd()
    os.chdir(cwd or REPO)
    hoisted = hoist_global_options(list(args))
    try:
        answered = run_quick_captured(hoisted, overrides, stdin or "") if quick else None
        if answered is not None:
            return Result(*answered, list(args))
        result = CliRunner().invoke(app, hoisted, obj=overrides, input=stdin or "")
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr, list(args))


def run_quick_captured(args: list[str], overrides: object, stdin: str) -> tuple[int, str, str] | None:
    """``cli/quick``'s answer (exit code, stdout, stderr) with the standard streams captured
    as typer's CliRunner captures them, or None when the command line is for typer."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from expctl.cli.quick.entry import run_quick

    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = run_quick(args, overrides)  # type: ignore[arg-type]
    finally:
        sys.stdin = saved_stdin
    return None if code is None else (code, out.getvalue(), err.getvalue())


class InProcess:
    """The demo project on one flavour of the test server, and a way to run commands on it."""

    def __init__(self, flavour: str) -> None:
        self.fake = FakePostHog(flavour)
        self.ids = add_demo_experiments(self.fake)
        self.transport = mock_transport(self.fake)
        self.flavour = flavour
        self.clock = VirtualClock(start=1000.0)  # the throttles' clock, moved by expctl's sleep
        self.fake.clock = self.clock

    def run(self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
        environ = dict(os.environ)
        environ.update({"EXPCTL_HOST": "http://127.0.0.1:8000", "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": FULL_KEY})
        environ.update(env or {})
        return invoke(environ, self.transport, args, stdin=stdin, cwd=Path.cwd(), clock=self.clock)


def invoke_and_assert(
    project: InProcess,
    args: Sequence[str],
    code: int = 0,
    stdout: Sequence[str] = (),
    stderr: Sequence[str] = (),
    *,
    stdin: str | None = None,
) -> Result:
    """Run ``args``; check the exit code and that each text appears where it should."""
    outcome = project.run(*args, stdin=stdin)
    assert outcome.returncode == code, outcome
    for text in stdout:
        assert text in outcome.stdout, (text, outcome)
    for text in stderr:
        assert text in outcome.stderr, (text, outcome)
    return outcome


@pytest.fixture
def project() -> Iterator[InProcess]:
    yield InProcess("cloud")


@pytest.fixture(params=["cloud", "legacy"])
def any_project(request: pytest.FixtureRequest) -> Iterator[InProcess]:
    yield InProcess(request.param)


class InProcessServer(Served):
    """The end-to-end tier's ``Server`` (tests/conftest.py), answered in process: the same
    ``run``/``fake``/``ids``/``env``, the same clean environment, the test server's own
    handler behind an httpx ``MockTransport`` instead of a socket and a process. Files
    in this directory that take ``server``, ``cloud``, ``legacy`` or ``demo_day`` get it."""

    def __init__(self, flavour: str, home: Path, today: datetime | None = None) -> None:
        super().__init__(FakePostHog(flavour, today=today), home, "http://127.0.0.1:8000")
        self.transport = mock_transport(self.fake)

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        input: str | None = None,
        timeout: float = 60,
        cwd: Path | None = None,
    ) -> Result:
        return invoke({**self.env, **(env or {})}, self.transport, args, stdin=input, cwd=cwd)

    def stop(self) -> None:
        """Nothing runs: the handler is called in this process."""


def _serve(flavour: str, home: Path, today: datetime | None = None) -> Iterator[InProcessServer]:
    served = InProcessServer(flavour, home, today)
    yield served
    assert not served.fake.schema_violations, "\n".join(served.fake.schema_violations)


@pytest.fixture(params=["cloud", "legacy"])
def server(request: pytest.FixtureRequest, home: Path) -> Iterator[InProcessServer]:
    yield from _serve(request.param, home)


@pytest.fixture
def cloud(home: Path) -> Iterator[InProcessServer]:
    yield from _serve("cloud", home)


@pytest.fixture
def legacy(home: Path) -> Iterator[InProcessServer]:
    yield from _serve("legacy", home)


@pytest.fixture
def demo_day(home: Path) -> Iterator[InProcessServer]:
    yield from _serve("cloud", home, DEMO_TODAY)
