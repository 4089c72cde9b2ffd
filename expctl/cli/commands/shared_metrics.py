"""shared-metrics list / get / create / update / delete / link / unlink."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, OutputOpt, YesOpt, examples, new_app

if TYPE_CHECKING:
    from expctl.api.resources import ResourceApi
    from expctl.cli.framework.resource_commands import ResourceCommands
    from expctl.cli.framework.runtime import Runtime

shared_metrics_app = new_app(
    help="Manage shared metrics: one definition, used by many experiments.",
    no_args_is_help=True,
    epilog=examples(
        "expctl shared-metrics create --name 'Revenue per user' --metric 'mean: {event: purchase, sum: revenue}'",
        "expctl shared-metrics list",
        "expctl shared-metrics link checkout-v3 'Revenue per user' --secondary",
    ),
)

SharedRefArg = Annotated[
    str, typer.Argument(help="Shared metric id, or its name.", metavar="SHARED_METRIC", show_default=False)
]
MetricOpt = Annotated[
    str | None,
    typer.Option("--metric", help="The metric in expctl's shorthand (YAML) or PostHog's JSON.", show_default=False),
]
DescriptionOpt = Annotated[str | None, typer.Option("--description", help="What it measures.", show_default=False)]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", help="A tag, repeated.", show_default=False)]


def _commands() -> ResourceCommands:
    from expctl.api.resources import SHARED_METRICS
    from expctl.cli.framework.resource_commands import ResourceCommands
    from expctl.render.resources import SHARED_METRIC_COLUMNS, SHARED_METRIC_DEFAULT, shared_metric_detail

    return ResourceCommands(SHARED_METRICS, SHARED_METRIC_COLUMNS, SHARED_METRIC_DEFAULT, shared_metric_detail)


def _api(rt: Runtime) -> ResourceApi:
    return _commands().api(rt)


@shared_metrics_app.command(
    "list",
    epilog=examples(
        "expctl shared-metrics list",
        "expctl shared-metrics list --search revenue -o json",
        "expctl shared-metrics list --event purchase",
    ),
)
def list_command(
    ctx: typer.Context,
    search: Annotated[
        str | None, typer.Option(help="Only those whose name, description or tags contain this.", show_default=False)
    ] = None,
    event: Annotated[
        str | None,
        typer.Option(
            help="Only those whose metric uses this event (directly or through an action).", show_default=False
        ),
    ] = None,
    output: OutputOpt = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns", help="Columns: id, name, type, metric, tags, updated, description.", show_default=False
        ),
    ] = None,
) -> None:
    """List the project's shared metrics, by name."""
    rt = runtime_of(ctx)
    hint = "No shared metrics. Create one: expctl shared-metrics create --name NAME --metric SHORTHAND"
    _commands().list_rows(rt, output, columns, _api(rt).iter(search=search, event=event), hint)


@shared_metrics_app.command("get", epilog=examples("expctl shared-metrics get 'Revenue per user' -o json"))
def get_command(ctx: typer.Context, ref: SharedRefArg, output: OutputOpt = None) -> None:
    """Show one shared metric; -o json gives PostHog's object unchanged."""
    rt = runtime_of(ctx)
    _commands().show(rt, _api(rt).resolve(ref), output, always=True)


@shared_metrics_app.command(
    "create",
    epilog=examples(
        "expctl shared-metrics create --name 'Revenue per user' --metric 'mean: {event: purchase, sum: revenue}'",
        "expctl shared-metrics create --name Checkout --metric 'funnel: [$pageview, purchase]' --tag checkout",
    ),
)
def create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Unique in the project (any case).", show_default=False)],
    metric: Annotated[
        str,
        typer.Option("--metric", help="The metric in expctl's shorthand (YAML) or PostHog's JSON.", show_default=False),
    ],
    description: DescriptionOpt = None,
    tag: TagOpt = None,
    output: OutputOpt = None,
) -> None:
    """Create a shared metric; checked offline against PostHog's definitions first."""
    from expctl.core.metrics.from_spec import parse_metric_option

    body: dict[str, Any] = {"name": name, "query": parse_metric_option(metric, "--metric")}
    if description is not None:
        body["description"] = description
    if tag:
        body["tags"] = list(tag)
    rt = runtime_of(ctx)
    created = _api(rt).create(body)
    rt.messages.success(f"Created shared metric '{created.get('name')}' (id {created.get('id')})")
    _commands().show(rt, created, output)


@shared_metrics_app.command(
    "update",
    epilog=examples(
        "expctl shared-metrics update 'Revenue per user' --metric 'mean: {event: purchase, avg: revenue}'",
        "expctl shared-metrics update 3 --name 'Revenue per visitor'",
    ),
)
def update_command(
    ctx: typer.Context,
    ref: SharedRefArg,
    name: Annotated[str | None, typer.Option("--name", help="A new name.", show_default=False)] = None,
    metric: MetricOpt = None,
    description: DescriptionOpt = None,
    tag: TagOpt = None,
    output: OutputOpt = None,
) -> None:
    """Change a shared metric. Every experiment using it sees the change; it keeps its uuid."""
    from expctl.core.metrics.from_spec import parse_metric_option
    from expctl.errors import UsageError

    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if metric is not None:
        body["query"] = parse_metric_option(metric, "--metric")
    if description is not None:
        body["description"] = description
    if tag is not None:
        body["tags"] = list(tag)
    if not body:
        raise UsageError("nothing to change: give --name, --metric, --description or --tag")
    rt = runtime_of(ctx)
    api = _api(rt)
    current = api.resolve(ref)
    updated = api.update(int(current["id"]), body)
    rt.messages.success(f"Updated shared metric '{updated.get('name')}' (id {updated.get('id')}): {', '.join(body)}")
    _commands().show(rt, updated, output)


@shared_metrics_app.command("delete", epilog=examples("expctl shared-metrics delete 'Old metric' --yes"))
def delete_command(
    ctx: typer.Context,
    refs: Annotated[list[str], typer.Argument(metavar="SHARED_METRIC...", help="Ids or names.", show_default=False)],
    yes: YesOpt = False,
) -> None:
    """Delete shared metrics. PostHog unlinks them from every experiment that used them."""
    _commands().delete(runtime_of(ctx), refs, yes, "Experiments using it lose it.")


@shared_metrics_app.command(
    "link",
    epilog=examples(
        "expctl shared-metrics link checkout-v3 'Revenue per user'",
        "expctl shared-metrics link 42 7 --secondary",
    ),
)
def link_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    ref: SharedRefArg,
    secondary: Annotated[bool, typer.Option("--secondary", help="As a secondary metric (default: primary).")] = False,
    output: OutputOpt = None,
) -> None:
    """Use a shared metric in an experiment, as a primary or secondary metric."""
    from expctl.api.experiments import ExperimentRef
    from expctl.core.metrics.edit import link_patch

    rt = runtime_of(ctx)
    shared = _api(rt).resolve(ref)
    current = rt.experiments.resolve(ExperimentRef.parse(experiment))
    role = "secondary" if secondary else "primary"
    updated = rt.experiments.update_planned(
        current, link_patch(current, int(shared["id"]), role), on_retry=rt.messages.note
    )
    rt.messages.success(
        f"Linked shared metric '{shared.get('name')}' to '{current.get('name')}' (id {current.get('id')}) as {role}"
    )
    rt.show_changed(updated, output)


@shared_metrics_app.command("unlink", epilog=examples("expctl shared-metrics unlink checkout-v3 'Revenue per user'"))
def unlink_command(ctx: typer.Context, experiment: ExperimentArg, ref: SharedRefArg, output: OutputOpt = None) -> None:
    """Stop using a shared metric in an experiment, in either role (the shared metric stays)."""
    from expctl.api.experiments import ExperimentRef
    from expctl.core.metrics.edit import entries, unlink_patch
    from expctl.errors import NotFoundError

    rt = runtime_of(ctx)
    shared = _api(rt).resolve(ref)
    current = rt.experiments.resolve(ExperimentRef.parse(experiment))
    if not any(e.shared_id == shared.get("id") for e in entries(current)):
        raise NotFoundError(f"'{current.get('name')}' does not use shared metric '{shared.get('name')}'")
    updated = rt.experiments.update_planned(
        current, unlink_patch(current, int(shared["id"])), on_retry=rt.messages.note
    )
    rt.messages.success(f"Unlinked shared metric '{shared.get('name')}' from '{current.get('name')}'")
    rt.show_changed(updated, output)
