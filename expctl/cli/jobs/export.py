"""The export job: existing experiments, holdouts and shared metrics as spec documents.

What `export` writes and what `promote` and `diff --against` plan from: the documents
come back as data (file name and spec); the command writes or prints them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from expctl.cli.jobs.hooks import Progress, Say, no_progress, silent

if TYPE_CHECKING:
    from expctl.api.experiments import ExperimentsApi
    from expctl.api.resources import ResourceApi, ResourceKind
    from expctl.cli.jobs.apply import ExperimentStore


@dataclass
class ExportSource:
    """Where experiments are read from: one environment's API areas and its cache."""

    experiments: ExperimentsApi
    cache: ExperimentStore
    resources: Callable[[ResourceKind], ResourceApi]
    progress: Progress = no_progress
    warn: Say = silent


def read_experiments(source: ExportSource, refs: Sequence[str], *, every: bool, parallel: int) -> list[Any]:
    """The named experiments (or every one, archived too), full, one per flag key; a full
    object an earlier run kept for the same version stands in for its GET."""
    from expctl.api.experiments import ExperimentRef

    if not every:
        return _one_per_flag_key(source, [source.experiments.resolve(ExperimentRef.parse(text)) for text in refs])
    cache = source.cache
    rows = sorted(
        (row for row in source.experiments.every_row() if row.get("id") is not None), key=lambda r: int(r["id"])
    )
    known: dict[int, Any] = {int(row["id"]): cache.full(row) for row in rows}
    ids = [experiment_id for experiment_id, full in known.items() if full is None]
    with (
        source.progress("Exporting", total=len(rows)) as bar,
        ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="expctl-export") as pool,
    ):
        for full in pool.map(source.experiments.get, ids):
            known[int(full["id"])] = full
            cache.remember(full)
            bar.advance()
        bar.advance(len(rows) - len(ids))
    cache.save()
    return _one_per_flag_key(source, [full for full in known.values() if full is not None])


def export_documents(
    source: ExportSource, refs: Sequence[str], *, every: bool, parallel: int
) -> list[tuple[str, dict[str, Any]]]:
    """(file name, spec) for each holdout, shared metric and experiment to write."""
    from expctl.core.specs.export import resource_to_spec, to_spec
    from expctl.settings.shared_files import slug

    fulls = read_experiments(source, refs, every=every, parallel=parallel)
    resources, by_id = _resources(source, fulls, every)
    documents = [(_file_name(kind, row), resource_to_spec(kind, row)) for kind, row in resources]
    documents += [(f"{slug(exp.get('feature_flag_key'))}.yaml", to_spec(exp, by_id=by_id)) for exp in fulls]
    return documents


def _resources(source: ExportSource, experiments: Sequence[Mapping[str, Any]], every: bool) -> tuple[list[Any], bool]:
    """(kind, row) of the holdouts and shared metrics to write, and whether experiments must
    refer to them by id instead (the key may not read them: then none are written)."""
    from expctl.api.resources import HOLDOUTS, SHARED_METRICS
    from expctl.core.specs.references import shared_current
    from expctl.errors import ApiAuthError
    from expctl.model.spec_kinds import HOLDOUT, SHARED_METRIC

    used_holdouts = {(e.get("holdout") or {}).get("id") for e in experiments if isinstance(e.get("holdout"), Mapping)}
    used_metrics = {sid for e in experiments for sid, _name, _role in shared_current(e)}
    if not every and not used_holdouts and not used_metrics:
        return [], False
    found: list[Any] = []
    try:
        for kind, api_kind, used in ((HOLDOUT, HOLDOUTS, used_holdouts), (SHARED_METRIC, SHARED_METRICS, used_metrics)):
            rows = source.resources(api_kind).all()
            found += [
                (kind, row)
                for row in sorted(rows, key=lambda r: int(r.get("id") or 0))
                if every or row.get("id") in used
            ]
    except ApiAuthError as exc:
        source.warn(f"holdouts and shared metrics not exported ({exc.message}); experiments refer to them by id")
        return [], True
    return found, False


def _file_name(kind: str, row: Mapping[str, Any]) -> str:
    from expctl.settings.shared_files import slug

    prefix = "holdout" if kind == "Holdout" else "shared-metric"
    return f"{prefix}-{slug(str(row.get('name') or '').lower())}-{row.get('id')}.yaml"


def _one_per_flag_key(source: ExportSource, experiments: Sequence[Any]) -> list[Any]:
    """A spec is found by its flag key, so export one experiment per key: the one `apply`
    would manage. The others are named in a warning, never silently overwritten."""
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
            source.warn(f"flag key {key!r}: not exporting id {ids} ({why}); a spec manages one experiment per key")
    return kept
