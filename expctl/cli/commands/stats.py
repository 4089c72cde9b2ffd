"""stats: how many experiments a project launches, completes and runs."""

from __future__ import annotations

from typing import Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ObjectOutputOpt, examples, new_app
from expctl.cli.framework.output_modes import OBJECTS

stats_app = new_app()


@stats_app.command("stats", epilog=examples("expctl stats", "expctl stats -o json"))
def stats_command(ctx: typer.Context, output: ObjectOutputOpt = None) -> None:
    """Show the project's experiment statistics.

    Launches and completions in the last 30 days, and how many run now.
    """

    rt = runtime_of(ctx)
    data = rt.project_stats.stats()
    rt.output(output, OBJECTS).data(data, _stats_text)


def _stats_text(data: dict[str, Any]) -> str:
    change = data.get("percent_change")
    change_text = f" ({change:+g}% on the 30 days before)" if isinstance(change, (int, float)) else ""
    return (
        f"Launched, last 30 days:   {data.get('launched_last_30d')}{change_text}\n"
        f"Launched, 30 days before: {data.get('launched_previous_30d')}\n"
        f"Running now:              {data.get('active_experiments')}\n"
        f"Completed, last 30 days:  {data.get('completed_last_30d')}\n"
    )
