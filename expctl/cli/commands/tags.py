"""tag: add, remove or set tags on many experiments at once (``bulk_update_tags/``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import YesOpt, examples, new_app
from expctl.cli.framework.runtime import Runtime

tag_app = new_app(help="Add, remove or set tags on many experiments at once.", no_args_is_help=True)

TagsArg = Annotated[str, typer.Argument(metavar="TAGS", help="Comma-separated tags, e.g. checkout,q3.")]
TargetsArg = Annotated[
    list[str] | None, typer.Argument(metavar="[EXPERIMENT]...", help="Experiment ids or feature flag keys.")
]
StatusOpt = Annotated[str | None, typer.Option("--status", help="Every experiment with this status instead.")]


def _command(action: str, summary: str, example: str) -> None:
    @tag_app.command(action, help=summary, epilog=examples(example, f"expctl tag {action} q3 --status running --yes"))
    def run(
        ctx: typer.Context, tags: TagsArg, experiments: TargetsArg = None, status: StatusOpt = None, yes: YesOpt = False
    ) -> None:
        bulk_tags(runtime_of(ctx), action, tags, experiments or [], status, yes)


_command("add", "Add tags to experiments (the others they have stay).", "expctl tag add checkout,q3 checkout-v2")
_command("remove", "Remove tags from experiments.", "expctl tag remove q3 checkout-v2 pricing-copy")
_command("set", "Give experiments exactly these tags (an empty list clears them).", "expctl tag set checkout 12 13")


def bulk_tags(rt: Runtime, action: str, tags_text: str, refs: list[str], status: str | None, yes: bool) -> None:
    """Planned and confirmed like any bulk write, then sent 500 ids at a time."""
    from expctl.cli.framework.prompts import confirm
    from expctl.errors import UsageError
    from expctl.render.words import plural

    tags = sorted({t.strip().lower() for t in tags_text.split(",") if t.strip()})
    if not tags and action != "set":
        raise UsageError(f"tag {action}: name at least one tag")
    if bool(refs) == bool(status):
        raise UsageError("name experiments, or --status to take every experiment with that status (not both)")
    targets = _targets(rt, refs, status)
    if not targets:
        rt.messages.note("No experiments to tag.")
        return
    said = ", ".join(tags) if tags else "no tags"
    verb = {"add": f"Add {said} to", "remove": f"Remove {said} from", "set": f"Set {said} on"}[action]
    for row in targets:
        rt.messages.note(f"  {row.get('id')}  {row.get('name')}  (now: {', '.join(row.get('tags') or []) or '-'})")
    many = plural(len(targets), "experiment")
    confirm(rt, f"{verb} {many}?", action=f"tagging {many}", assume_yes=yes)
    updated, skipped = rt.tags.bulk_update(action, tags, [int(r["id"]) for r in targets])
    for item in skipped:
        rt.messages.warn(f"skipped {item.get('id')}: {item.get('reason')}")
    rt.messages.success(
        f"Tagged {plural(len(updated), 'experiment')}" + (f"; {len(skipped)} skipped" if skipped else "")
    )


def _targets(rt: Runtime, refs: list[str], status: str | None) -> list[Mapping[str, Any]]:
    from expctl.api.experiments import ExperimentRef
    from expctl.api.listing import ListFilters

    if status:
        return list(rt.experiments.iter(ListFilters(status=status)))
    return [rt.experiments.resolve(ExperimentRef.parse(ref)) for ref in refs]
