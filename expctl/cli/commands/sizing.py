"""plan: how many users an experiment needs and how long that takes; for a running one,
how far it has come and when a decision can be made."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import OutputOpt, complete_experiment, examples, new_app
from expctl.cli.framework.runtime import Runtime

plan_app = new_app()

PLAN_MODES = ("table", "plain", "json", "yaml")


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
    float | None, typer.Option("--baseline-rate", help="Conversion rate now, 0 to 1 (funnels).", show_default=False)
]
MeanOpt = Annotated[
    float | None, typer.Option("--baseline-mean", help="Mean per user now (means).", show_default=False)
]
StddevOpt = Annotated[
    float | None, typer.Option("--baseline-stddev", help="Its standard deviation per user.", show_default=False)
]
MdeOpt = Annotated[
    str | None, typer.Option("--mde", help="Minimum detectable effect, relative: 5% (or 5).", show_default=False)
]
VariantsOpt = Annotated[int, typer.Option("--variants", help="Variants including control.", min=2)]
AlphaOpt = Annotated[float, typer.Option("--alpha", help="Significance level, two-sided.")]
PowerOpt = Annotated[float, typer.Option("--power", help="Chance to detect an effect of the MDE.")]
DailyOpt = Annotated[
    float | None, typer.Option("--daily-exposures", help="Users entering the experiment a day.", show_default=False)
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
    alpha: AlphaOpt = 0.05,
    power: PowerOpt = 0.8,
    daily_exposures: DailyOpt = None,
    output: OutputOpt = None,
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
    from expctl.core.sample_size import PlanError

    rt = runtime_of(ctx)
    out_mode = rt.output(output, PLAN_MODES).mode
    try:
        if experiment is None:
            _offline(rt, out_mode, baseline_rate, (baseline_mean, baseline_stddev), mde, variants, alpha, power,
                     daily_exposures)  # fmt: skip
        else:
            from expctl.cli.commands.sizing_running import plan_running

            plan_running(rt, out_mode, experiment, mde=mde, alpha=alpha, power=power)
    except PlanError as exc:
        from expctl.errors import UsageError

        raise UsageError(str(exc)) from None


def _offline(
    rt: Runtime,
    mode: str,
    rate: float | None,
    mean_and_sd: tuple[float | None, float | None],
    mde: str | None,
    variants: int,
    alpha: float,
    power: float,
    daily: float | None,
) -> None:
    from expctl.core.sample_size import MEAN, RATE, PlanError, PlanInputs, parse_percent, sample_size

    mean, stddev = mean_and_sd
    if mde is None:
        raise PlanError("give --mde, the smallest relative change worth detecting (e.g. --mde 5%)")
    if (rate is None) == (mean is None and stddev is None):
        raise PlanError("give --baseline-rate (funnels), or --baseline-mean and --baseline-stddev (means)")
    inputs = PlanInputs(
        RATE if rate is not None else MEAN,
        parse_percent(mde, "--mde"),
        variants=variants,
        alpha=alpha,
        power=power,
        baseline_rate=rate,
        baseline_mean=mean,
        baseline_stddev=stddev,
        daily_exposures=daily,
    )
    result = sample_size(inputs)
    if mode in ("json", "yaml"):
        rt.output(mode).data(result.as_json())
        return
    from expctl.render.sizing import plan_lines

    rt.output("plain").text("".join(f"{line}\n" for line in plan_lines(result, plain=mode == "plain")))


def label(experiment: Mapping[str, Any]) -> str:
    return f"'{experiment.get('name')}' (id {experiment.get('id')})"
