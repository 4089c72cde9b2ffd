"""validate, diff, apply, export, schema: experiments kept as YAML specs in git."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import PlanOutputOpt, ProblemsOutputOpt, YesOpt, examples, new_app
from expctl.cli.framework.runtime import Runtime
from expctl.render.words import plural

if TYPE_CHECKING:
    from collections.abc import Callable

    from expctl.core.apply.execute import Execution
    from expctl.core.apply.pipeline import AnyOutcome, Applied
    from expctl.core.apply.plan import Plan
    from expctl.core.specs.load import SpecSet

validate_app = new_app()
diff_app = new_app()
apply_app = new_app()
schema_app = new_app()

FilesOpt = Annotated[
    list[str],
    typer.Option(
        "--filename",
        "-f",
        help="Spec file or directory (searched for *.yaml and *.yml), repeated; '-' reads standard input.",
        show_default=False,
    ),
]
ParallelOpt = Annotated[int, typer.Option("--parallel", help="Experiments to work on at once.", min=1, max=32)]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Only show the plan (exit 8 when changes are pending).")]
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
    result = _load(rt, files, stdin_text)
    envs = [] if rt.options.env else environment_names(files)
    seen = {str(problem) for problem in result.problems}  # the base's, said once
    for env in envs:
        merged = _load(rt, files, stdin_text, env)
        result.problems.extend(
            replace(problem, message=f"in environment {env}: {problem.message}")
            for problem in merged.problems
            if str(problem) not in seen
        )
    if mode != "plain":
        from expctl.render.problems import problems_data

        rt.output(mode).data(problems_data(result, envs))
    if result.problems:
        _report_problems(rt, result, listed=mode != "plain")
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
    from expctl.errors import UsageError

    rt = runtime_of(ctx)
    if bool(files) == bool(against):
        raise UsageError("give spec files with -f, or another environment with --against (not both)")
    if against:
        from expctl.cli.commands.export import live_specs

        target = rt.for_environment(against)
        plan = _plan(target, lambda: live_specs(rt, [], with_state=False, parallel=parallel, target=target), parallel)
        _print_plan(target, plan, output, show_unchanged)
    else:
        plan = _plan(rt, lambda: _load(rt, files), parallel)
        _print_plan(rt, plan, output, show_unchanged)
    _end_with_plan(plan)


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
    rt = runtime_of(ctx)
    locked_apply(rt, lambda: _load(rt, files), dry_run=dry_run, yes=yes, output=output, parallel=parallel)


def locked_apply(
    rt: Runtime, load: Callable[[], SpecSet], *, dry_run: bool, yes: bool, output: str | None, parallel: int
) -> None:
    """Read, plan, show, confirm, write: under the project's apply lock unless only showing."""
    if dry_run:
        _apply(rt, load, True, yes, output, parallel)
        return
    from expctl.cli.state.apply_lock import apply_lock, lock_path
    from expctl.cli.state.unsafe_cache import warn_once_about

    warn_once_about(rt.env, rt.messages)
    target = f"project {rt.settings.project} on {rt.settings.host}"
    with apply_lock(lock_path(rt.env, rt.settings.host, rt.settings.project), target=target, say=rt.messages.note):
        _apply(rt, load, False, yes, output, parallel)


def _apply(
    rt: Runtime, load: Callable[[], SpecSet], dry_run: bool, yes: bool, output: str | None, parallel: int
) -> None:
    try:
        plan = _plan(rt, load, parallel)
    except KeyboardInterrupt:
        from expctl.errors import InterruptedByUserError

        raise InterruptedByUserError(
            "interrupted while reading PostHog's experiments; nothing was applied",
            hint="run the same apply again",
        ) from None
    mode = _plan_mode(rt, output)
    if mode == "table" or dry_run:
        _print_plan(rt, plan, output, False)
    if dry_run:
        _end_with_plan(plan)
        return
    if not plan.pending:
        _nothing_to_apply(rt, plan, mode)
        return
    from expctl.cli.framework.prompts import confirm
    from expctl.render.plan import what_changes

    what = what_changes(plan)
    where = f"project {rt.client.project} on {rt.settings.host}" + (f" ({rt.options.env})" if rt.options.env else "")
    confirm(rt, f"Apply these changes to {what} in {where}?", action=f"applying changes to {what}", assume_yes=yes)
    applied = _run_apply(rt, plan, mode, parallel)
    for outcome in applied.execution.outcomes:  # what PostHog answered is the newest version
        if outcome.experiment is not None:
            rt.experiment_cache.remember(outcome.experiment)
    rt.experiment_cache.save()
    _end_with_outcomes(rt, plan, applied, mode)


def _nothing_to_apply(rt: Runtime, plan: Plan, mode: str) -> None:
    from expctl.errors import RejectedError
    from expctl.render.plan import plan_json

    if mode != "table":
        rt.output(mode).data({"plan": plan_json(plan), "results": []})
    rt.messages.info("Nothing to apply: PostHog already matches the specs.")
    if plan.has_errors:
        raise RejectedError()  # the plan printed the refusals


def _run_apply(rt: Runtime, plan: Plan, mode: str, parallel: int) -> Applied:
    """Carry out the plan; in text mode, a line per object as each one finishes."""
    import threading

    from expctl.api.backend import ApiBackend
    from expctl.cli.framework.interrupts import CTRL_C_NOTE, ctrl_c_stops
    from expctl.core.apply.execute import Outcome
    from expctl.core.apply.pipeline import apply_plan
    from expctl.render.plan import outcome_line, resource_outcome_line
    from expctl.render.style import Styler

    style = Styler(rt.stdout_color)
    count = sum(1 for item in plan.items if item.pending)
    with rt.progress("Applying", total=count, output=None if mode == "table" else mode) as bar:

        def report(outcome: AnyOutcome) -> None:
            if isinstance(outcome, Outcome):
                line = outcome_line(outcome, style)
                bar.advance()
            else:
                line = resource_outcome_line(outcome, style)
            if mode == "table":
                bar.line(line, lambda text: rt.output("plain").text(text, flush=True))

        stop = threading.Event()
        with ctrl_c_stops(stop, lambda: rt.messages.note(CTRL_C_NOTE)):
            return apply_plan(plan, ApiBackend(rt.experiments), parallel=parallel, stop=stop, on_outcome=report)


def _end_with_outcomes(rt: Runtime, plan: Plan, applied: Applied, mode: str) -> None:
    """The summary, each failure, and the exit: 130 interrupted, the first failure's
    code, 6 when the plan refused a spec, else 0."""
    from expctl.core.apply.pipeline import counts
    from expctl.errors import AlreadySaidError, InterruptedByUserError, RejectedError
    from expctl.render.plan import interrupted_summary, outcomes_json, plan_json, resources_json, summary_line

    execution = applied.execution
    if mode != "table":
        results = resources_json(applied.resources) + outcomes_json(execution.outcomes)
        rt.output(mode).data({"plan": plan_json(plan), "results": results})
    rt.messages.info(f"Applied: {summary_line(counts(plan, applied))}.")
    _warn_uncomputable(rt, execution)
    failures = applied.failures
    for failure in failures:
        assert failure.error is not None
        rt.messages.error(f"{failure.key}: {failure.error.message}", failure.error.hint)
    if execution.interrupted:
        finished, not_applied = interrupted_summary(execution.outcomes)
        if finished:
            rt.messages.info(f"In flight at Ctrl-C and finished: {finished}.")
        raise InterruptedByUserError(
            f"interrupted; not applied: {not_applied}", hint="run the same apply again to finish"
        )
    if failures:
        assert failures[0].error is not None
        raise AlreadySaidError(failures[0].error.exit_code)
    if plan.has_errors:
        raise RejectedError()  # the plan printed the refusals


def _warn_uncomputable(rt: Runtime, execution: Execution) -> None:
    """Experiments this apply created with metrics the release cannot compute: the plan
    could not know the release before it answered (it warns for existing ones)."""
    from expctl.core.specs.fields import not_computable_warning

    for outcome in execution.outcomes:
        if outcome.item.current is None and outcome.experiment is not None:
            warning = not_computable_warning(outcome.item.spec.data, outcome.experiment)
            if warning:
                rt.messages.warn(f"{outcome.key}: {warning}")


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


# -- shared ------------------------------------------------------------------------------


def _load(rt: Runtime, files: list[str], stdin_text: str | None = None, env: str | None = None) -> SpecSet:
    """The specs as the environment (--env, or ``env``) sees them: its overlays merged in."""
    from expctl.core.specs.load import load_specs

    if stdin_text is None and "-" in files:
        stdin_text = rt.streams.stdin.read()
    return load_specs(files, stdin_text=stdin_text, env=env or rt.options.env)


def _report_problems(rt: Runtime, result: SpecSet, *, listed: bool = False) -> None:
    """The problems, one ``file:line:column: message`` line each (unless ``listed`` as
    data already), and the one-line summary that ends the run with exit 2."""
    from expctl.errors import UsageError

    if not listed:
        from expctl.render.problems import problem_lines

        rt.output("plain").text(problem_lines(result))
    files = len({p.position.file for p in result.problems})
    count = len(result.problems)
    raise UsageError(f"{plural(count, 'problem')} in {plural(files, 'file')}; nothing was sent")


def _plan(rt: Runtime, load: Callable[[], SpecSet], parallel: int) -> Plan:
    from expctl.api.backend import ApiBackend
    from expctl.core.apply.pipeline import plan_specs

    result = load()
    if result.problems:
        _report_problems(rt, result)
    cache = rt.experiment_cache
    with rt.progress(f"Reading {len(result.specs)} experiments from PostHog"):
        made = plan_specs(result, ApiBackend(rt.experiments), parallel=parallel, known=cache)
    cache.save()
    for note in made.notes:
        rt.messages.note(note)
    return made


def _plan_mode(rt: Runtime, output: str | None) -> str:
    """``table`` (the plan as people read it, the default even when piped), json or yaml."""
    from expctl.cli.framework.output_modes import PLANS

    return rt.output(output, PLANS).mode


def _print_plan(rt: Runtime, plan: Plan, output: str | None, show_unchanged: bool) -> None:
    from expctl.render.plan import plan_json, render_plan
    from expctl.render.words import plural

    mode = _plan_mode(rt, output)
    if mode == "table":
        rt.output("plain").text(render_plan(plan, color=rt.stdout_color, show_unchanged=show_unchanged))
    else:
        rt.output(mode).data(plan_json(plan))
    for name, keys in plan.unsupported().items():
        rt.messages.warn(
            f"this PostHog has no field {name} (set by {plural(len(keys), 'spec')}: {', '.join(keys[:5])}"
            f"{', …' if len(keys) > 5 else ''}); it is left out of the plan"
        )


def _end_with_plan(plan: Plan) -> None:
    """diff and --dry-run: exit 6 when a spec asks for what PostHog refuses, 8 when changes
    are pending, else return (exit 0). The printed plan says what; nothing more is said."""
    from expctl.errors import ChangesPendingError, RejectedError

    if plan.has_errors:
        raise RejectedError()
    if plan.pending:
        raise ChangesPendingError()
