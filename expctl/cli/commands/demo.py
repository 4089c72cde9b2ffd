"""demo: expctl against the PostHog stand-in it ships with, so a `pip install` user can try
every command without a PostHog account (and CI can point a script at it).

The stand-in (``expctl/standin``) is the one the test suite checks expctl against: a
stateful server on 127.0.0.1 that follows PostHog's source. Nothing leaves the machine;
everything it holds lives in memory and is gone when it stops.
"""

from __future__ import annotations

from typing import Annotated

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import examples, new_app

demo_app = new_app()

# What `expctl demo` shows: the main job, in two commands.
SHOWN = (["list"], ["results", "checkout-redesign"])


@demo_app.command(
    "demo",
    epilog=examples(
        "expctl demo                                # list the demo experiments, show one's results",
        "expctl demo --serve --port 8010 > demo.env  # keep it running; the variables go to demo.env",
        "set -a; . ./demo.env; set +a; expctl list  # in another shell",
    ),
)
def demo_command(
    ctx: typer.Context,
    serve: Annotated[
        bool, typer.Option("--serve", help="Keep the stand-in running and print the variables that point at it.")
    ] = False,
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port on 127.0.0.1 (0: a free one).", min=0, max=65535)
    ] = 0,
    legacy: Annotated[
        bool, typer.Option("--legacy", help="Behave like the late-2024 self-hosted release instead of Cloud.")
    ] = False,
) -> None:
    """Try expctl on a PostHog stand-in on this machine: no account needed.

    Starts the PostHog stand-in expctl's own tests use (three demo experiments: one
    running, one draft, one ended) on 127.0.0.1, lists the experiments and shows the
    running one's results, then stops. With --serve it keeps running until Ctrl-C and
    prints EXPCTL_HOST, EXPCTL_PROJECT and EXPCTL_API_KEY on standard output, for another
    shell or a CI script to use. Nothing leaves this machine.
    """
    from expctl.cli.framework.demo_server import standin

    rt = runtime_of(ctx)
    with standin(port=port, flavour="legacy" if legacy else "cloud", say=rt.messages) as running:
        if serve:
            running.serve_until_interrupted(rt.output("plain"))
        else:
            running.show(SHOWN)
