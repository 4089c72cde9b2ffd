"""validate, diff, apply, export, schema: experiments kept as YAML specs in git."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import (
    DryRunOpt,
    ParallelOpt,
    PlanOutputOpt,
    ProblemsOutputOpt,
    YesOpt,
    examples,
    new_app,
)
from expctl.cli.framework.spec_files import FilesOpt, load_files, report_problems
from expctl.render.words import plural

if TYPE_CHECKING:
    pass

validate_app = new_app()
diff_app = new_app()
apply_app = new_app()
schema_app = new_app()

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "experiment-spec.schema.json"


@validate_app.command(
    "validate",
    epilog=examples(
        "expctl validate -f experiments/",
        "expctl validate -f checkout.yaml -f pricing.yaml",
        "cat spec.yaml | expctl validate -f -",
    ),
)
def validate_command(ctx: typer.Context, files: FilesOpt, output: ProblemsOutputOpt = None) -> None:
    """Check spec files offline and report every problem as file:line:column.

    Unknown keys (with a suggestion), wrong types, variants without 'control' or not
    summing to 100, unknown states and flag keys used twice across files are all
    reported at once. Exit 2 when there is any problem. Nothing is sent to PostHog, so a
    holdout or shared metric named but not defined in the files is only noted (diff and
    apply look it up in PostHog). With overlays (environments/NAME/ in a spec directory),
    every environment's merged specs are checked too; --env checks that one alone.
    -o json gives editors and CI each problem as {file, line, column, message}.
    """
    from expctl.cli.framework.output_modes import PROBLEMS
    from expctl.core.specs.overlays import environment_names

    rt = runtime_of(ctx)
    mode = rt.output(output, PROBLEMS).mode
    stdin_text = rt.streams.stdin.read() if "-" in files else None
    result = load_files(rt, files, stdin_text)
    envs = [] if rt.options.env else environment_names(files)
    seen = {str(problem) for problem in result.problems}  # the base's, said once
    for env in envs:
        merged = load_files(rt, files, stdin_text, env)
        result.problems.extend(
            replace(problem, message=f"in environment {env}: {problem.message}")
            for problem in merged.problems
            if str(problem) not in seen
        )
    if mode != "plain":
        from expctl.render.problems import problems_data

        rt.output(mode).data(problems_data(result, envs))
    if result.problems:
        report_problems(rt, result, listed=mode != "plain")
    for note in result.notes:
        rt.messages.note(str(note))
    where = f" (and {plural(len(envs), 'environment')}: {', '.join(envs)})" if envs else ""
    rt.messages.success(f"{plural(result.documents, 'spec')} in {plural(result.files, 'file')}{where}: valid")


@diff_app.command(
    "diff",
    epilog=examples(
        "expctl diff -f experiments/                # exit 0 in sync, 8 changes pending",
        "expctl diff -f experiments/ -o json | jq '.[] | select(.action != \"unchanged\")'",
    ),
)
def diff_command(
    ctx: typer.Context,
    files: FilesOpt = [],  # noqa: B006 - typer's way to make a repeated option optional
    output: PlanOutputOpt = None,
    show_unchanged: Annotated[
        bool, typer.Option("--show-unchanged", help="List experiments already in sync too.")
    ] = False,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="Compare this environment's live experiments with another's (no -f).",
            show_default=False,
        ),
    ] = None,
    parallel: ParallelOpt = 8,
) -> None:
    """Show what `apply` would do: creates, field-by-field updates, lifecycle moves.

    Exit 0 when PostHog matches the specs, 8 when changes are pending, 6 when a spec
    asks for something PostHog refuses (a backwards state move, new variant keys on a
    launched experiment, ...), 2 for invalid specs. With --against ENV instead of -f:
    the drift between two live environments, as `promote` would close it.
    """
    from expctl.cli.framework.apply_view import apply_deps, show_run
    from expctl.cli.jobs.apply import ApplyOptions, plan_only
    from expctl.errors import UsageError

    rt = runtime_of(ctx)
    if bool(files) == bool(against):
        raise UsageError("give spec files with -f, or another environment with --against (not both)")
    target = rt.for_environment(against) if against else rt
    deps = apply_deps(target, output, yes=False, shown_first=True, locked=False, show_unchanged=show_unchanged)
    if against:
        from expctl.cli.framework.apply_view import live_source
        from expctl.cli.jobs.promote import live_specs

        source = live_source(rt)
        run = plan_only(
            lambda: live_specs(source, [], with_state=False, parallel=parallel, target_actions=target.actions),
            ApplyOptions(parallel=parallel),
            deps,
        )
    else:
        run = plan_only(lambda: load_files(rt, files, cached=True), ApplyOptions(parallel=parallel), deps)
    show_run(target, run, output)


@apply_app.command(
    "apply",
    epilog=examples(
        "expctl apply -f experiments/               # shows the plan, asks, applies",
        "expctl apply -f experiments/ --yes         # CI, after review",
        "expctl apply -f experiments/ --dry-run     # the same as `expctl diff`",
    ),
)
def apply_command(
    ctx: typer.Context,
    files: FilesOpt,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    output: PlanOutputOpt = None,
    parallel: ParallelOpt = 8,
) -> None:
    """Make PostHog match the specs: create, update and move experiments.

    Prints the plan, asks on a terminal (--yes without one), then applies independent
    experiments in parallel within PostHog's rate limits. A failure on one experiment
    does not stop the others; all are reported at the end and the exit code is non-zero.
    Ctrl-C starts nothing new, lets running requests finish, says what was done and
    what was not, and exits 130.
    """
    from expctl.cli.framework.apply_view import apply_deps, plan_mode, show_run
    from expctl.cli.jobs.apply import ApplyOptions, run_apply

    rt = runtime_of(ctx)
    shown_first = dry_run or plan_mode(rt, output) == "table"
    deps = apply_deps(rt, output, yes=yes, shown_first=shown_first, locked=not dry_run)
    run = run_apply(lambda: load_files(rt, files, cached=True), ApplyOptions(dry_run=dry_run, parallel=parallel), deps)
    show_run(rt, run, output)


@schema_app.command("schema", epilog=examples("expctl schema > experiment.schema.json", "expctl schema --path"))
def schema_command(
    ctx: typer.Context,
    path: Annotated[bool, typer.Option("--path", help="Print where the installed schema file is instead.")] = False,
) -> None:
    """Print the JSON Schema of the spec format, for editors.

    Save it next to your specs and start each spec file with
    `# yaml-language-server: $schema=./experiment.schema.json` to get completion and
    checks in editors that use the YAML language server (VS Code, Neovim, ...).
    """
    rt = runtime_of(ctx)
    rt.output("plain").text(str(SCHEMA_FILE) + "\n" if path else SCHEMA_FILE.read_text(encoding="utf-8"))
