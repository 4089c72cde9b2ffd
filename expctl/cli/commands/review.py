"""review: every experiment of the project that needs a person, most urgent first."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ReviewOutputOpt, examples, new_app
from expctl.cli.framework.output_modes import REVIEWS
from expctl.cli.framework.spec_files import load_files

if TYPE_CHECKING:
    from expctl.cli.framework.runtime import Runtime
    from expctl.core.decision import Policy
    from expctl.core.decision.triage import Finding

review_app = new_app()

ReviewFileOpt = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="With -o html: the page to write.", metavar="FILE", show_default=False),
]
ReviewSpecsOpt = Annotated[
    list[str] | None,
    typer.Option("--specs", help="Spec files or directories: their decision: policies.", show_default=False),
]


@review_app.command(
    "review",
    epilog=examples(
        "expctl review                                         # a table, most urgent first",
        'expctl review -o markdown >> "$GITHUB_STEP_SUMMARY"   # a weekly job\'s summary',
        "expctl review -o html -f review.html                  # one page in the report's style",
        "expctl review --specs experiments/                    # with the specs' decision: policies",
    ),
)
def review_command(
    ctx: typer.Context, path: ReviewFileOpt = None, specs: ReviewSpecsOpt = None, output: ReviewOutputOpt = None
) -> None:
    """List every experiment that needs a person, most urgent first.

    \b
    From PostHog's stored results (no query where the server keeps them):
      invalid          sample ratio mismatch, bias risk, split or metrics changed mid-run
      roll back        a primary metric loses (and none wins), or a guardrail is breached
      ready to decide  `decide` says ship, or review (mixed: one primary wins, one loses)
      underpowered     the planned sample is months away at today's traffic
      flag cleanup     ended, but the flag still serves more than one variant
      no metrics, not migrated (legacy metrics), stale draft (untouched for weeks)
    Exit 0 whatever it finds: a scheduled job reads the list, `decide` gates.
    """
    from expctl.cli.jobs.decide import DecideApis
    from expctl.cli.jobs.review import ReviewSource, review
    from expctl.errors import UsageError

    rt = runtime_of(ctx)
    mode = rt.output(output, REVIEWS).mode
    if (mode == "html") != (path is not None):
        raise UsageError("-o html writes one page: name it with -f FILE (and -f goes with -o html only)")
    source = ReviewSource(
        rt.experiments,
        rt.experiment_cache,
        DecideApis(rt.results_api, rt.history_api),
        _policies(rt, list(specs or [])).get,
        rt.progress,
    )
    findings = review(source)
    _show(rt, findings, mode, path)
    for error in source.errors:
        rt.messages.warn(f"not reviewed: {error}")


def _policies(rt: Runtime, specs: list[str]) -> dict[str, Policy | None]:
    """Each spec's policy by flag key; a problem in any ends the run (exit 2), as `validate`."""
    from expctl.cli.framework.spec_files import report_problems

    if not specs:
        return {}
    found = load_files(rt, specs)
    if found.problems:
        report_problems(rt, found)
    return {spec.flag_key: spec.policy for spec in found.specs}


def _show(rt: Runtime, findings: list[Finding], mode: str, html_file: Path | None) -> None:
    title = f"Experiments to review · project {rt.client.project} on {rt.settings.host}"
    if mode in ("json", "yaml"):
        rt.output(mode).data([f.as_json() for f in findings])
    elif mode == "markdown":
        from expctl.render.review import review_markdown

        rt.output("plain").text(review_markdown(findings, title))
    elif html_file is not None:
        from datetime import datetime, timezone

        from expctl.render.review import review_html
        from expctl.settings.shared_files import write_shared

        made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        write_shared(html_file, review_html(findings, title, made))
        rt.messages.success(f"Wrote {html_file}")
    else:
        from expctl.render.review import review_table

        rt.output("plain").text(review_table(findings, rt.width))
