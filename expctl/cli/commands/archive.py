"""archive and unarchive: several experiments at once, each reported on its own line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentsArg, OutputOpt, examples, new_app
from expctl.cli.framework.runtime import Runtime

archive_app = new_app()
unarchive_app = new_app()


@archive_app.command(
    "archive",
    epilog=examples(
        "expctl archive checkout-v1",
        "expctl archive 12 13 14",
        "expctl archive old-test --disable-flag      # also turn its feature flag off",
    ),
)
def archive_command(
    ctx: typer.Context,
    experiments: ExperimentsArg,
    disable_flag: Annotated[
        bool, typer.Option("--disable-flag", help="Also deactivate the feature flag (ended experiments only).")
    ] = False,
    output: OutputOpt = None,
) -> None:
    """Archive experiments (hide them from lists).

    Archived experiments are listed with `expctl list --archived` and come back with
    `expctl unarchive`. Nothing else changes: a running experiment keeps running.
    """
    rt = runtime_of(ctx)
    _each(
        rt,
        experiments,
        "archive",
        "Archived",
        lambda exp, ref: rt_lifecycle(rt).archive(exp, ref, disable_flag=disable_flag),
        output,
    )


@unarchive_app.command("unarchive", epilog=examples("expctl unarchive checkout-v1", "expctl unarchive 12 13 -o json"))
def unarchive_command(ctx: typer.Context, experiments: ExperimentsArg, output: OutputOpt = None) -> None:
    """Bring archived experiments back.

    They appear in `expctl list` again, in the state they were archived in.
    """
    rt = runtime_of(ctx)
    _each(rt, experiments, "unarchive", "Unarchived", lambda exp, ref: rt_lifecycle(rt).unarchive(exp, ref), output)


def rt_lifecycle(rt: Runtime) -> Any:
    from expctl.api.lifecycle import Lifecycle

    return Lifecycle(rt.experiments)


def _each(
    rt: Runtime,
    refs: list[str],
    verb: str,
    past: str,
    move: Callable[[Mapping[str, Any], str], Mapping[str, Any]],
    output: str | None,
) -> None:
    """Apply ``move`` to every experiment; keep going after a failure, exit with the first."""
    from expctl.api.experiments import ExperimentRef
    from expctl.cli.framework.failures import write_error
    from expctl.core.lifecycle import check_move
    from expctl.errors import AlreadySaidError, ExpctlError
    from expctl.render.columns import choose_columns

    changed: list[Mapping[str, Any]] = []
    first_failure = 0
    for text in refs:
        try:
            exp = rt.experiments.resolve(ExperimentRef.parse(text))
            check_move(verb, exp, text)
            after = move(exp, text)
        except ExpctlError as exc:
            code = write_error(exc, rt.messages)
            first_failure = first_failure or code
            continue
        changed.append(after)
        rt.messages.success(f"{past} '{after.get('name')}' (id {after.get('id')})")
    if output and changed:
        rt.output(output).rows(changed, choose_columns(None))
    if first_failure:
        raise AlreadySaidError(first_failure)
