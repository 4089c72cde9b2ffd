"""export: existing experiments, holdouts and shared metrics as specs, ready for `apply`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import complete_experiment, examples, new_app
from expctl.cli.framework.runtime import Runtime
from expctl.render.words import plural

if TYPE_CHECKING:
    from expctl.core.specs.load import SpecSet

export_app = new_app()

ExportArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Experiment ids or flag keys.",
        metavar="[EXPERIMENT]...",
        autocompletion=complete_experiment,
        show_default=False,
    ),
]
ExportAllOpt = Annotated[
    bool, typer.Option("--all", help="Every experiment (archived ones too), holdout and shared metric of the project.")
]
ExportDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--filename",
        "-f",
        help="Directory to write one file per spec into (default: stdout).",
        show_default=False,
    ),
]
ParallelOpt = Annotated[int, typer.Option("--parallel", help="Experiments to read at once.", min=1, max=32)]


@export_app.command(
    "export",
    epilog=examples(
        "expctl export --all -f experiments/        # one file per experiment, holdout and shared metric",
        "expctl export checkout-redesign > checkout.yaml",
        "expctl export --all -f experiments/ && expctl diff -f experiments/   # in sync: exit 0",
    ),
)
def export_command(
    ctx: typer.Context,
    experiments: ExportArg = None,
    all_: ExportAllOpt = False,
    directory: ExportDirOpt = None,
    parallel: ParallelOpt = 8,
) -> None:
    """Write existing experiments as specs, ready for `apply`.

    The way to put experiments under code review: export them once, commit the files,
    and from then on change them in pull requests. Metrics are written in the shorthand
    where it says them exactly. The holdouts and shared metrics the experiments use are
    written too (with --all: all of them), as `kind: Holdout` and `kind: SharedMetric`
    documents, so the files validate on their own. <flag-key>.yaml, holdout-<name>.yaml
    and shared-metric-<name>.yaml go into the directory.
    """
    from expctl.core.specs.export import resource_to_spec, to_spec, to_yaml
    from expctl.errors import UsageError
    from expctl.settings.shared_files import slug

    rt = runtime_of(ctx)
    if bool(experiments) == all_:
        raise UsageError("name experiments to export, or pass --all (not both)")
    fulls = _experiments(rt, experiments or [], all_, parallel)
    resources, by_id = _resources(rt, fulls, all_)
    documents: list[tuple[str, dict[str, Any]]] = [
        (_file_name(kind, row), resource_to_spec(kind, row)) for kind, row in resources
    ]
    documents += [(f"{slug(exp.get('feature_flag_key'))}.yaml", to_spec(exp, by_id=by_id)) for exp in fulls]
    if directory is None:
        rt.output("plain").text("---\n".join(to_yaml(spec) for _name, spec in documents))
        return
    from expctl.settings.shared_files import folder, inside, write_shared

    folder(directory)
    written: set[str] = set()
    for wanted, spec in documents:
        name, count = wanted, 1
        while name in written:  # two server strings made one slug: never write over a file of this run
            count += 1
            name = f"{wanted.removesuffix('.yaml')}-{count}.yaml"
        write_shared(inside(directory, name), to_yaml(spec))
        written.add(name)
    rt.messages.success(f"Wrote {plural(len(documents), 'spec')} to {directory}/")


def _experiments(rt: Runtime, refs: Sequence[str], all_: bool, parallel: int) -> list[Any]:
    from concurrent.futures import ThreadPoolExecutor

    from expctl.api.experiments import ExperimentRef

    if not all_:
        return _one_per_flag_key(rt, [rt.experiments.resolve(ExperimentRef.parse(text)) for text in refs])
    cache = rt.experiment_cache
    rows = sorted((row for row in rt.experiments.every_row() if row.get("id") is not None), key=lambda r: int(r["id"]))
    known: dict[int, Any] = {int(row["id"]): cache.full(row) for row in rows}  # the version an earlier run kept
    ids = [experiment_id for experiment_id, full in known.items() if full is None]
    with (
        rt.progress("Exporting", total=len(rows)) as bar,
        ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="expctl-export") as pool,
    ):
        for full in pool.map(rt.experiments.get, ids):
            known[int(full["id"])] = full
            cache.remember(full)
            bar.advance()
        bar.advance(len(rows) - len(ids))
    cache.save()
    return _one_per_flag_key(rt, [full for full in known.values() if full is not None])


def _resources(rt: Runtime, experiments: Sequence[Mapping[str, Any]], all_: bool) -> tuple[list[Any], bool]:
    """(kind, row) of the holdouts and shared metrics to write, and whether experiments must
    refer to them by id instead (the key may not read them: then none are written)."""
    from expctl.api.resources import HOLDOUTS, SHARED_METRICS
    from expctl.core.specs.references import shared_current
    from expctl.errors import ApiAuthError
    from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

    used_holdouts = {(e.get("holdout") or {}).get("id") for e in experiments if isinstance(e.get("holdout"), Mapping)}
    used_metrics = {sid for e in experiments for sid, _name, _role in shared_current(e)}
    if not all_ and not used_holdouts and not used_metrics:
        return [], False
    found: list[Any] = []
    try:
        for kind, api_kind, used in ((HOLDOUT, HOLDOUTS, used_holdouts), (SHARED_METRIC, SHARED_METRICS, used_metrics)):
            rows = rt.resources(api_kind).all()
            found += [
                (kind, row)
                for row in sorted(rows, key=lambda r: int(r.get("id") or 0))
                if all_ or row.get("id") in used
            ]
    except ApiAuthError as exc:
        rt.messages.warn(f"holdouts and shared metrics not exported ({exc.message}); experiments refer to them by id")
        return [], True
    return found, False


def _file_name(kind: str, row: Mapping[str, Any]) -> str:
    from expctl.settings.shared_files import slug

    prefix = "holdout" if kind == "Holdout" else "shared-metric"
    return f"{prefix}-{slug(str(row.get('name') or '').lower())}-{row.get('id')}.yaml"


def _one_per_flag_key(rt: Runtime, experiments: Sequence[Any]) -> list[Any]:
    """A spec is found by its flag key, so export one experiment per key: the one `apply`
    would manage. The others are named on stderr, never silently overwritten."""
    from expctl.core.apply.execute import managed_experiment

    by_key: dict[Any, list[Any]] = {}
    for exp in experiments:
        by_key.setdefault(exp.get("feature_flag_key"), []).append(exp)
    kept: list[Any] = []
    for key, group in by_key.items():
        chosen, _ = managed_experiment(group)
        if chosen is not None:
            kept.append(chosen)
        left_out = [exp for exp in group if exp is not chosen]
        if left_out:
            ids = ", ".join(str(exp.get("id")) for exp in left_out)
            why = "archived, sharing it" if chosen is not None else "several experiments not archived share it"
            rt.messages.warn(f"flag key {key!r}: not exporting id {ids} ({why}); a spec manages one experiment per key")
    return kept


LIFECYCLE_FIELDS = ("state", "archived")


def live_specs(
    rt: Runtime, refs: list[str], *, with_state: bool, parallel: int, target: Runtime | None = None
) -> SpecSet:
    """The environment's experiments (those named, else every one not archived) as specs,
    read and checked as spec files are: what `promote` and `diff --against` apply to
    ``target``, with each action's id replaced by the target's (by name). Without
    ``with_state``, lifecycle is left out."""
    from expctl.core.specs.export import to_spec, to_yaml
    from expctl.core.specs.load import load_specs

    fulls = _experiments(rt, refs, not refs, parallel)
    if not refs:
        fulls = [exp for exp in fulls if not exp.get("archived")]
    specs = []
    for experiment in fulls:
        spec = to_spec(experiment, by_id=False)
        for name in () if with_state else LIFECYCLE_FIELDS:
            spec.pop(name, None)
        specs.append(spec)
    if target is not None:
        _actions_by_name(rt, target, specs)
    text = "---\n".join(to_yaml(spec) for spec in specs)
    return load_specs(
        ["-"] if specs else [], stdin_text=text, stdin_name=f"{rt.options.env or rt.settings.profile_name} (live)"
    )


def _actions_by_name(source: Runtime, target: Runtime, specs: list[dict[str, Any]]) -> None:
    """Each action and cohort id of the source replaced by the target's of the same name;
    refused (exit 6) before anything is written when the target lacks one."""
    from expctl.core.specs.retarget import ACTION, COHORT, referenced_ids, retarget
    from expctl.errors import RejectedError

    problems: list[str] = []
    for kind in (ACTION, COHORT):
        if not any(referenced_ids(spec, kind) for spec in specs):
            continue
        names = {int(row["id"]): str(row.get("name")) for row in _listed(source, kind)}
        ids: dict[str, list[int]] = {}
        for row in _listed(target, kind):
            ids.setdefault(str(row.get("name")), []).append(int(row["id"]))
        problems += [p for spec in specs for p in retarget(spec, kind, names, ids, str(spec.get("feature_flag_key")))]
    if problems:
        raise RejectedError(
            "; ".join(problems) + "; nothing was written",
            hint="create it in the target project under the same name, or leave that experiment out",
        )


def _listed(rt: Runtime, kind: str) -> list[dict[str, Any]]:
    from expctl.core.specs.retarget import ACTION

    return rt.actions.all() if kind == ACTION else rt.actions.cohorts()
