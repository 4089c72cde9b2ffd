"""flag-check and eligible-flags: is a flag ready for an experiment, and which flags can back one."""

from __future__ import annotations

from typing import Annotated

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ObjectOutputOpt, OutputOpt, examples, new_app

flag_check_app = new_app()
eligible_app = new_app()

# Kept in step with render.flags.FLAG_COLUMNS by a test (as options.COLUMN_NAMES_HELP is).
FLAG_COLUMN_NAMES_HELP = "id, key, name, active, variants, experiments"
# PostHog's requires_flag_implementation looks at date_from -7d (ee/clickhouse/views/experiments.py).
FLAG_CHECK_WINDOW_DAYS = 7


@flag_check_app.command(
    "flag-check",
    epilog=examples(
        "expctl flag-check --event purchase",
        "expctl flag-check --event checkout_started --event purchase && echo ready",
        "expctl flag-check --action 7 -o json",
    ),
)
def flag_check_command(
    ctx: typer.Context,
    event: Annotated[
        list[str] | None, typer.Option("--event", help="Event name, repeated.", show_default=False)
    ] = None,
    action: Annotated[
        list[int] | None, typer.Option("--action", help="Action id, repeated.", show_default=False)
    ] = None,
    output: ObjectOutputOpt = None,
) -> None:
    """Check that events carry feature flag information.

    PostHog samples up to 20 recent events (last 7 days) of each name and looks for
    `$feature/...` properties, which the SDKs add when flags are evaluated. Exit 0: the
    events carry flag information, metrics on them will work. Exit 9: they do not (or
    there are no such events yet); call the flag in your code before sending them.
    """
    from expctl.errors import GateFailedError, UsageError

    rt = runtime_of(ctx)
    events, actions = list(event or []), list(action or [])
    if not events and not actions:
        raise UsageError("give at least one --event NAME or --action ID")
    required = rt.flag_checks.requires_flag_implementation(events, actions)
    what = ", ".join([*(repr(e) for e in events), *(f"action {a}" for a in actions)])
    from expctl.cli.framework.output_modes import OBJECTS

    out = rt.output(output, OBJECTS)
    if out.mode in ("json", "yaml"):
        # PostHog's {"result": true} means "not ready": say it the way round a script
        # reads it, with what was checked, and keep PostHog's answer under its own name.
        out.data(
            {
                "ready": not required,
                "events": events,
                "actions": actions,
                "window_days": FLAG_CHECK_WINDOW_DAYS,
                "requires_flag_implementation": required,
            }
        )
    elif required:
        out.text(f"not ready: recent {what} events carry no feature flag information (or there are none yet)\n")
    else:
        out.text(f"ready: recent {what} events carry feature flag information\n")
    if required:
        rt.messages.note("Evaluate the experiment's flag with a PostHog SDK before capturing these events.")
        raise GateFailedError()  # "not ready" was said on stdout, the fix on stderr


@eligible_app.command(
    "eligible-flags",
    epilog=examples("expctl eligible-flags", "expctl eligible-flags --search checkout -o json"),
)
def eligible_command(
    ctx: typer.Context,
    search: Annotated[
        str | None, typer.Option(help="Only flags whose key or name contains this.", show_default=False)
    ] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Only active (or inactive) flags.", show_default=False)
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="At most this many (default: all).", min=1, show_default=False)
    ] = None,
    output: OutputOpt = None,
    columns: Annotated[
        str | None,
        typer.Option("--columns", help=f"Columns: {FLAG_COLUMN_NAMES_HELP}.", show_default=False),
    ] = None,
) -> None:
    """List feature flags that can back an experiment.

    Eligible flags are multivariate with a 'control' variant first. Pass one's key to
    `expctl create --flag-key` to run an experiment on it.
    """
    from expctl.render.columns import choose_columns
    from expctl.render.flags import FLAG_COLUMNS

    rt = runtime_of(ctx)
    chosen = choose_columns(columns, FLAG_COLUMNS, default=list(FLAG_COLUMNS))
    rows, total = rt.flag_checks.eligible_flags(search=search, active=active, limit=limit)
    out = rt.output(output)
    out.rows(rows, chosen)
    if limit is not None and total > len(rows):
        rt.messages.note(f"Showing {len(rows)} of {total} eligible flags; raise --limit to see more.")
    if not rows and out.mode == "table":
        rt.messages.note("No eligible flags: a flag needs at least two variants with 'control' first.")
