"""open: the experiment's page in the PostHog web app."""

from __future__ import annotations

from typing import Annotated

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, examples, new_app

open_app = new_app()


@open_app.command(
    "open",
    epilog=examples(
        "expctl open checkout-redesign          # prints the URL",
        "expctl open 42 --web                     # and opens it",
    ),
)
def open_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    web: Annotated[bool, typer.Option("--web", help="Open the page in a browser as well.")] = False,
) -> None:
    """Print the experiment's page in the web app (--web opens it).

    With a numeric id and a numeric project no request is made; a flag key is looked up.
    """
    from expctl.api.experiments import ExperimentRef
    from expctl.core.urls import experiment_url

    rt = runtime_of(ctx)
    ref = ExperimentRef.parse(experiment)
    project = rt.settings.project
    if ref.id is not None and project.isdigit():
        url = experiment_url(rt.settings.host, project, ref.id)  # no request needed
    else:
        exp = rt.experiments.resolve(ref)
        flag = exp.get("feature_flag") if isinstance(exp.get("feature_flag"), dict) else {}
        team = project if project.isdigit() else str((flag or {}).get("team_id") or project)
        url = experiment_url(rt.settings.host, team, exp.get("id"))
    typer.echo(url)
    if web:
        _open_in_browser(rt, url)


def _open_in_browser(rt: object, url: str) -> None:
    import webbrowser

    from expctl.cli.framework.runtime import Runtime

    assert isinstance(rt, Runtime)
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        rt.messages.note("No browser found here; open the URL above yourself.")
        return
    if not browser.open(url):
        rt.messages.note("The browser did not start; open the URL above yourself.")
