"""plan: how many users an experiment needs and how long that takes; for a running one,
how far it has come and when a decision can be made."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ObjectOutputOpt, complete_experiment, examples, new_app
from expctl.cli.framework.output_modes import OBJECTS
from expctl.cli.framework.runtime import Runtime

if TYPE_CHECKING:
    from expctl.cli.jobs.sizing import SizingOptions
    from expctl.core.sizing.sample_size import SizingInputs

plan_app = new_app()


PlanExperimentArg = Annotated[
    str | None,
    typer.Argument(
        help="A running experiment (id or flag key); without it, plan a new one from the flags.",
        metavar="[EXPERIMENT]",
        autocompletion=complete_experiment,
        show_default=False,
    ),
]
RateOpt = Annotated[
    str | None,
    typer.Option(
        "--baseline-rate", metavar="RATE", help="Conversion rate now (funnels): 0.10 or 10%.", show_default=False
    ),
]
MeanOpt = Annotated[
    str | None, typer.Option("--baseline-mean", metavar="MEAN", help="Mean per user now (means).", show_default=False)
]
StddevOpt = Annotated[
    str | None,
    typer.Option("--baseline-stddev", metavar="STDDEV", help="Its standard deviation per user.", show_default=False),
]
MdeOpt = Annotated[
    str | None,
    typer.Option(
        "--mde",
        metavar="EFFECT",
        help="Minimum detectable effect, relative to the baseline: 0.05 or 5%.",
        show_default=False,
    ),
]
VariantsOpt = Annotated[int, typer.Option("--variants", metavar="N", help="Variants including control.", min=2)]
AlphaOpt = Annotated[
    str, typer.Option("--alpha", metavar="RATE", help="Significance level, two-sided: 0.05 or 5%.", show_default=True)
]
PowerOpt = Annotated[
    str, typer.Option("--power", metavar="RATE", help="Chance to detect an effect of the MDE: 0.8 or 80%.")
]
DailyOpt = Annotated[
    str | None,
    typer.Option("--daily-exposures", metavar="N", help="Users entering the experiment a day.", show_default=False),
]


@plan_app.command(
    "plan",
    epilog=examples(
        "expctl plan --baseline-rate 0.10 --mde 5% --daily-exposures 8000",
        "expctl plan --baseline-mean 40 --baseline-stddev 60 --mde 3% --variants 3 -o json",
        "expctl plan checkout-redesign                  # a running experiment: days remaining",
    ),
)
def plan_command(
    ctx: typer.Context,
    experiment: PlanExperimentArg = None,
    baseline_rate: RateOpt = None,
    baseline_mean: MeanOpt = None,
    baseline_stddev: StddevOpt = None,
    mde: MdeOpt = None,
    variants: VariantsOpt = 2,
    alpha: AlphaOpt = "0.05",
    power: PowerOpt = "0.8",
    daily_exposures: DailyOpt = None,
    output: ObjectOutputOpt = None,
) -> None:
    """Sample size and time to a decision, before launch or while running.

    Without EXPERIMENT nothing is sent to PostHog: from a baseline (--baseline-rate for
    a conversion rate, or --baseline-mean and --baseline-stddev), a relative minimum
    detectable effect, alpha (two-sided) and power, it prints the sample size per
    variant and in total, and with --daily-exposures the days needed (normal
    approximation: two-proportion z-test, or two-sample test of means). With several
    test variants, alpha is split over the comparisons with control (Bonferroni).

    With EXPERIMENT (running): the exposure rate so far, the baseline measured so far on
    the first primary metric, the experiment's minimum detectable effect (or --mde),
    the sample still needed and the days remaining; beside it PostHog's own estimate
    where the server offers calculate_running_time/.
    """
    from expctl.core.sizing.sample_size import SizingError
    from expctl.settings.quantities import rate

    rt = runtime_of(ctx)
    out_mode = rt.output(output, OBJECTS).mode
    test = (variants, rate(alpha, "--alpha"), rate(power, "--power"))
    try:
        if experiment is None:
            _offline(
                rt,
                out_mode,
                _offline_inputs(baseline_rate, (baseline_mean, baseline_stddev), mde, test, daily_exposures),
            )
        else:
            from expctl.cli.jobs.sizing import SizingOptions

            _, level, chance = test
            _running(rt, out_mode, experiment, SizingOptions(_optional(rate, mde, "--mde"), level, chance))
    except SizingError as exc:
        from expctl.errors import UsageError

        raise UsageError(str(exc)) from None


def _optional(parse: Callable[[str, str], float], text: str | None, option: str) -> float | None:
    return None if text is None else parse(text, option)


def _offline_inputs(
    baseline_rate: str | None,
    mean_and_sd: tuple[str | None, str | None],
    mde: str | None,
    test: tuple[int, float, float],
    daily: str | None,
) -> SizingInputs:
    """The offline plan's inputs from what was typed (every rate as 10% or 0.10)."""
    from expctl.core.sizing.sample_size import MEAN, RATE, SizingError, SizingInputs
    from expctl.settings.quantities import finite, rate

    mean, stddev = mean_and_sd
    if mde is None:
        raise SizingError("give --mde, the smallest relative change worth detecting (e.g. --mde 5%)")
    if (baseline_rate is None) == (mean is None and stddev is None):
        raise SizingError("give --baseline-rate (funnels), or --baseline-mean and --baseline-stddev (means)")
    variants, alpha, power = test
    return SizingInputs(
        RATE if baseline_rate is not None else MEAN,
        rate(mde, "--mde"),
        variants=variants,
        alpha=alpha,
        power=power,
        baseline_rate=_optional(rate, baseline_rate, "--baseline-rate"),
        baseline_mean=_optional(finite, mean, "--baseline-mean"),
        baseline_stddev=_optional(finite, stddev, "--baseline-stddev"),
        daily_exposures=_optional(finite, daily, "--daily-exposures"),
    )


def _offline(rt: Runtime, mode: str, inputs: SizingInputs) -> None:
    from expctl.core.sizing.sample_size import sample_size

    result = sample_size(inputs)
    if mode in ("json", "yaml"):
        rt.output(mode).data(result.as_json())
        return
    from expctl.render.sizing import sample_size_lines

    rt.output("plain").text("".join(f"{line}\n" for line in sample_size_lines(result, plain=mode == "plain")))


def label(experiment: Mapping[str, Any]) -> str:
    return f"'{experiment.get('name')}' (id {experiment.get('id')})"


def _running(rt: Runtime, mode: str, ref: str, options: SizingOptions) -> None:
    """A running experiment: the sample still needed and the days left, beside PostHog's."""
    from expctl.api.experiments import ExperimentRef
    from expctl.cli.jobs.sizing import draft_refusal, running_sizing
    from expctl.model.experiment import status_of

    experiment = rt.experiments.resolve(ExperimentRef.parse(ref))
    if status_of(experiment) == "draft":
        raise draft_refusal(experiment)
    with rt.progress("Measuring so far", output=mode):
        made = running_sizing(rt.history_api, rt.results_api, experiment, options)
    if mode in ("json", "yaml", "plain"):
        from expctl.core.sizing.running import as_json

        data = as_json(made.estimate, made.posthog)
        data.update(
            experiment_id=experiment.get("id"),
            metric_uuid=made.spec.key,
            metric_name=made.spec.name,
            mde_source=made.mde_source,
        )
        if mode == "plain":
            keys = ("days_remaining", "sample_still_needed", "sample_size_per_variant", "total_sample_size")
            rt.output("plain").text("".join(f"{k}\t{data[k]}\n" for k in keys))
        else:
            rt.output(mode).data(data)
        return
    from expctl.api.project_settings import results_defaults
    from expctl.core.results.stats_settings import plan_caveats, resolve
    from expctl.render.sizing import running_lines

    lines = running_lines(experiment, made.spec.name, made.estimate, made.mde_source, made.posthog)
    rt.output("plain").text("".join(f"{line}\n" for line in lines))
    for caveat in plan_caveats(resolve(experiment.get("stats_config"), results_defaults(rt.client))):
        rt.messages.note(f"expctl's estimate: {caveat}.")
    if made.missing is not None:
        rt.messages.note(f"No estimate from PostHog: {made.missing}; expctl's estimate only.")
