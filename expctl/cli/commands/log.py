"""log: who changed an experiment, what and when, from PostHog's activity log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ExperimentArg, ObjectOutputOpt, examples, new_app
from expctl.cli.framework.output_modes import OBJECTS

log_app = new_app()

SinceOpt = Annotated[
    str | None,
    typer.Option("--since", metavar="WHEN", help="Only changes since then: a date (2026-11-01) or an age (7d, 12h)."),
]


@log_app.command(
    "log",
    epilog=examples("expctl log checkout-redesign", "expctl log checkout-redesign --since 7d -o json"),
)
def log_command(
    ctx: typer.Context, experiment: ExperimentArg, since: SinceOpt = None, output: ObjectOutputOpt = None
) -> None:
    """Show an experiment's history: who changed which field when, before and after.

    Read from PostHog's activity log (the key needs activity_log:read), newest first. Changes
    made on the feature flag itself (its rollout) are in the flag's own log, not here.
    """
    from expctl.api.experiments import ExperimentRef

    rt = runtime_of(ctx)
    cutoff = parse_since(since, datetime.now(timezone.utc)) if since else None
    exp = rt.experiments.resolve(ExperimentRef.parse(experiment))
    entries = list(rt.activity.entries(int(exp["id"]), since=cutoff))
    rt.output(output, OBJECTS).data(entries, log_text)


def parse_since(text: str, now: datetime) -> datetime:
    from expctl.errors import UsageError
    from expctl.model.times import parse_time

    raw = text.strip().lower()
    units = {"d": 86400, "h": 3600, "m": 60, "w": 604800}
    if raw[:-1].isdigit() and raw[-1:] in units:
        return now - timedelta(seconds=int(raw[:-1]) * units[raw[-1]])
    moment = parse_time(text.strip())
    if moment is None:
        raise UsageError(f"--since {text}: give a date (2026-11-01), a time (2026-11-01T09:00Z) or an age (7d, 12h)")
    return moment


def log_text(rows: list[Mapping[str, Any]]) -> str:
    from expctl.render.safe import visible

    if not rows:
        return "No changes recorded.\n"
    lines = []
    for row in rows:
        user = row.get("user") if isinstance(row.get("user"), Mapping) else {}
        assert isinstance(user, Mapping)
        who = user.get("email") or user.get("first_name") or ("PostHog" if row.get("is_system") else "someone")
        lines.append(f"{str(row.get('created_at') or '')[:16].replace('T', ' ')}  {who}  {row.get('activity')}")
        detail = row.get("detail") if isinstance(row.get("detail"), Mapping) else {}
        assert isinstance(detail, Mapping)
        for change in detail.get("changes") or []:
            if isinstance(change, Mapping):
                before, after = _short(change.get("before")), _short(change.get("after"))
                lines.append(f"    {change.get('field')}: {before} → {after}")
    return "".join(visible(line) + "\n" for line in lines)


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 70 else text[:67] + "..."
