"""duplicate, copy, exposure-cohort, flag-check, eligible-flags, stats."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from expctl.cli.app import runtime_of
from expctl.cli.options import ExperimentArg, OutputOpt, examples, new_app

duplicate_app = new_app()
copy_app = new_app()
cohort_app = new_app()
flag_check_app = new_app()
eligible_app = new_app()
stats_app = new_app()

# Kept in step with render.flags.FLAG_COLUMNS by a test (as options.COLUMN_NAMES_HELP is).
FLAG_COLUMN_NAMES_HELP = "id, key, name, active, variants, experiments"

NewFlagKeyOpt = Annotated[
    str | None,
    typer.Option("--flag-key", help="Feature flag key for the copy (default: share the flag).", show_default=False),
]
NewNameOpt = Annotated[
    str | None, typer.Option("--name", help="Name of the copy (default: '<name> (Copy)').", show_default=False)
]


@duplicate_app.command(
    "duplicate",
    epilog=examples(
        "expctl duplicate checkout-v2 --flag-key checkout-v3 --name 'Checkout v3'",
        "expctl duplicate 42 -o ids            # print only the new id",
    ),
)
def duplicate_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    flag_key: NewFlagKeyOpt = None,
    name: NewNameOpt = None,
    output: OutputOpt = None,
) -> None:
    """Copy an experiment as a new draft in the same project.

    Metrics, variants and settings are copied. Without --flag-key the copy shares the
    original's feature flag, so launching, pausing or shipping one affects both; give a
    new key unless that is what you want.
    """
    from expctl.api.experiments import ExperimentRef
    from expctl.core.bodies import check_flag_key

    rt = runtime_of(ctx)
    if flag_key is not None:
        check_flag_key(flag_key)
    source = rt.experiments.resolve(ExperimentRef.parse(experiment))
    copy = rt.experiments.duplicate(source, flag_key=flag_key, name=name)
    shared = " (sharing its feature flag)" if copy.get("feature_flag_key") == source.get("feature_flag_key") else ""
    rt.messages.success(
        f"Duplicated '{source.get('name')}' as '{copy.get('name')}' (id {copy.get('id')}), "
        f"flag {copy.get('feature_flag_key')}{shared}"
    )
    rt.show_changed(copy, output)


@copy_app.command(
    "copy",
    epilog=examples(
        "expctl copy checkout-v2 --to-project 678",
        "expctl copy checkout-v2 --to-project 678 --flag-key checkout-v2-staging",
    ),
)
def copy_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    to_project: Annotated[
        int, typer.Option("--to-project", help="Target project id (same organisation).", show_default=False)
    ],
    flag_key: Annotated[
        str | None,
        typer.Option("--flag-key", help="Flag key in the target project (default: the same key).", show_default=False),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Name in the target project (default: the same).", show_default=False)
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Copy an experiment as a new draft into another project.

    The usual way to promote an experiment from a staging project to production. Shared
    (saved) metrics stay behind: they belong to their project.
    """
    from expctl.api.experiments import ExperimentRef, ExperimentsApi
    from expctl.core.bodies import check_flag_key

    rt = runtime_of(ctx)
    if flag_key is not None:
        check_flag_key(flag_key)
    source = rt.experiments.resolve(ExperimentRef.parse(experiment))
    target = ExperimentsApi(rt.make_client(rt.api_key().secret.reveal(), project=str(to_project)))
    copy = rt.experiments.copy_to_project(source, target, target_project=to_project, flag_key=flag_key, name=name)
    rt.messages.success(
        f"Copied '{source.get('name')}' to project {to_project} as '{copy.get('name')}' (id {copy.get('id')}), "
        f"flag {copy.get('feature_flag_key')}"
    )
    rt.show_changed(copy, output)


@cohort_app.command(
    "exposure-cohort",
    epilog=examples("expctl exposure-cohort checkout-v2", "expctl exposure-cohort checkout-v2 -o json | jq .filters"),
)
def cohort_command(ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = None) -> None:
    """Create the cohort of exposed users and print its id.

    Works on a launched experiment. The cohort holds everyone who saw the experiment's feature flag since it started,
    for use in insights and other experiments. If it exists already its id is printed.
    With -o json the cohort itself is printed.
    """
    from expctl.api.experiments import ExperimentRef
    from expctl.api.helpers import ExperimentHelpers
    from expctl.errors import ExpctlError

    rt = runtime_of(ctx)
    exp = rt.experiments.resolve(ExperimentRef.parse(experiment))
    helpers = ExperimentHelpers(rt.client)
    existing = exp.get("exposure_cohort")
    if existing:
        rt.messages.info(f"'{exp.get('name')}' (id {exp.get('id')}) already has exposure cohort {existing}")
        cohort: dict[str, Any] = {"id": existing}
        if output and output not in ("ids", "plain", "table"):
            try:
                cohort = helpers.get_cohort(int(existing))
            except ExpctlError as exc:
                rt.messages.warn(f"could not read cohort {existing}: {exc.message}")
    else:
        cohort = helpers.create_exposure_cohort(int(exp["id"]))
        rt.messages.success(f"Created exposure cohort {cohort.get('id')} for '{exp.get('name')}' (id {exp.get('id')})")
    out = rt.output(output, ("table", "plain", "json", "yaml", "ids", "jsonl"))
    if out.mode in ("json", "yaml", "jsonl"):
        out.data(cohort)
    else:
        out.text(f"{cohort.get('id')}\n")


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
    output: OutputOpt = None,
) -> None:
    """Check that events carry feature flag information.

    PostHog samples up to 20 recent events (last 7 days) of each name and looks for
    `$feature/...` properties, which the SDKs add when flags are evaluated. Exit 0: the
    events carry flag information, metrics on them will work. Exit 9: they do not (or
    there are no such events yet); call the flag in your code before sending them.
    """
    from expctl.api.helpers import ExperimentHelpers
    from expctl.errors import GateFailedError, UsageError

    rt = runtime_of(ctx)
    events, actions = list(event or []), list(action or [])
    if not events and not actions:
        raise UsageError("give at least one --event NAME or --action ID")
    required = ExperimentHelpers(rt.client).requires_flag_implementation(events, actions)
    what = ", ".join([*(repr(e) for e in events), *(f"action {a}" for a in actions)])
    out = rt.output(output, ("table", "plain", "json", "yaml"))
    if out.mode in ("json", "yaml"):
        out.data({"result": required})
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
    from expctl.api.helpers import ExperimentHelpers
    from expctl.render.columns import choose_columns
    from expctl.render.flags import FLAG_COLUMNS

    rt = runtime_of(ctx)
    chosen = choose_columns(columns, FLAG_COLUMNS, default=list(FLAG_COLUMNS))
    rows, total = ExperimentHelpers(rt.client).eligible_flags(search=search, active=active, limit=limit)
    out = rt.output(output)
    out.rows(rows, chosen)
    if limit is not None and total > len(rows):
        rt.messages.note(f"Showing {len(rows)} of {total} eligible flags; raise --limit to see more.")
    if not rows and out.mode == "table":
        rt.messages.note("No eligible flags: a flag needs at least two variants with 'control' first.")


@stats_app.command("stats", epilog=examples("expctl stats", "expctl stats -o json"))
def stats_command(ctx: typer.Context, output: OutputOpt = None) -> None:
    """Show the project's experiment statistics.

    Launches and completions in the last 30 days, and how many run now.
    """
    from expctl.api.helpers import ExperimentHelpers

    rt = runtime_of(ctx)
    data = ExperimentHelpers(rt.client).stats()
    rt.output(output, ("table", "plain", "json", "yaml")).data(data, _stats_text)


def _stats_text(data: dict[str, Any]) -> str:
    change = data.get("percent_change")
    change_text = f" ({change:+g}% on the 30 days before)" if isinstance(change, (int, float)) else ""
    return (
        f"Launched, last 30 days:   {data.get('launched_last_30d')}{change_text}\n"
        f"Launched, 30 days before: {data.get('launched_previous_30d')}\n"
        f"Running now:              {data.get('active_experiments')}\n"
        f"Completed, last 30 days:  {data.get('completed_last_30d')}\n"
    )
