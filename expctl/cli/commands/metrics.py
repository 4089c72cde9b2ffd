"""metrics list / add / remove / move: one experiment's metrics, edited in place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, MetricListOutputOpt, OutputOpt, YesOpt, examples, new_app

if TYPE_CHECKING:
    from expctl.cli.framework.runtime import Runtime

metrics_app = new_app(
    help="List and edit an experiment's metrics (inline and shared).",
    no_args_is_help=True,
    epilog=examples(
        "expctl metrics list checkout-v3",
        "expctl metrics add checkout-v3 '{funnel: [$pageview, purchase], name: Checkout conversion}'",
        "expctl metrics add checkout-v3 'mean: {event: purchase, sum: revenue}' --secondary",
        "expctl metrics move checkout-v3 'Checkout conversion' --to 1",
        "expctl metrics remove checkout-v3 'Checkout conversion'",
    ),
)

MetricRefArg = Annotated[
    str,
    typer.Argument(
        help="The metric: its name, uuid (or first 8 characters), or ROLE:POSITION such as primary:2.",
        metavar="METRIC",
        show_default=False,
    ),
]
SecondaryOpt = Annotated[bool, typer.Option("--secondary", help="A secondary metric (default: primary).")]
AllowUnknownOpt = Annotated[
    bool,
    typer.Option("--allow-unknown-events", help="Accept events this project has not received yet (newest PostHog)."),
]


def metric_rows(experiment: Mapping[str, Any]) -> list[dict[str, Any]]:
    from expctl.core.metrics.edit import entries

    return [
        {
            "role": e.role,
            "position": e.position,
            "name": e.name,
            "uuid": e.uuid,
            "shared_metric_id": e.shared_id,
            "metric": e.metric,
        }
        for e in entries(experiment)
    ]


@metrics_app.command(
    "list",
    epilog=examples("expctl metrics list checkout-v3", "expctl metrics list 42 -o json | jq '.[].name'"),
)
def list_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    output: MetricListOutputOpt = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns", help="Columns: role, position, name, source, goal, metric, uuid.", show_default=False
        ),
    ] = None,
) -> None:
    """List an experiment's metrics in PostHog's display order, primary first.

    Shared metrics linked to the experiment are listed in their role. -o json gives,
    for each, its role, position and PostHog's metric object unchanged.
    """
    from expctl.api.experiments import ExperimentRef
    from expctl.render.columns import choose_columns
    from expctl.render.resources import METRIC_ROW_COLUMNS

    rt = runtime_of(ctx)
    chosen = choose_columns(columns, METRIC_ROW_COLUMNS, default=list(METRIC_ROW_COLUMNS))
    found = rt.experiments.resolve(ExperimentRef.parse(experiment))
    rows = metric_rows(found)
    from expctl.cli.framework.output_modes import METRIC_LISTS

    out = rt.output(output, METRIC_LISTS)
    out.rows(rows, chosen)
    if not rows and out.mode == "table":
        rt.messages.note(f"No metrics yet. Add one: expctl metrics add {experiment} 'funnel: [$pageview, purchase]'")


@metrics_app.command(
    "add",
    epilog=examples(
        "expctl metrics add checkout-v3 '{funnel: [$pageview, purchase], name: Checkout conversion}'",
        "expctl metrics add checkout-v3 '{mean: {event: purchase, sum: revenue}, goal: increase}' --secondary",
        "expctl metrics add checkout-v3 '{mean: $pageleave, name: Bounces, goal: decrease, window: 1h}'",
    ),
)
def add_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    metric: Annotated[
        str,
        typer.Argument(
            help="The metric in expctl's shorthand (YAML) or PostHog's JSON; see `expctl schema`.",
            metavar="SHORTHAND",
            show_default=False,
        ),
    ],
    secondary: SecondaryOpt = False,
    allow_unknown_events: AllowUnknownOpt = False,
    output: OutputOpt = None,
) -> None:
    """Add a metric to an experiment; every other metric keeps its uuid and place.

    The metric is checked offline against PostHog's ExperimentMetric definitions before
    anything is sent. On a running experiment PostHog computes the new metric from the
    experiment's start date, so its results cover the whole run.
    """
    from expctl.core.metrics.edit import add_patch
    from expctl.core.metrics.from_spec import parse_metric_option

    role = "secondary" if secondary else "primary"
    body = parse_metric_option(metric, "SHORTHAND")
    rt = runtime_of(ctx)
    current = _experiment(rt, experiment)
    patch = add_patch(current, body, role)
    if allow_unknown_events:
        patch["allow_unknown_events"] = True
    updated = _patch(rt, current, patch)
    added = metric_rows(updated)
    name = next((r["name"] for r in reversed(added) if r["role"] == role), "metric")
    rt.messages.success(f"Added {role} metric {name!r} to {_label(current)}")
    _history_note(rt, current, "the new metric is computed from the experiment's start, over the whole run")
    rt.show_changed(updated, output)


@metrics_app.command(
    "remove",
    epilog=examples(
        "expctl metrics remove checkout-v3 'Checkout conversion'",
        "expctl metrics remove 42 primary:2 --yes",
    ),
)
def remove_command(
    ctx: typer.Context, experiment: ExperimentArg, metric: MetricRefArg, yes: YesOpt = False, output: OutputOpt = None
) -> None:
    """Remove one metric from an experiment (a shared one is unlinked, not deleted).

    Asks first on a terminal. PostHog keeps the events, not the metric: adding it back
    later makes a new metric with a new uuid, and precomputed daily results of the old
    one are not reattached.
    """
    from expctl.cli.framework.prompts import confirm
    from expctl.core.metrics.edit import find, remove_patch

    rt = runtime_of(ctx)
    current = _experiment(rt, experiment)
    entry = find(current, metric)
    what = f"{entry.role} metric {entry.name!r}" + (" (shared: unlinked only)" if entry.shared_id else "")
    confirm(rt, f"Remove {what} from {_label(current)}?", action=f"removing {what}", assume_yes=yes)
    patch = remove_patch(current, entry)
    if "metrics" in patch or "metrics_secondary" in patch:
        # Only metrics PostHog already holds are sent back; newest PostHog checks every event
        # of a resent list again, and nothing new is being introduced here.
        patch["allow_unknown_events"] = True
    updated = _patch(rt, current, patch)
    rt.messages.success(f"Removed {what} from {_label(current)}")
    _history_note(rt, current, f"results of {entry.name!r} are no longer shown; its daily results stay behind")
    rt.show_changed(updated, output)


@metrics_app.command(
    "move",
    epilog=examples(
        "expctl metrics move checkout-v3 'Revenue per user' --to 1",
        "expctl metrics move 42 secondary:3 --to 1",
    ),
)
def move_command(
    ctx: typer.Context,
    experiment: ExperimentArg,
    metric: MetricRefArg,
    to: Annotated[int, typer.Option("--to", help="New position within its role, from 1.", show_default=False)],
    output: OutputOpt = None,
) -> None:
    """Move a metric to another place in its list; results do not change.

    The first primary metric is the one PostHog leads with. Only the ordering array
    (``primary_metrics_ordered_uuids`` or ``secondary_metrics_ordered_uuids``) is sent.
    """
    from expctl.core.metrics.edit import find, move_patch

    rt = runtime_of(ctx)
    current = _experiment(rt, experiment)
    entry = find(current, metric)
    if entry.position == to:
        rt.messages.success(f"{entry.name!r} is already {entry.role} metric {to}; nothing sent")
        return
    updated = _patch(rt, current, move_patch(current, entry, to))
    rt.messages.success(f"Moved {entry.role} metric {entry.name!r} to position {to} in {_label(current)}")
    rt.show_changed(updated, output)


def _experiment(rt: Runtime, text: str) -> dict[str, Any]:
    from expctl.api.experiments import ExperimentRef

    return dict(rt.experiments.resolve(ExperimentRef.parse(text)))


def _patch(rt: Runtime, current: Mapping[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    from expctl.core.specs.fields import fields_not_stored, not_computable_warning
    from expctl.errors import RejectedError
    from expctl.render.words import unstored_message

    updated = dict(rt.experiments.update_planned(current, body, on_retry=rt.messages.note))
    ignored = fields_not_stored(body, updated)
    if ignored:
        rt.messages.warn(unstored_message(ignored))
        raise RejectedError(f"nothing was stored: {_label(current)} is unchanged")
    warning = not_computable_warning(body, updated)
    if warning:
        rt.messages.warn(warning)
    return updated


def _history_note(rt: Runtime, experiment: Mapping[str, Any], what: str) -> None:
    from expctl.model.experiment import status_of

    if status_of(experiment) in ("running", "paused", "stopped"):
        rt.messages.note(f"{_label(experiment)} has started: {what}.")


def _label(experiment: Mapping[str, Any]) -> str:
    return f"'{experiment.get('name')}' (id {experiment.get('id')})"
