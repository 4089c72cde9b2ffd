"""holdouts list / get / create / update / delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import OutputOpt, YesOpt, examples, new_app

if TYPE_CHECKING:
    from expctl.api.resources import ResourceApi
    from expctl.cli.framework.resource_commands import ResourceCommands
    from expctl.cli.framework.runtime import Runtime

holdouts_app = new_app(
    help="Manage holdouts: users kept out of the experiments that use them.",
    no_args_is_help=True,
    epilog=examples(
        "expctl holdouts create --name 'Global holdout' --percentage 10",
        "expctl holdouts list",
        "expctl create --name 'Checkout v3' --flag-key checkout-v3 --holdout 'Global holdout'",
    ),
)

HoldoutArg = Annotated[str, typer.Argument(help="Holdout id, or its name.", metavar="HOLDOUT", show_default=False)]
_PERCENTAGE_HELP = "Share of users held back, in percent: 10 or 10%."
PercentageOpt = Annotated[
    str | None, typer.Option("--percentage", metavar="PERCENT", help=_PERCENTAGE_HELP, show_default=False)
]
DescriptionOpt = Annotated[str | None, typer.Option("--description", help="Why it exists.", show_default=False)]


def _commands() -> ResourceCommands:
    from expctl.api.resources import HOLDOUTS
    from expctl.cli.framework.resource_commands import ResourceCommands
    from expctl.render.resources import HOLDOUT_COLUMNS, HOLDOUT_DEFAULT, holdout_detail

    return ResourceCommands(HOLDOUTS, HOLDOUT_COLUMNS, HOLDOUT_DEFAULT, holdout_detail)


def _api(rt: Runtime) -> ResourceApi:
    return _commands().api(rt)


def _filters(text: str) -> list[dict[str, Any]]:
    """As PostHog stores a holdout: one release group; PostHog adds ``variant: holdout-{id}``."""
    from expctl.settings.quantities import percentage

    value = percentage(text, "--percentage")
    share: float | int = int(value) if value.is_integer() else value
    return [{"properties": [], "rollout_percentage": share}]


@holdouts_app.command("list", epilog=examples("expctl holdouts list", "expctl holdouts list -o json"))
def list_command(
    ctx: typer.Context,
    output: OutputOpt = None,
    columns: Annotated[
        str | None,
        typer.Option("--columns", help="Columns: id, name, held_back, description, created.", show_default=False),
    ] = None,
) -> None:
    """List the project's holdouts, newest first."""
    rt = runtime_of(ctx)
    hint = "No holdouts. Create one: expctl holdouts create --name NAME --percentage 10"
    _commands().list_rows(rt, output, columns, _api(rt).iter(), hint)


@holdouts_app.command("get", epilog=examples("expctl holdouts get 'Global holdout' -o json"))
def get_command(ctx: typer.Context, ref: HoldoutArg, output: OutputOpt = None) -> None:
    """Show one holdout; -o json gives PostHog's object unchanged."""
    rt = runtime_of(ctx)
    _commands().show(rt, _api(rt).resolve(ref), output, always=True)


@holdouts_app.command(
    "create",
    epilog=examples(
        "expctl holdouts create --name 'Global holdout' --percentage 10",
        "expctl holdouts create --name 'Q3 holdout' --percentage 5 --description 'Long-term effect of Q3 launches'",
    ),
)
def create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Its name.", show_default=False)],
    percentage: Annotated[str, typer.Option("--percentage", metavar="PERCENT", help=_PERCENTAGE_HELP)],
    description: DescriptionOpt = None,
    output: OutputOpt = None,
) -> None:
    """Create a holdout holding back PERCENTAGE% of users from the experiments that use it."""
    body: dict[str, Any] = {"name": name, "filters": _filters(percentage)}
    if description is not None:
        body["description"] = description
    rt = runtime_of(ctx)
    created = _api(rt).create(body)
    rt.messages.success(f"Created holdout '{created.get('name')}' (id {created.get('id')})")
    _commands().show(rt, created, output)


@holdouts_app.command(
    "update",
    epilog=examples(
        "expctl holdouts update 'Global holdout' --percentage 5", "expctl holdouts update 3 --name 'Global'"
    ),
)
def update_command(
    ctx: typer.Context,
    ref: HoldoutArg,
    name: Annotated[str | None, typer.Option("--name", help="A new name.", show_default=False)] = None,
    percentage: PercentageOpt = None,
    description: DescriptionOpt = None,
    output: OutputOpt = None,
) -> None:
    """Change a holdout. A new percentage is written to the flag of every experiment using it."""
    from expctl.errors import UsageError

    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if percentage is not None:
        body["filters"] = _filters(percentage)
    if description is not None:
        body["description"] = description
    if not body:
        raise UsageError("nothing to change: give --name, --percentage or --description")
    rt = runtime_of(ctx)
    api = _api(rt)
    current = api.resolve(ref)
    body = _only_changes(current, body)
    if not body:
        rt.messages.info(f"Nothing to do: holdout '{current.get('name')}' (id {current.get('id')}) already is so.")
        return
    updated = api.update(int(current["id"]), body)
    changed = ", ".join("percentage" if k == "filters" else k for k in body)
    rt.messages.success(f"Updated holdout '{updated.get('name')}' (id {updated.get('id')}): {changed}")
    _commands().show(rt, updated, output)


def _only_changes(current: Mapping[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """What differs from PostHog's holdout, compared as `apply` compares it. PostHog
    rewrites the flag of every experiment in the holdout whenever the filters sent differ
    from the stored ones, which carry the ``variant`` it adds
    (``ExperimentHoldoutSerializer.update``): the same percentage is not sent at all."""
    from expctl.core.apply.resources import comparable

    return {key: value for key, value in body.items() if comparable(key, value) != comparable(key, current.get(key))}


@holdouts_app.command("delete", epilog=examples("expctl holdouts delete 'Old holdout' --yes"))
def delete_command(
    ctx: typer.Context,
    refs: Annotated[list[str], typer.Argument(metavar="HOLDOUT...", help="Ids or names.", show_default=False)],
    yes: YesOpt = False,
) -> None:
    """Delete holdouts. PostHog removes them from the experiments and flags that used them."""
    _commands().delete(runtime_of(ctx), refs, yes, "PostHog removes it from the experiments using it.")
