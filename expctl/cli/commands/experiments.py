"""list, get, update, delete (create is in create_cmd)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from expctl.cli.framework import value_completion
from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ColumnsOpt, ExperimentArg, ExperimentsArg, OutputOpt, YesOpt, examples, new_app
from expctl.cli.framework.runtime import Runtime
from expctl.cli.views.experiments import DEFAULT_LIMIT

list_app = new_app()
get_app = new_app()
update_app = new_app()
delete_app = new_app()


StatusOpt = Annotated[
    str | None,
    typer.Option(
        help="draft, running, paused, exposure_frozen, stopped (or complete), all.",
        show_default=False,
        autocompletion=value_completion.statuses,
    ),
]
ArchivedOpt = Annotated[bool, typer.Option("--archived", help="List archived experiments instead.")]
SearchOpt = Annotated[str | None, typer.Option(help="Only names containing this text.", show_default=False)]
CreatedByOpt = Annotated[
    int | None, typer.Option("--created-by", help="Only those created by this user id.", show_default=False)
]
OrderOpt = Annotated[
    str | None,
    typer.Option(
        help="Sort: created_at, updated_at, name, start_date, end_date, duration, status; '-' for descending.",
        show_default=False,
        autocompletion=value_completion.orders,
    ),
]
TagOpt = Annotated[
    list[str] | None, typer.Option("--tag", metavar="TAG", help="Only those with this tag (repeat: any of them).")
]
ExcludeTagOpt = Annotated[
    list[str] | None, typer.Option("--exclude-tag", metavar="TAG", help="Leave out those with this tag (repeatable).")
]
LimitOpt = Annotated[int, typer.Option(help="How many to show.", min=1)]
OffsetOpt = Annotated[int, typer.Option(help="Skip this many first.", min=0)]
AllOpt = Annotated[bool, typer.Option("--all", help="Every experiment, fetching all pages.")]


@list_app.command(
    "list",
    epilog=examples(
        "expctl list                                  # newest 100, table on a terminal",
        "expctl list --status running --search checkout",
        "expctl list --archived                       # archived experiments only",
        "expctl list --tag checkout --exclude-tag q3",
        "expctl list --all -o jsonl | jq .name        # every experiment, streamed",
        "expctl list --columns id,flag,status -o plain | cut -f2",
    ),
)
def list_command(
    ctx: typer.Context,
    status: StatusOpt = None,
    archived: ArchivedOpt = False,
    search: SearchOpt = None,
    created_by: CreatedByOpt = None,
    tag: TagOpt = None,
    exclude_tag: ExcludeTagOpt = None,
    order: OrderOpt = None,
    limit: LimitOpt = DEFAULT_LIMIT,
    offset: OffsetOpt = 0,
    all_: AllOpt = False,
    output: OutputOpt = None,
    columns: ColumnsOpt = None,
) -> None:
    """List experiments.

    Newest first; archived experiments only with --archived. When more exist than were
    shown, a note on stderr says how many and how to see them.
    """
    from expctl.cli.views.experiments import show_list

    show_list(
        runtime_of(ctx),
        status=status,
        archived=archived,
        search=search,
        created_by=created_by,
        tag=tag,
        exclude_tag=exclude_tag,
        order=order,
        limit=limit,
        offset=offset,
        all_=all_,
        output=output,
        columns=columns,
    )


@get_app.command(
    "get",
    epilog=examples(
        "expctl get 42",
        "expctl get checkout-redesign -o json | jq .parameters",
        "expctl get checkout-redesign -o yaml",
    ),
)
def get_command(
    ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = None, columns: ColumnsOpt = None
) -> None:
    """Show one experiment.

    EXPERIMENT is a numeric id or the experiment's feature flag key. On a terminal a
    summary is shown; -o json gives PostHog's object unchanged.
    """
    from expctl.cli.views.experiments import show_experiment

    show_experiment(runtime_of(ctx), experiment=experiment, output=output, columns=columns)


UpdateSetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="FIELD=JSON, repeated; any writable experiment field.", show_default=False),
]
UpdateFlagOpt = Annotated[
    bool,
    typer.Option("--update-flag", help="Also apply variant/rollout changes to the flag of a launched experiment."),
]


@update_app.command(
    "update",
    epilog=examples(
        "expctl update checkout-v2 --name 'Checkout v2 (mobile)'",
        "expctl update 42 --description 'Now with Apple Pay'",
        'expctl update 42 --set \'metrics=[{"kind": "ExperimentMetric", "metric_type": "mean", '
        '"source": {"kind": "EventsNode", "event": "purchase"}}]\'',
        "expctl update 42 --set conclusion='\"won\"' -o json",
    ),
)
def update_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    name: Annotated[str | None, typer.Option(help="New name.", show_default=False)] = None,
    description: Annotated[str | None, typer.Option(help="New description.", show_default=False)] = None,
    set_: UpdateSetOpt = None,
    update_flag: UpdateFlagOpt = False,
    output: OutputOpt = None,
) -> None:
    """Change fields of an experiment.

    Only fields whose value differs from PostHog's are sent (PATCH). On a launched
    experiment, variant splits in `parameters` reach the flag only with --update-flag,
    and changing the split biases results that are already collected.
    """
    from expctl.api.experiments import ExperimentRef
    from expctl.core.apply.bodies import changed_fields, check_name, parse_sets
    from expctl.core.specs.fields import CREATE_ONLY_FIELDS, WRITE_ONLY_FIELDS
    from expctl.errors import UsageError
    from expctl.model.experiment import status_of

    rt = runtime_of(ctx)
    wanted = parse_sets(set_ or [])
    if name is not None:
        check_name(name)
    wanted.update({k: v for k, v in (("name", name), ("description", description)) if v is not None})
    if not wanted:
        raise UsageError("nothing to change", hint="pass --name, --description or --set FIELD=JSON")
    current = rt.experiments.resolve(ExperimentRef.parse(experiment))
    for field in CREATE_ONLY_FIELDS & set(wanted):
        if wanted[field] != current.get(field):
            raise UsageError(f"{field} cannot change after creation (PostHog refuses it)")
        del wanted[field]
    changes = changed_fields(current, wanted, WRITE_ONLY_FIELDS)
    if not changes:
        rt.messages.info(f"No changes: {_label(current)} already has those values.")
        rt.show_changed(current, output)
        return
    if "parameters" in changes and status_of(current) != "draft":
        if update_flag:
            changes["update_feature_flag_params"] = True
            rt.messages.warn("changing the split of a launched experiment biases the results collected so far")
        else:
            rt.messages.warn("the experiment is launched: its flag keeps the old split unless you pass --update-flag")
    _send_update(rt, current, changes, output)


def _send_update(rt: Runtime, current: Mapping[str, Any], changes: dict[str, Any], output: str | None) -> None:
    """PATCH, then say what was stored: fields an older PostHog does not have are named,
    never claimed; exit 6 when none of what was asked for was stored."""
    from expctl.core.specs.fields import fields_not_stored, not_computable_warning
    from expctl.errors import RejectedError
    from expctl.render.words import unstored_message

    updated = rt.experiments.update_planned(current, changes, on_retry=rt.messages.note)
    asked = sorted(k for k in changes if k != "update_feature_flag_params")
    ignored = fields_not_stored({k: changes[k] for k in asked}, updated)
    if ignored:
        rt.messages.warn(unstored_message(ignored))
    warning = not_computable_warning(changes, updated)
    if warning:
        rt.messages.warn(warning)
    stored = [k for k in asked if k not in ignored]
    if not stored:
        raise RejectedError(
            f"nothing was stored: {_label(current)} is unchanged",
            hint="`expctl doctor` lists the fields this PostHog has",
        )
    rt.messages.success(f"Updated {_label(current)}: {', '.join(stored)}")
    rt.show_changed(updated, output)


def _label(experiment: Mapping[str, Any]) -> str:
    return f"'{experiment.get('name')}' (id {experiment.get('id')})"


@delete_app.command(
    "delete",
    epilog=examples(
        "expctl delete 42                    # asks first on a terminal",
        "expctl delete old-test other-test --yes",
    ),
)
def delete_command(ctx: typer.Context, experiments: ExperimentsArg, yes: YesOpt = False) -> None:
    """Delete experiments.

    Current PostHog keeps a deleted experiment in its database (soft delete) and leaves
    its feature flag alone; older self-hosted releases delete it for good. Every
    experiment is looked up first, so a typo deletes nothing.
    """
    from expctl.api.experiments import ExperimentRef
    from expctl.cli.framework.prompts import confirm

    rt = runtime_of(ctx)
    refs = [ExperimentRef.parse(text) for text in experiments]
    targets = [rt.experiments.resolve(ref, exact=True) for ref in refs]  # a delete cannot be undone: no guessing
    names = ", ".join(f"'{t.get('name')}' (id {t.get('id')})" for t in targets)
    confirm(rt, f"Delete {names}?", action=f"deleting {names}", assume_yes=yes)
    for target in targets:
        how = rt.experiments.delete(int(target["id"]))
        suffix = "" if how == "soft" else " (permanently: this server has no soft delete)"
        rt.messages.success(f"Deleted '{target.get('name')}' (id {target.get('id')}){suffix}")
