"""The human view of one experiment (``expctl get`` on a terminal)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expctl.model.experiment import display_status, variants_of
from expctl.render import timefmt
from expctl.render.style import STATUS_STYLES, Styler


def experiment_detail(exp: Mapping[str, Any], color: bool, web_url: str | None = None) -> str:
    style = Styler(color)
    status = display_status(exp)
    ident = f"(id {exp.get('id')})"
    lines = [f"{style(str(exp.get('name', '')), 'bold')}  {style(ident, 'dim')}"]

    def row(label: str, value: str) -> None:
        if value:
            padded = f"{label}:".ljust(13)
            lines.append(f"  {style(padded, 'dim')} {value}")

    status_text = style(status, *STATUS_STYLES.get(status, ()))
    if exp.get("start_date") and not exp.get("end_date"):
        status_text += (
            f" since {timefmt.short_utc(exp.get('start_date'))} ({timefmt.duration_days(exp.get('start_date'))})"
        )
    elif exp.get("end_date"):
        span = timefmt.duration_days(exp.get("start_date"), exp.get("end_date"))
        status_text += f", ended {timefmt.short_utc(exp.get('end_date'))}" + (f" after {span}" if span else "")
    if exp.get("archived") and status != "archived":
        status_text += " (archived)"
    row("Status", status_text)
    flag = exp.get("feature_flag")
    flag_text = str(exp.get("feature_flag_key") or "")
    if isinstance(flag, Mapping) and isinstance(flag.get("active"), bool):
        flag_text += " (active)" if flag["active"] else " (inactive)"
    row("Flag", flag_text)
    variants = []
    for variant in variants_of(exp):
        share = variant.get("split_percent", variant.get("rollout_percentage"))
        share_text = f" {share:g}%" if isinstance(share, (int, float)) else ""
        variants.append(f"{variant.get('key')}{share_text}")
    row("Variants", " · ".join(variants))
    row("Type", str(exp.get("type") or ""))
    stats = exp.get("stats_config")
    if isinstance(stats, Mapping) and stats.get("method"):
        row("Statistics", str(stats["method"]))
    metric_parts = []
    for key, label in (("metrics", "primary"), ("metrics_secondary", "secondary"), ("saved_metrics", "shared")):
        value = exp.get(key)
        if isinstance(value, list):
            metric_parts.append(f"{len(value)} {label}")
    if isinstance(exp.get("filters"), Mapping) and (exp["filters"].get("events") or exp["filters"].get("actions")):
        metric_parts.append("legacy goal metric")
    row("Metrics", ", ".join(metric_parts))
    if exp.get("conclusion"):
        comment = exp.get("conclusion_comment")
        row("Conclusion", f"{exp['conclusion']}" + (f": {comment}" if comment else ""))
    if exp.get("holdout"):
        holdout = exp["holdout"]
        row("Holdout", str(holdout.get("name") if isinstance(holdout, Mapping) else holdout))
    if exp.get("exposure_cohort"):
        row("Exposure", f"cohort {exp['exposure_cohort']}")
    if exp.get("resolved_exposure_event"):  # what PostHog counts exposures on (current Cloud)
        row("Exposure event", str(exp["resolved_exposure_event"]))
    row("Description", str(exp.get("description") or "").replace("\n", " "))
    creator = exp.get("created_by")
    who = creator.get("email") if isinstance(creator, Mapping) else None
    row("Created", timefmt.short_utc(exp.get("created_at")) + (f" by {who}" if who else ""))
    row("Updated", timefmt.relative(exp.get("updated_at")))
    if web_url:
        row("URL", web_url)
    return "\n".join(lines) + "\n"
