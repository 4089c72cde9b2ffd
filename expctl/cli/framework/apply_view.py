"""The terminal side of the apply job (``cli/jobs/apply.py``), for `apply`, `diff` and
`promote`: the hooks wired to this runtime (lock, question, progress, a line per
object), and the plan, outcomes and summary shown from what the job returned."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from expctl.cli.framework.runtime import Runtime

if TYPE_CHECKING:
    from expctl.cli.jobs.apply import ApplyDeps, ApplyRun, OutcomeHook
    from expctl.cli.jobs.promote import LiveSource
    from expctl.core.apply.plan import Plan


def plan_mode(rt: Runtime, output: str | None) -> str:
    """``table`` (the plan as people read it, the default even when piped), json or yaml."""
    from expctl.cli.framework.output_modes import PLANS

    return rt.output(output, PLANS).mode


def apply_deps(
    rt: Runtime, output: str | None, *, yes: bool, shown_first: bool, locked: bool, show_unchanged: bool = False
) -> ApplyDeps:
    """The job's dependencies over ``rt``: its backend and cache, the project's apply lock
    (``locked``), the plan shown as soon as it is known (``shown_first``, else with the
    results), the question, the reading spinner and a line per object as it finishes."""
    from expctl.api.backend import ApiBackend
    from expctl.cli.jobs.apply import ApplyDeps

    mode = plan_mode(rt, output)

    def on_plan(plan: Plan) -> None:
        if shown_first:
            print_plan(rt, plan, output, show_unchanged)

    def confirm(plan: Plan) -> None:
        from expctl.cli.framework.prompts import confirm as ask
        from expctl.render.plan import what_changes

        what = what_changes(plan)
        where = f"project {rt.client.project} on {rt.settings.host}" + (
            f" ({rt.options.env})" if rt.options.env else ""
        )
        ask(rt, f"Apply these changes to {what} in {where}?", action=f"applying changes to {what}", assume_yes=yes)

    return ApplyDeps(
        backend=ApiBackend(rt.experiments),
        cache=rt.experiment_cache,
        lock=(lambda: _lock(rt)) if locked else nullcontext,
        on_plan=on_plan,
        confirm=confirm,
        reading=lambda count: rt.progress(f"Reading {count} experiments from PostHog"),
        applying=lambda count, stop: _applying(rt, mode, count, stop),
        note=rt.messages.note,
    )


def _lock(rt: Runtime) -> AbstractContextManager[Any]:
    from expctl.cli.state.apply_lock import apply_lock, lock_path
    from expctl.cli.state.unsafe_cache import warn_once_about

    warn_once_about(rt.env, rt.messages)
    target = f"project {rt.settings.project} on {rt.settings.host}"
    return apply_lock(lock_path(rt.env, rt.settings.host, rt.settings.project), target=target, say=rt.messages.note)


@contextmanager
def _applying(rt: Runtime, mode: str, count: int, stop: threading.Event) -> Iterator[OutcomeHook]:
    """The bar, and in text mode a line per object as each one finishes; Ctrl-C sets stop."""
    from expctl.cli.framework.interrupts import CTRL_C_NOTE, ctrl_c_stops
    from expctl.core.apply.execute import Outcome
    from expctl.render.plan import outcome_line, resource_outcome_line
    from expctl.render.style import Styler

    style = Styler(rt.stdout_color)
    with rt.progress("Applying", total=count, output=None if mode == "table" else mode) as bar:

        def report(outcome: Any) -> None:
            if isinstance(outcome, Outcome):
                line = outcome_line(outcome, style)
                if not outcome.corrected:
                    bar.advance()
            else:
                line = resource_outcome_line(outcome, style)
            if mode == "table":
                bar.line(line, lambda text: rt.output("plain").text(text, flush=True))

        with ctrl_c_stops(stop, lambda: rt.messages.note(CTRL_C_NOTE)):
            yield report


def print_plan(rt: Runtime, plan: Plan, output: str | None, show_unchanged: bool) -> None:
    from expctl.render.plan import plan_json, render_plan
    from expctl.render.words import plural

    mode = plan_mode(rt, output)
    if mode == "table":
        rt.output("plain").text(render_plan(plan, color=rt.stdout_color, show_unchanged=show_unchanged))
    else:
        rt.output(mode).data(plan_json(plan))
    for name, keys in plan.unsupported().items():
        rt.messages.warn(
            f"this PostHog has no field {name} (set by {plural(len(keys), 'spec')}: {', '.join(keys[:5])}"
            f"{', …' if len(keys) > 5 else ''}); it is left out of the plan"
        )


def show_run(rt: Runtime, run: ApplyRun, output: str | None) -> None:
    """What the job did, then its ending raised (the exit code): the specs' problems; the
    plan alone (diff, --dry-run: printed as soon as it was known); nothing to apply; or
    the outcomes."""
    from expctl.cli.framework.spec_files import report_problems

    if run.problems is not None:
        report_problems(rt, run.problems)
    assert run.plan is not None
    if run.applied is not None:
        _show_outcomes(rt, run, plan_mode(rt, output))
    elif not run.planned_only:
        _nothing_to_apply(rt, run.plan, plan_mode(rt, output))
    if run.ending is not None:
        raise run.ending


def _nothing_to_apply(rt: Runtime, plan: Plan, mode: str) -> None:
    from expctl.render.plan import plan_json

    if mode != "table":
        rt.output(mode).data({"plan": plan_json(plan), "results": []})
    rt.messages.info("Nothing to apply: PostHog already matches the specs.")


def _show_outcomes(rt: Runtime, run: ApplyRun, mode: str) -> None:
    """The summary, each failure, and what was in flight at Ctrl-C."""
    from expctl.core.apply.pipeline import counts, interrupted_summary
    from expctl.render.plan import outcomes_json, plan_json, resources_json, summary_line

    applied, plan = run.applied, run.plan
    assert applied is not None and plan is not None
    execution = applied.execution
    if mode != "table":
        results = resources_json(applied.resources) + outcomes_json(execution.outcomes)
        rt.output(mode).data({"plan": plan_json(plan), "results": results})
    rt.messages.info(f"Applied: {summary_line(counts(plan, applied))}.")
    for key, warning in run.uncomputable:
        rt.messages.warn(f"{key}: {warning}")
    for failure in applied.failures:
        assert failure.error is not None
        rt.messages.error(f"{failure.key}: {failure.error.message}", failure.error.hint)
    if execution.interrupted:
        finished, _not_applied = interrupted_summary(execution.outcomes)
        if finished:
            rt.messages.info(f"In flight at Ctrl-C and finished: {finished}.")


def live_source(rt: Runtime) -> LiveSource:
    """This environment's experiments read as specs, for `promote` and `diff --against`."""
    from expctl.cli.jobs.export import ExportSource
    from expctl.cli.jobs.promote import LiveSource

    read = ExportSource(rt.experiments, rt.experiment_cache, rt.resources, rt.progress, rt.messages.warn)
    return LiveSource(read, rt.actions, f"{rt.options.env or rt.settings.profile_name} (live)")
