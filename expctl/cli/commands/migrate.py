"""migrate: copy a legacy experiment onto PostHog's new experiment engine."""

from __future__ import annotations

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, OutputOpt, examples, new_app

migrate_app = new_app()


@migrate_app.command("migrate", epilog=examples("expctl migrate old-banner", "expctl migrate 12 -o json"))
def migrate_command(ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = None) -> None:
    """Copy a legacy experiment onto PostHog's new engine, on the same flag.

    Its metrics are converted. PostHog makes a new experiment (the old one stays, linked to it); running it again
    answers the same copy. Afterwards the flag key means the new experiment.
    """
    from expctl.api.experiments import ExperimentRef

    rt = runtime_of(ctx)
    old = rt.experiments.resolve(ExperimentRef.parse(experiment))
    new = rt.migration.migrate(int(old["id"]))
    metrics = len(new.get("metrics") or []) + len(new.get("metrics_secondary") or [])
    rt.messages.success(
        f"Migrated '{old.get('name')}' (id {old.get('id')}) to id {new.get('id')} on flag "
        f"{new.get('feature_flag_key')}: {metrics} metric(s) on the new engine"
    )
    rt.show_changed(new, output)
