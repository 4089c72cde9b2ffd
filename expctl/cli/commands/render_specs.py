"""render: the specs as one environment sees them, overlays merged (offline)."""

from __future__ import annotations

from typing import Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import SpecsOutputOpt, examples, new_app
from expctl.cli.framework.spec_files import FilesOpt, load_files, report_problems

render_app = new_app()


@render_app.command(
    "render",
    epilog=examples(
        "expctl render --env prod -f experiments/        # what `apply --env prod` would apply",
        "expctl render --env staging -f experiments/ -o json | jq '.[].feature_flag_key'",
    ),
)
def render_command(
    ctx: typer.Context,
    files: FilesOpt,
    output: SpecsOutputOpt = None,
) -> None:
    """Print the specs as an environment sees them: its overlays merged, nothing sent.

    Without --env, the base specs. The same merge `validate`, `diff` and `apply` use
    (see the README's "Environments"): review this output to see exactly what an
    environment gets.
    """
    from expctl.cli.framework.output_modes import SPECS
    from expctl.core.specs.export import to_yaml

    rt = runtime_of(ctx)
    mode = rt.output(output, SPECS).mode
    result = load_files(rt, files)
    if result.problems:
        report_problems(rt, result)
    documents: list[dict[str, Any]] = [{"kind": r.kind, **r.data} for r in result.resources]
    documents += [dict(spec.data) for spec in result.specs]
    if mode == "json":
        rt.output("json").data(documents)
    else:
        rt.output("plain").text("---\n".join(to_yaml(document) for document in documents))
