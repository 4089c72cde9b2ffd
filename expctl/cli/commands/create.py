"""create: a draft experiment, refusing a flag another experiment is still using."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import OutputOpt, examples, new_app
from expctl.cli.framework.runtime import Runtime

create_app = new_app()

FlagKeyOpt = Annotated[
    str, typer.Option("--flag-key", help="Feature flag key (letters, digits, - and _).", show_default=False)
]
DescriptionOpt = Annotated[str | None, typer.Option(help="What the experiment tests.", show_default=False)]
VariantOpt = Annotated[
    list[str] | None,
    typer.Option("--variant", help="KEY=PERCENT, repeated; default control=50 test=50.", show_default=False),
]
TypeOpt = Annotated[str | None, typer.Option("--type", help="product (default) or web.", show_default=False)]
HoldoutOpt = Annotated[
    str | None, typer.Option("--holdout", help="Holdout (id or name) to run with.", show_default=False)
]
MetricOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--metric", help="A primary metric in the shorthand (YAML) or PostHog's JSON, repeated.", show_default=False
    ),
]
SecondaryMetricOpt = Annotated[
    list[str] | None, typer.Option("--secondary-metric", help="A secondary metric, repeated.", show_default=False)
]
SharedMetricOpt = Annotated[
    list[str] | None,
    typer.Option("--shared-metric", help="A shared metric (id or name) as primary, repeated.", show_default=False),
]
SecondarySharedOpt = Annotated[
    list[str] | None,
    typer.Option("--secondary-shared-metric", help="A shared metric as secondary, repeated.", show_default=False),
]
AllowUnknownOpt = Annotated[
    bool, typer.Option("--allow-unknown-events", help="Accept metric events this project has not received yet.")
]
ShareFlagOpt = Annotated[
    bool,
    typer.Option(
        "--share-flag", help="Create it even though a draft, running or paused experiment already uses the flag."
    ),
]
CreateSetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Any other field as FIELD=JSON, repeated (e.g. metrics=[...]).", show_default=False),
]


@create_app.command(
    "create",
    epilog=examples(
        "expctl create --name 'Checkout v2' --flag-key checkout-v2",
        "expctl create --name 'Pricing' --flag-key pricing --variant control=34 --variant a=33 --variant b=33",
        "expctl create --name 'Hero' --flag-key hero --type web -o ids      # print only the new id",
        "expctl create --name 'Checkout v3' --flag-key checkout-v3 --metric 'funnel: [$pageview, purchase]'",
        "expctl create --name 'Checkout v3' --flag-key checkout-v3 --holdout 'Global holdout' "
        "--shared-metric 'Revenue per user'",
        "expctl create --name 'Revenue' --flag-key rev --set 'stats_config={\"method\": \"frequentist\"}'",
    ),
)
def create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Experiment name.", show_default=False)],
    flag_key: FlagKeyOpt,
    description: DescriptionOpt = None,
    variant: VariantOpt = None,
    type_: TypeOpt = None,
    holdout: HoldoutOpt = None,
    metric: MetricOpt = None,
    secondary_metric: SecondaryMetricOpt = None,
    shared_metric: SharedMetricOpt = None,
    secondary_shared_metric: SecondarySharedOpt = None,
    set_: CreateSetOpt = None,
    allow_unknown_events: AllowUnknownOpt = False,
    share_flag: ShareFlagOpt = False,
    output: OutputOpt = None,
) -> None:
    """Create a draft experiment.

    PostHog creates the feature flag too (or links an existing flag with that key,
    which must have a 'control' variant). The experiment starts as a draft: launch it
    with `expctl launch`. Metrics given with --metric are checked offline against
    PostHog's definitions before anything is sent.
    """
    from expctl.core.apply.bodies import ExperimentCreate, check_flag_key, check_name, parse_variants

    extra = _create_extras(type_, set_)
    extra.update(_metric_fields(metric or [], secondary_metric or [], extra))
    if allow_unknown_events:
        extra["allow_unknown_events"] = True
    rt = runtime_of(ctx)
    extra.update(_linked(rt, holdout, (shared_metric or [], secondary_shared_metric or []), extra))
    body = ExperimentCreate(
        name=check_name(name),
        feature_flag_key=check_flag_key(flag_key),
        description=description,
        type=type_,
        holdout_id=None,
        variants=parse_variants(variant or []),
        extra=extra,
    )
    _check_flag_is_free(rt, body.feature_flag_key, share_flag)
    created = rt.experiments.create(body.body(), on_note=rt.messages.warn)
    _report_created(rt, created, extra, output)


def _report_created(rt: Runtime, created: Mapping[str, Any], extra: dict[str, Any], output: str | None) -> None:
    from expctl.core.specs.fields import fields_not_stored, not_computable_warning
    from expctl.model.experiment import status_of
    from expctl.render.words import unstored_message

    rt.messages.success(
        f"Created '{created.get('name')}' (id {created.get('id')}), flag {created.get('feature_flag_key')}, "
        f"{status_of(created)}"
    )
    ignored = fields_not_stored(extra, created)
    if ignored:
        rt.messages.warn(unstored_message(ignored))
    warning = not_computable_warning(extra, created)
    if warning:
        rt.messages.warn(warning)
    rt.show_changed(created, output)


def _create_extras(type_: str | None, sets: list[str] | None) -> dict[str, Any]:
    """The --set fields of a create, after checking --type and that --set does not
    stand in for an option of its own."""
    from expctl.core.apply.bodies import parse_sets
    from expctl.core.specs.fields import TYPES
    from expctl.errors import UsageError

    if type_ is not None and type_ not in TYPES:
        raise UsageError(f"--type must be one of {', '.join(TYPES)}")
    extra = parse_sets(sets or [])
    for reserved in ("name", "feature_flag_key"):
        if reserved in extra:
            raise UsageError(f"use --{reserved.replace('feature_flag_key', 'flag-key')} instead of --set {reserved}")
    return extra


def _metric_fields(primary: list[str], secondary: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    from expctl.core.metrics.from_spec import parse_metric_option
    from expctl.errors import UsageError

    out: dict[str, Any] = {}
    for field, texts, option in (
        ("metrics", primary, "--metric"),
        ("metrics_secondary", secondary, "--secondary-metric"),
    ):
        if texts and field in extra:
            raise UsageError(f"use {option} or --set {field}, not both")
        if texts:
            out[field] = [parse_metric_option(text, option) for text in texts]
    return out


def _linked(
    rt: Runtime, holdout: str | None, shared: tuple[list[str], list[str]], extra: dict[str, Any]
) -> dict[str, Any]:
    """--holdout and --shared-metric as PostHog takes them (ids), looked up by id or name."""
    from expctl.errors import UsageError

    out: dict[str, Any] = {}
    primary, secondary = shared
    if holdout is not None:
        if "holdout_id" in extra:
            raise UsageError("use --holdout or --set holdout_id, not both")
        out["holdout_id"] = int(rt.holdouts.resolve(holdout)["id"])
    if primary or secondary:
        if "saved_metrics_ids" in extra:
            raise UsageError("use --shared-metric or --set saved_metrics_ids, not both")
        from expctl.core.metrics.edit import ONCE_PER_EXPERIMENT

        api = rt.shared_metrics
        links: list[dict[str, Any]] = []
        for role, refs in (("primary", primary), ("secondary", secondary)):
            for ref in refs:
                found = api.resolve(ref)
                if any(link["id"] == int(found["id"]) for link in links):
                    raise UsageError(f"shared metric {found.get('name')!r} is given twice; {ONCE_PER_EXPERIMENT}")
                links.append({"id": int(found["id"]), "metadata": {"type": role}})
        out["saved_metrics_ids"] = links
    return out


def _check_flag_is_free(rt: Runtime, flag_key: str, share_flag: bool) -> None:
    """Refuse a second experiment on a flag another one is still using (both would serve
    the flag, and the key would no longer name one experiment) unless --share-flag says
    so; finished experiments on the flag are the normal re-run and only get a note."""
    from expctl.errors import RejectedError
    from expctl.model.experiment import split_flag_users, status_of

    in_play, finished = split_flag_users(rt.experiments.find_by_flag_key(flag_key))
    described = ", ".join(f"'{e.get('name')}' (id {e.get('id')}, {status_of(e)})" for e in in_play)
    if in_play and not share_flag:
        raise RejectedError(
            f"the flag {flag_key!r} is in use by {described}",
            hint="stop or archive that experiment first, choose another --flag-key, or pass --share-flag",
        )
    if in_play:
        rt.messages.note(f"Sharing the flag {flag_key!r} with {described}; refer to these experiments by id.")
    elif finished:
        ids = ", ".join(str(e.get("id")) for e in finished)
        rt.messages.note(f"Re-using the flag {flag_key!r} of finished experiment(s) {ids}.")
