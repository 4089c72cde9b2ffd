"""export: existing experiments, holdouts and shared metrics as specs, ready for `apply`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import complete_experiment, examples, new_app
from expctl.render.words import plural

if TYPE_CHECKING:
    pass

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
    from expctl.cli.framework.apply_view import live_source
    from expctl.cli.jobs.export import export_documents
    from expctl.core.specs.export import to_yaml
    from expctl.errors import UsageError

    rt = runtime_of(ctx)
    if bool(experiments) == all_:
        raise UsageError("name experiments to export, or pass --all (not both)")
    documents = export_documents(live_source(rt).read, experiments or [], every=all_, parallel=parallel)
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
