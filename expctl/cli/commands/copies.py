"""duplicate and copy: an experiment again, as a new draft, here or in another project."""

from __future__ import annotations

from typing import Annotated

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, OutputOpt, examples, new_app

duplicate_app = new_app()
copy_app = new_app()

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
    from expctl.core.apply.bodies import check_flag_key

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
    if shared:
        key = copy.get("feature_flag_key")
        rt.messages.note(
            f"Both experiments now use the flag {key}: launching, pausing or shipping one changes what the other "
            f"serves, and the key {key} means the one not archived (then not ended); use ids to tell them apart, "
            "or duplicate with --flag-key NEW for a flag of its own."
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
        str | None,
        typer.Option("--name", help="Name in the target project (default: '<name> (Copy)').", show_default=False),
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Copy an experiment as a new draft into another project.

    The usual way to promote an experiment from a staging project to production. Shared
    (saved) metrics stay behind: they belong to their project.
    """
    from expctl.api.experiments import ExperimentRef
    from expctl.core.apply.bodies import check_flag_key

    rt = runtime_of(ctx)
    if flag_key is not None:
        check_flag_key(flag_key)
    source = rt.experiments.resolve(ExperimentRef.parse(experiment))
    target = rt.experiments_of(rt.make_client(rt.api_key().secret.reveal(), project=str(to_project)))
    copy = rt.experiments.copy_to_project(source, target, target_project=to_project, flag_key=flag_key, name=name)
    rt.messages.success(
        f"Copied '{source.get('name')}' to project {to_project} as '{copy.get('name')}' (id {copy.get('id')}), "
        f"flag {copy.get('feature_flag_key')}"
    )
    rt.show_changed(copy, output)
