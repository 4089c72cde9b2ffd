"""decide: keep running, ship or roll back, from PostHog's results and a reviewed policy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import DecisionOutputOpt, ExperimentArg, YesOpt, examples, new_app
from expctl.cli.framework.output_modes import DECISIONS
from expctl.cli.framework.spec_files import load_files

if TYPE_CHECKING:
    from collections.abc import Mapping

    from expctl.cli.framework.runtime import Runtime
    from expctl.cli.jobs.decide import DecisionRun
    from expctl.core.decision import Policy

decide_app = new_app()

PolicySpecsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--filename",
        "-f",
        help="Spec files or directories: the experiment's spec's decision: block.",
        show_default=False,
    ),
]
PolicyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="A policy file (a decision: block) for an experiment without a spec.",
        metavar="FILE",
        show_default=False,
    ),
]
ApplyDecisionOpt = Annotated[bool, typer.Option("--apply", help="Carry the decision out: ship, or roll back.")]


@decide_app.command(
    "decide",
    epilog=examples(
        "expctl decide checkout-redesign                       # the outcome, its reasons, the numbers",
        "expctl decide checkout-redesign -f experiments/       # the policy in the spec's decision: block",
        'expctl decide 42 --policy policy.yaml -o markdown >> "$GITHUB_STEP_SUMMARY"',
        "expctl decide checkout-redesign --apply --yes         # ship (or roll back) as decided",
    ),
)
def decide_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    files: PolicySpecsOpt = None,
    policy_file: PolicyFileOpt = None,
    apply: ApplyDecisionOpt = False,
    yes: YesOpt = False,
    output: DecisionOutputOpt = None,
) -> None:
    """Decide an experiment: ship VARIANT, keep-running, review, roll-back or invalid.

    PostHog's own numbers (stored results first; no query where the server keeps them)
    are judged against the policy: the primary metrics (default: every primary metric),
    guardrails with a non-inferiority margin, a minimum runtime, the planned sample, and
    a multiple-comparison correction (Holm by default; Bayesian results get a stricter
    chance-to-win threshold per comparison instead). Only p-values and thresholds are
    adjusted; effects and intervals are PostHog's. Before the planned sample, a decision
    is taken only where the test allows repeated looks (sequential testing, or Bayesian).

    \b
    Exit codes: 0 ship, 20 keep running, 21 review, 22 roll back, 23 invalid,
    24 waiting for approval (--apply on an approval-gated flag).
    --apply ships the variant (roll-back: the control) with PostHog's ship action, the
    conclusion (won, lost) and the reasons as its comment; a re-run writes nothing.
    """
    from expctl.errors import AlreadySaidError

    rt = runtime_of(ctx)
    mode = rt.output(output, DECISIONS).mode
    run = _decide(rt, experiment, files or [], policy_file, mode)
    _show(rt, run, mode)
    code = _carry_out(rt, run, yes) if apply else run.decision.exit_code
    if code:
        raise AlreadySaidError(code)


def _decide(rt: Runtime, ref: str, files: list[str], policy_file: Path | None, mode: str) -> DecisionRun:
    from expctl.api.experiments import ExperimentRef
    from expctl.cli.jobs.decide import DecideApis, decide_experiment
    from expctl.cli.jobs.results import draft_refusal
    from expctl.errors import UsageError
    from expctl.model.experiment import status_of

    if files and policy_file is not None:
        raise UsageError("give the policy in spec files (-f) or in a policy file (--policy), not both")
    exp = rt.experiments.resolve(ExperimentRef.parse(ref))
    if status_of(exp) == "draft":
        raise draft_refusal(exp)
    policy, problems = _policy(rt, exp, files, policy_file)
    with rt.progress("Deciding", output=mode):
        return decide_experiment(DecideApis(rt.results_api, rt.history_api), exp, policy, problems)


def _policy(
    rt: Runtime, exp: Mapping[str, Any], files: list[str], policy_file: Path | None
) -> tuple[Policy, list[str]]:
    """The policy: from the policy file, else from the experiment's own spec, else the
    default. A problem with it ends the run with exit 2, as `validate` would (a typo in
    a policy is not a broken experiment); other specs' problems are not this decision's."""
    from expctl.core.decision import Policy
    from expctl.errors import UsageError

    if policy_file is not None:
        from expctl.core.decision.policy_file import read_policy_file

        policy, problems = read_policy_file(policy_file)
    elif files:
        specs = load_files(rt, files)
        spec = next((s for s in specs.specs if s.flag_key == exp.get("feature_flag_key")), None)
        if spec is None:
            known = f"; {len(specs.problems)} problems in them (`expctl validate -f`)" if specs.problems else ""
            raise UsageError(
                f"no valid spec in {', '.join(files)} has the flag key {exp.get('feature_flag_key')!r}{known}",
                hint="fix the spec, or give its policy with --policy FILE",
            )
        own = spec.doc.file
        problems = [str(p) for p in specs.problems if p.position.file == own]
        policy = spec.policy or Policy()
    else:
        return Policy(), []
    if problems:
        from expctl.render.words import plural

        for problem in problems:
            rt.messages.error(problem)
        raise UsageError(f"the decision policy has {plural(len(problems), 'problem')}; nothing was decided")
    return policy, []


def _show(rt: Runtime, run: DecisionRun, mode: str) -> None:
    from expctl.render.decision import decision_json, decision_markdown, render_decision

    notes = [
        *run.notes,
        *(
            [f"planned sample: {run.planned_sample:,} per variant ({run.plan_source})"]
            if run.planned_sample is not None
            else []
        ),
    ]
    if mode in ("json", "yaml"):
        rt.output(mode).data(decision_json(run.experiment, run.decision, run.planned_sample, notes))
    elif mode == "markdown":
        rt.output("plain").text(decision_markdown(run.experiment, run.decision, notes))
    else:
        rt.output("plain").text(render_decision(run.experiment, run.decision, color=rt.stdout_color))
        for note in notes:
            rt.messages.note(note)


def _carry_out(rt: Runtime, run: DecisionRun, yes: bool) -> int:
    """--apply: ship or roll back after the question; the decision's own exit code for
    what writes nothing, 24 when PostHog wants an approval first."""
    from expctl.api.lifecycle import Lifecycle
    from expctl.cli.framework.prompts import confirm
    from expctl.cli.jobs.decide import carry_out, write_for
    from expctl.errors import ExitCode

    wanted = write_for(run)
    label = f"'{run.experiment.get('name')}' (id {run.experiment.get('id')})"
    if wanted is None:
        rt.messages.info(f"Nothing to write: the decision is {run.decision.outcome}.")
        return run.decision.exit_code
    variant, conclusion, _comment = wanted
    action = f"shipping {variant} of {label} (conclusion {conclusion})"
    from expctl.errors import RejectedError
    from expctl.model.experiment import serves_only

    concluded = run.experiment.get("conclusion")
    done = run.experiment.get("end_date") and serves_only(run.experiment, variant) and concluded == conclusion
    if run.experiment.get("end_date") and concluded and not done:
        raise RejectedError(
            f"{label} already ended with conclusion {concluded}; --apply does not reverse a concluded experiment",
            hint=f"to change it, use `expctl ship {run.experiment.get('feature_flag_key')} --variant {variant}`",
        )
    if not done:
        rt.messages.info(f"Plan: ship {variant} to everyone in {label}, end it, conclusion {conclusion}.")
        confirm(rt, f"Ship {variant} of {label}?", action=action, assume_yes=yes)
    carried = carry_out(Lifecycle(rt.experiments), run)
    if carried.status == "waiting":
        link = rt.settings.host.rstrip("/") + f"/project/{rt.client.project}/approvals/{carried.change_request}"
        rt.messages.warn(f"waiting for approval: PostHog opened change request {carried.change_request}: {link}")
        return int(ExitCode.WAITING_FOR_APPROVAL)
    if carried.status == "already":
        rt.messages.info(f"Already done: {label} ended serving {variant}, conclusion {conclusion}; nothing written.")
    else:
        rt.messages.success(f"Shipped {variant} of {label}: conclusion {conclusion}.")
    return 0 if run.decision.outcome == "ship" else run.decision.exit_code
