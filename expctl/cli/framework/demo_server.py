"""The stand-in `expctl demo` runs: started in this process on 127.0.0.1, with its demo
experiments, and expctl's own commands run against it as a user would run them.

The commands run with their own settings (host, project and key of the stand-in) and in
a private config and cache folder, so a demo never touches the user's profiles, caches
or rate budget, and the user's settings never send a demo command elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from expctl.errors import UsageError

if TYPE_CHECKING:
    from expctl.cli.framework.messages import Messages
    from expctl.render.output import Output
    from expctl.standin.http import RunningServer

# Settings from the user's environment that must not reach a demo command.
_THEIRS = ("EXPCTL_", "POSTHOG_")


class DemoServer:
    def __init__(self, running: RunningServer, key: str, say: Messages, home: str) -> None:
        self.running = running
        self.say = say
        self.variables = {"EXPCTL_HOST": running.url, "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": key}
        self._home = home

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` (the user's environment) pointed at the stand-in, in a private config and cache."""
        env = {name: value for name, value in base.items() if not name.startswith(_THEIRS)}
        env.update(self.variables)
        env["EXPCTL_CONFIG_DIR"] = os.path.join(self._home, "config")
        env["EXPCTL_CACHE_DIR"] = os.path.join(self._home, "cache")
        return env

    def show(self, commands: Sequence[list[str]]) -> None:
        """Run each command against the stand-in, each headed by the line a user would type."""
        self.say.note(
            f"A PostHog stand-in is running on {self.running.url} with three demo experiments; "
            "nothing leaves this machine."
        )
        for args in commands:
            self.say.info(f"\n$ expctl {' '.join(args)}")
            code = run_command(args, self.env(os.environ))
            sys.stdout.flush()  # its output before the next heading, on a pipe too
            if code:
                raise UsageError(f"`expctl {' '.join(args)}` against the stand-in ended with {code}")
        self.say.note(
            "\nThat was the stand-in. Keep it running for another shell or a CI job with "
            "`expctl demo --serve`; for your own PostHog, `expctl auth login`."
        )

    def serve_until_interrupted(self, out: Output) -> None:
        """The variables on stdout (KEY=VALUE lines: `set -a; . FILE`, or >> $GITHUB_ENV),
        then serve until Ctrl-C, which ends it normally."""
        out.text("".join(f"{name}={value}\n" for name, value in self.variables.items()), flush=True)
        self.say.note(
            f"Serving the PostHog stand-in on {self.running.url} (project 1; key above) until Ctrl-C. "
            "In another shell: set -a; . ./FILE; set +a  (with this output saved to FILE), then expctl list."
        )
        import time

        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
        self.say.note("Stopped the stand-in.")


@contextlib.contextmanager
def standin(*, port: int, flavour: str, say: Messages) -> Iterator[DemoServer]:
    """The stand-in with its demo experiments on 127.0.0.1:``port`` (0: a free one)."""
    from expctl.standin import FULL_KEY, FakePostHog, RunningServer
    from expctl.standin.demo import add_demo_experiments

    fake = FakePostHog(flavour)
    add_demo_experiments(fake)
    try:
        running = RunningServer(fake, port)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}",
            hint="pick another with --port N (0 picks a free one)",
        ) from None
    home = tempfile.mkdtemp(prefix="expctl-demo-")
    try:
        yield DemoServer(running, FULL_KEY, say, home)
    finally:
        running.stop()
        shutil.rmtree(home, ignore_errors=True)


def run_command(args: list[str], env: Mapping[str, str]) -> int:
    """One expctl command in this process, with ``env`` as its environment; its exit code."""
    import typer.main

    from expctl.cli.framework.app import app, tidy_metavars
    from expctl.cli.framework.runtime import RuntimeOverrides

    command = typer.main.get_command(app)
    tidy_metavars(command)
    try:
        result = command.main(args=args, prog_name="expctl", standalone_mode=False, obj=RuntimeOverrides(env=env))
    except SystemExit as exc:  # pragma: no cover - standalone_mode=False returns codes instead
        return int(exc.code or 0)
    return int(result or 0)
