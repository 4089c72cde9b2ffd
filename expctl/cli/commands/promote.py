"""promote: what was tried in one environment, as it now stands there, made so in another.

The source environment's live experiments are read and written as specs (as `export`
writes them: holdouts and shared metrics by name), then planned and applied against the
target exactly as `apply` does: the same plan, confirmation, exit codes and zero-write
re-run. Names are resolved in the target, and a holdout or shared metric it lacks is
refused in the plan, before any write. Lifecycle is not promoted unless asked
(--with-state): a running experiment in staging does not launch production by itself,
and an experiment new to the target is created as a draft.
"""

from __future__ import annotations

from typing import Annotated

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import DryRunOpt, ParallelOpt, PlanOutputOpt, YesOpt, examples, new_app

promote_app = new_app()


@promote_app.command(
    "promote",
    epilog=examples(
        "expctl promote --from staging --to prod                      # every experiment; shows, asks, applies",
        "expctl promote --from staging --to prod checkout-redesign --yes",
        "expctl promote --from staging --to prod --dry-run            # exit 8 when prod differs",
    ),
)
def promote_command(
    ctx: typer.Context,
    experiments: Annotated[
        list[str] | None,
        typer.Argument(
            help="Flag keys or ids in the source; default: every one not archived.",
            metavar="[EXPERIMENT]...",
            show_default=False,
        ),
    ] = None,
    source: Annotated[str, typer.Option("--from", help="Environment to read (a profile).", show_default=False)] = "",
    target: Annotated[str, typer.Option("--to", help="Environment to change (a profile).", show_default=False)] = "",
    with_state: Annotated[
        bool, typer.Option("--with-state", help="Promote lifecycle too (launch, pause, end as in the source).")
    ] = False,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    output: PlanOutputOpt = None,
    parallel: ParallelOpt = 8,
) -> None:
    """Make another environment's experiments match this one's, as they stand now.

    Reads the experiments of --from (the profile of that name) and applies them to --to
    like `apply` applies specs: the plan first, a question on a terminal (--yes without
    one), exit 0 done or nothing to do, 8 with --dry-run when changes are pending, 6 when
    the target refuses something (a holdout or shared metric it lacks, by name). State
    is left alone unless --with-state.
    """
    from expctl.cli.framework.apply_view import apply_deps, live_source, plan_mode, show_run
    from expctl.cli.jobs.apply import ApplyOptions
    from expctl.cli.jobs.promote import PromoteOptions, promote
    from expctl.errors import UsageError

    rt = runtime_of(ctx)
    if not source or not target or source == target:
        raise UsageError("name two environments: --from SOURCE --to TARGET", hint="environments are profiles")
    reading, writing = rt.for_environment(source), rt.for_environment(target)
    options = PromoteOptions(tuple(experiments or ()), with_state, ApplyOptions(dry_run=dry_run, parallel=parallel))
    shown_first = dry_run or plan_mode(writing, output) == "table"
    deps = apply_deps(writing, output, yes=yes, shown_first=shown_first, locked=not dry_run)
    show_run(writing, promote(live_source(reading), writing.actions, options, deps), output)
