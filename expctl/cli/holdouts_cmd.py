"""holdouts list / get / create / update / delete."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from expctl.cli.app import runtime_of
from expctl.cli.options import OutputOpt, YesOpt, examples, new_app

holdouts_app = new_app(
    help="Manage holdouts: a share of users kept out of every experiment that uses the holdout.",
    no_args_is_help=True,
    epilog=examples(
        "expctl holdouts create --name 'Global holdout' --percentage 10",
        "expctl holdouts list",
        "expctl create --name 'Checkout v3' --flag-key checkout-v3 --holdout 'Global holdout'",
    ),
)

HoldoutArg = Annotated[str, typer.Argument(help="Holdout id, or its name.", metavar="HOLDOUT", show_default=False)]
PercentageOpt = Annotated[
    float | None,
    typer.Option("--percentage", help="Share of users held back, 0 to 100.", min=0, max=100, show_default=False),
]
DescriptionOpt = Annotated[str | None, typer.Option("--description", help="Why it exists.", show_default=False)]


def _api(rt: Any) -> Any:
    from expctl.api.resources import HOLDOUTS, ResourceApi

    return ResourceApi(rt.client, HOLDOUTS)


def _filters(percentage: float) -> list[dict[str, Any]]:
    """As PostHog stores a holdout: one release group; PostHog adds ``variant: holdout-{id}``."""
    share: float | int = int(percentage) if float(percentage).is_integer() else percentage
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
    from expctl.render.columns import choose_columns
    from expctl.render.resources import HOLDOUT_COLUMNS, HOLDOUT_DEFAULT

    rt = runtime_of(ctx)
    out = rt.output(output)
    count = out.rows(_api(rt).iter(), choose_columns(columns, HOLDOUT_COLUMNS, default=HOLDOUT_DEFAULT))
    if count == 0 and out.mode == "table":
        rt.messages.note("No holdouts. Create one: expctl holdouts create --name NAME --percentage 10")


@holdouts_app.command("get", epilog=examples("expctl holdouts get 'Global holdout' -o json"))
def get_command(ctx: typer.Context, ref: HoldoutArg, output: OutputOpt = None) -> None:
    """Show one holdout; -o json gives PostHog's object unchanged."""
    rt = runtime_of(ctx)
    _show(rt, _api(rt).resolve(ref), output or None, always=True)


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
    percentage: Annotated[
        float, typer.Option("--percentage", help="Share of users held back, 0 to 100.", min=0, max=100)
    ],
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
    _show(rt, created, output)


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
    updated = api.update(int(current["id"]), body)
    changed = ", ".join("percentage" if k == "filters" else k for k in body)
    rt.messages.success(f"Updated holdout '{updated.get('name')}' (id {updated.get('id')}): {changed}")
    _show(rt, updated, output)


@holdouts_app.command("delete", epilog=examples("expctl holdouts delete 'Old holdout' --yes"))
def delete_command(
    ctx: typer.Context,
    refs: Annotated[list[str], typer.Argument(metavar="HOLDOUT...", help="Ids or names.", show_default=False)],
    yes: YesOpt = False,
) -> None:
    """Delete holdouts. PostHog removes them from the experiments and flags that used them."""
    from expctl.cli.prompts import confirm

    rt = runtime_of(ctx)
    api = _api(rt)
    targets = [api.resolve(ref) for ref in refs]
    names = ", ".join(f"'{t.get('name')}' (id {t.get('id')})" for t in targets)
    confirm(rt, f"Delete holdout {names}?", action=f"deleting {names}", assume_yes=yes)
    for target in targets:
        api.delete(int(target["id"]))
        rt.messages.success(f"Deleted holdout '{target.get('name')}' (id {target.get('id')})")


def _show(rt: Any, obj: Any, output: str | None, *, always: bool = False) -> None:
    if output or always:
        from expctl.render.columns import choose_columns
        from expctl.render.resources import HOLDOUT_COLUMNS, HOLDOUT_DEFAULT, holdout_detail

        columns = choose_columns(None, HOLDOUT_COLUMNS, HOLDOUT_DEFAULT)
        rt.output(output).item(obj, columns, holdout_detail)
