"""launch, pause, resume, end, ship, reset, freeze-exposure, unfreeze-exposure.

Each command resolves the experiment, checks the move locally (an illegal one exits 6
without sending anything), asks when the move is hard to undo, then performs it through
the action endpoint or, on older PostHog releases, its PATCH equivalent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, OutputOpt, YesOpt, examples, new_app
from expctl.cli.framework.runtime import Runtime

if TYPE_CHECKING:
    from expctl.api.lifecycle import Lifecycle

launch_app = new_app()
pause_app = new_app()
resume_app = new_app()
end_app = new_app()
ship_app = new_app()
reset_app = new_app()
freeze_app = new_app()
unfreeze_app = new_app()

ConclusionOpt = Annotated[
    str | None,
    typer.Option("--conclusion", help="won, lost, inconclusive, stopped_early or invalid.", show_default=False),
]
CommentOpt = Annotated[str | None, typer.Option("--comment", help="Why (up to 4000 characters).", show_default=False)]


@launch_app.command(
    "launch",
    epilog=examples("expctl launch checkout-v2", "expctl launch 42 -o json"),
)
def launch_command(ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = None) -> None:
    """Start a draft experiment (draft -> running).

    Sets its start date to now and turns its feature flag on, so users start seeing the
    variants. Next: `expctl results`, then `pause`, `end` or `ship`.
    """
    _move(ctx, "launch", experiment, output, lambda lc, exp, ref: lc.launch(exp, ref), _launched)


@pause_app.command("pause", epilog=examples("expctl pause checkout-v2"))
def pause_command(ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = None) -> None:
    """Pause a running experiment (running -> paused).

    Turns its feature flag off: users get your default experience and no new exposures
    are counted. The experiment keeps its dates. Undo with `expctl resume`.
    """
    _move(
        ctx,
        "pause",
        experiment,
        output,
        lambda lc, exp, ref: lc.pause(exp, ref),
        _said("Paused {label}: its flag is off"),
    )


@resume_app.command("resume", epilog=examples("expctl resume checkout-v2"))
def resume_command(ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = None) -> None:
    """Resume a paused experiment (paused -> running).

    Turns its feature flag back on; users get the same variants as before the pause.
    """
    _move(
        ctx,
        "resume",
        experiment,
        output,
        lambda lc, exp, ref: lc.resume(exp, ref),
        _said("Resumed {label}: its flag is on"),
    )


@end_app.command(
    "end",
    epilog=examples(
        "expctl end checkout-v2 --conclusion won --comment 'Test beat control by 8%'",
        "expctl end 42 --yes                # no prompt (scripts, CI)",
    ),
)
def end_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    conclusion: ConclusionOpt = None,
    comment: CommentOpt = None,
    yes: YesOpt = False,
    output: OutputOpt = None,
) -> None:
    """End a running or paused experiment (-> stopped).

    Sets its end date: results stop at that moment. The feature flag is not touched, so
    users keep their variants; to roll out a winner use `expctl ship` instead (it ends the
    experiment too).
    """
    _check_conclusion(conclusion)

    def report(rt: Runtime, after: Mapping[str, Any]) -> None:
        _ended(rt, after)
        _warn_unstored_conclusion(rt, after, conclusion, comment)

    _move(
        ctx,
        "end",
        experiment,
        output,
        lambda lc, exp, ref: lc.end(exp, ref, conclusion=conclusion, comment=comment),
        report,
        confirm=("End {label}? Results will stop at this moment.", "ending {label}", yes),
    )


ShipVariantOpt = Annotated[
    str, typer.Option("--variant", help="Key of the variant to serve to everyone.", show_default=False)
]
ReleaseToEveryoneOpt = Annotated[
    bool,
    typer.Option("--release-to-everyone", help="Also add a 100% release condition that wins over existing ones."),
]


@ship_app.command(
    "ship",
    epilog=examples(
        "expctl ship checkout-v2 --variant test",
        "expctl ship checkout-v2 --variant test --release-to-everyone --yes",
        "expctl ship 42 --variant control --conclusion lost",
    ),
)
def ship_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    variant: ShipVariantOpt,
    release_to_everyone: ReleaseToEveryoneOpt = False,
    conclusion: ConclusionOpt = None,
    comment: CommentOpt = None,
    yes: YesOpt = False,
    output: OutputOpt = None,
) -> None:
    """Roll out one variant to everyone, ending the experiment.

    "Everyone" means everyone the flag's release conditions reach: the flag is rewritten
    so the chosen variant gets 100% and the others 0%, keeping its release conditions
    (with --release-to-everyone a catch-all 100% condition is put first). A running
    experiment is ended at the same time. Shows the flag's split before and after.
    """
    _check_conclusion(conclusion)
    shipping = _Shipping(variant, release_to_everyone, conclusion, comment)
    question = "Ship '" + variant + "' of {label} to everyone, overriding existing release conditions?"
    confirm = (question, "shipping to everyone", yes) if release_to_everyone else None
    _move(ctx, "ship", experiment, output, shipping.act, shipping.report, confirm=confirm)


class _Shipping:
    """One ship: checks the variant, ships it, and reports the flag's split before and after."""

    def __init__(self, variant: str, release_to_everyone: bool, conclusion: str | None, comment: str | None) -> None:
        self.variant = variant
        self.release_to_everyone = release_to_everyone
        self.conclusion = conclusion
        self.comment = comment
        self.before: list[dict[str, Any]] = []

    def act(self, lc: Lifecycle, exp: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
        from expctl.errors import UsageError
        from expctl.model.experiment import variants_of

        self.before = variants_of(exp)
        keys = [str(v.get("key")) for v in self.before]
        if keys and self.variant not in keys:
            raise UsageError(f"variant {self.variant!r} is not one of {', '.join(keys)}")
        return lc.ship(
            exp,
            ref,
            variant=self.variant,
            release_to_everyone=self.release_to_everyone,
            conclusion=self.conclusion,
            comment=self.comment,
        )

    def report(self, rt: Runtime, after: Mapping[str, Any]) -> None:
        from expctl.model.experiment import variants_of

        rt.messages.success(f"Shipped variant '{self.variant}' of {_label(after)}" + _ended_suffix(after))
        _warn_unstored_conclusion(rt, after, self.conclusion, self.comment)
        rt.messages.info(_split_change(self.before, variants_of(after)))


@reset_app.command("reset", epilog=examples("expctl reset checkout-v2", "expctl reset 42 --yes"))
def reset_command(ctx: typer.Context, experiment: ExperimentArg, yes: YesOpt = False, output: OutputOpt = None) -> None:
    """Put an experiment back to draft (destructive: asks first).

    Clears its start and end dates, conclusion and archived mark. Events already
    collected stay in PostHog but no longer count once it is launched again. The feature
    flag is left as it is.
    """
    _move(
        ctx,
        "reset",
        experiment,
        output,
        lambda lc, exp, ref: lc.reset(exp, ref),
        _said("Reset {label} to draft"),
        confirm=("Reset {label} to draft? Its dates and conclusion are cleared.", "resetting {label}", yes),
    )


@freeze_app.command("freeze-exposure", epilog=examples("expctl freeze-exposure checkout-v2"))
def freeze_command(ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = None) -> None:
    """Stop new users entering a running experiment.

    Users already in keep their variant. Only on PostHog releases that have exposure freezing (2026 and later).
    """
    _move(
        ctx,
        "freeze-exposure",
        experiment,
        output,
        lambda lc, exp, ref: lc.freeze_exposure(exp, ref, freeze=True),
        _said("Froze exposure of {label}: no new users enter"),
    )


@unfreeze_app.command("unfreeze-exposure", epilog=examples("expctl unfreeze-exposure checkout-v2"))
def unfreeze_command(ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = None) -> None:
    """Let new users enter a frozen experiment again.

    Unfreezing after a long freeze can bias results: the late entrants differ from the
    early ones.
    """
    _move(
        ctx,
        "unfreeze-exposure",
        experiment,
        output,
        lambda lc, exp, ref: lc.freeze_exposure(exp, ref, freeze=False),
        _said("Unfroze exposure of {label}: new users enter again"),
    )


# -- shared mechanics ---------------------------------------------------------------------


def _move(
    ctx: typer.Context,
    verb: str,
    ref: str,
    output: str | None,
    act: Callable[[Lifecycle, Mapping[str, Any], str], Mapping[str, Any]],
    report: Callable[[Runtime, Mapping[str, Any]], None],
    *,
    confirm: tuple[str, str, bool] | None = None,
) -> None:
    """Resolve, check the move, confirm when ``confirm`` = (question, action, --yes) is
    given, act.

    An illegal move is refused before the question: asking to confirm something
    PostHog would refuse anyway wastes the user's attention (and a CI run's --yes).
    """
    from expctl.api.experiments import ExperimentRef
    from expctl.api.lifecycle import Lifecycle
    from expctl.core.lifecycle import check_move

    rt = runtime_of(ctx)
    exp = rt.experiments.resolve(ExperimentRef.parse(ref))
    check_move(verb, exp, ref)
    lifecycle = Lifecycle(rt.experiments)
    if confirm is not None:
        from expctl.cli.framework.prompts import confirm as ask

        question, action, yes = confirm
        ask(rt, question.format(label=_label(exp)), action=action.format(label=_label(exp)), assume_yes=yes)
    after = act(lifecycle, exp, ref)
    report(rt, after)
    rt.show_changed(after, output)


def _label(exp: Mapping[str, Any]) -> str:
    return f"'{exp.get('name')}' (id {exp.get('id')})"


def _said(template: str) -> Callable[[Runtime, Mapping[str, Any]], None]:
    def report(rt: Runtime, after: Mapping[str, Any]) -> None:
        rt.messages.success(template.format(label=_label(after)))

    return report


def _launched(rt: Runtime, after: Mapping[str, Any]) -> None:
    from expctl.render.timefmt import short_utc

    rt.messages.success(f"Launched {_label(after)} at {short_utc(after.get('start_date'))}")


def _ended(rt: Runtime, after: Mapping[str, Any]) -> None:
    conclusion = f" (conclusion: {after['conclusion']})" if after.get("conclusion") else ""
    rt.messages.success(f"Ended {_label(after)}{_ended_suffix(after)}{conclusion}")


def _warn_unstored_conclusion(
    rt: Runtime, after: Mapping[str, Any], conclusion: str | None, comment: str | None
) -> None:
    """Releases before 2025 have no conclusion fields and drop them without a word."""
    from expctl.core.specs.fields import fields_not_stored
    from expctl.render.words import unstored_message

    sent = {k: v for k, v in (("conclusion", conclusion), ("conclusion_comment", comment)) if v is not None}
    ignored = fields_not_stored(sent, after)
    if ignored:
        rt.messages.warn(unstored_message(ignored) + "; the experiment was ended without the conclusion")


def _ended_suffix(after: Mapping[str, Any]) -> str:
    from expctl.render.timefmt import short_utc

    return f" at {short_utc(after.get('end_date'))}" if after.get("end_date") else ""


def _split_change(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
    shares = {str(v.get("key")): v.get("rollout_percentage") for v in after}
    width = max((len(str(v.get("key"))) for v in before), default=0)
    lines = ["Flag split, before -> after:"]
    for variant in before:
        key = str(variant.get("key"))
        lines.append(f"  {key:<{width}}  {_percent(variant.get('rollout_percentage'))} -> {_percent(shares.get(key))}")
    return "\n".join(lines)


def _percent(value: Any) -> str:
    return f"{value:g}%" if isinstance(value, (int, float)) else "?"


def _check_conclusion(conclusion: str | None) -> None:
    from expctl.core.specs.fields import CONCLUSIONS
    from expctl.errors import UsageError

    if conclusion is not None and conclusion not in CONCLUSIONS:
        raise UsageError(f"--conclusion must be one of {', '.join(CONCLUSIONS)}")
