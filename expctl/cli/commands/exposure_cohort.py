"""exposure-cohort: the cohort of users exposed to an experiment."""

from __future__ import annotations

from typing import Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, OutputOpt, examples, new_app
from expctl.cli.framework.output_modes import EVERY

cohort_app = new_app()


@cohort_app.command(
    "exposure-cohort",
    epilog=examples("expctl exposure-cohort checkout-v2", "expctl exposure-cohort checkout-v2 -o json | jq .filters"),
)
def cohort_command(ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = None) -> None:
    """Create the cohort of exposed users and print its id.

    Works on a launched experiment. The cohort holds everyone who saw the experiment's feature flag since it started,
    for use in insights and other experiments. If it exists already its id is printed.
    With -o json the cohort itself is printed.
    """
    from expctl.api.experiments import ExperimentRef
    from expctl.errors import ExpctlError

    rt = runtime_of(ctx)
    exp = rt.experiments.resolve(ExperimentRef.parse(experiment))
    helpers = rt.cohorts
    existing = exp.get("exposure_cohort")
    if existing:
        rt.messages.info(f"'{exp.get('name')}' (id {exp.get('id')}) already has exposure cohort {existing}")
        cohort: dict[str, Any] = {"id": existing}
        if output and output not in ("ids", "plain", "table"):
            try:
                cohort = helpers.get_cohort(int(existing))
            except ExpctlError as exc:
                rt.messages.warn(f"could not read cohort {existing}: {exc.message}")
    else:
        cohort = helpers.create_exposure_cohort(int(exp["id"]))
        rt.messages.success(f"Created exposure cohort {cohort.get('id')} for '{exp.get('name')}' (id {exp.get('id')})")
    out = rt.output(output, EVERY)
    if out.mode in ("json", "yaml", "jsonl"):
        out.data(cohort)
    else:
        out.text(f"{cohort.get('id')}\n")
