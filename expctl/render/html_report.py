"""The shareable report: one self-contained HTML page per experiment, and an index.

Built with Jinja2 templates (``render/templates``) with autoescaping on, so a name that
holds ``<script>`` is shown, never run; the charts are inline SVG (``render/svg.py``).
The page loads nothing: no script, no font, no image from anywhere, and a
Content-Security-Policy that forbids them, so it opens the same offline, attached to an
e-mail or printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from expctl import __version__
from expctl.core.results.daily import Exposures, MetricHistory
from expctl.core.results.overview import ExperimentOverview
from expctl.core.results.verdicts import BASELINE, LOSING, WINNING, ExperimentResults, MetricResult
from expctl.model.experiment import status_of, variants_of
from expctl.model.times import parse_time
from expctl.render.results import (
    evidence_header,
    format_count,
    format_delta,
    format_evidence,
    format_interval,
    format_value,
)
from expctl.render.svg import Interval, intervals, lines

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class Where:
    host: str
    project: str
    made_at: str
    web_url: str = ""


def experiment_page(page: ExperimentOverview, where: Where, *, index_link: bool = False) -> str:
    metrics = [_metric(m) for m in page.results.metrics] if page.results else []
    context = {
        "e": _experiment(page.experiment),
        "decision": _decision(page),
        "lead": _lead(page),
        "metrics": metrics,
        "srm": _srm(page.results),
        "notes": [*(page.results.notes if page.results else []), *page.notes],
        "exposures": _exposures(page.exposures),
        "daily": [_daily(history) for history in page.daily if history.days],
        "plan": _plan_rows(page),
        "index_link": index_link,
        **_footer(where),
    }
    return str(_environment().get_template("report.html.j2").render(context))


def index_page(entries: Sequence[tuple[str, ExperimentOverview]], where: Where) -> str:
    rows = []
    for file, page in entries:
        verdicts = []
        for metric in page.results.metrics if page.results else []:
            if metric.role != "primary":
                continue
            for row in metric.rows:
                if row.verdict != BASELINE:
                    verdicts.append({"text": f"{metric.name} · {row.key}: {row.verdict}", "css": _css(row.verdict)})
        rows.append(
            {
                "file": file,
                "name": page.experiment.get("name"),
                "status": status_of(page.experiment),
                "verdicts": verdicts,
            }
        )
    return str(_environment().get_template("index.html.j2").render({"entries": rows, **_footer(where)}))


def review_page(findings: Sequence[Any], title: str, made: str) -> str:
    """`review -o html`: the findings as one page in the report's style."""
    rows = [{"label": f.label, "name": f.experiment.get("name"), "id": f.experiment.get("id"), "why": f.why}
            for f in findings]  # fmt: skip
    context = {"findings": rows, "title": title, "made_at": made, "version": __version__}
    return str(_environment().get_template("review.html.j2").render(context))


def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _footer(where: Where) -> dict[str, Any]:
    return {
        "host": where.host,
        "project": where.project,
        "made_at": where.made_at,
        "web_url": where.web_url,
        "version": __version__,
    }


def _experiment(experiment: Mapping[str, Any]) -> dict[str, Any]:
    holdout = experiment.get("holdout")
    return {
        "name": experiment.get("name") or "(unnamed)",
        "id": experiment.get("id"),
        "flag": experiment.get("feature_flag_key"),
        "status": status_of(experiment),
        "description": experiment.get("description") or "",
        "variants": [
            {"key": v.get("key"), "share": f"{v.get('rollout_percentage')}%"} for v in variants_of(experiment)
        ],
        "start": _day(experiment.get("start_date")),
        "end": _day(experiment.get("end_date")),
        "holdout": holdout.get("name") if isinstance(holdout, Mapping) else None,
        "conclusion": experiment.get("conclusion"),
        "conclusion_comment": experiment.get("conclusion_comment"),
    }


def _day(value: Any) -> str | None:
    moment = parse_time(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else None


def _css(verdict: str) -> str:
    return "winning" if verdict == WINNING else "losing" if verdict == LOSING else "other"


def _metric(metric: MetricResult) -> dict[str, Any]:
    rows = []
    for row in metric.rows:
        rows.append(
            {
                "label": row.key,
                "baseline": row.is_baseline,
                "exposures": format_count(row.exposures),
                "value": format_value(metric, row.value),
                "delta": "" if row.is_baseline else format_delta(metric, row.delta),
                "interval": "" if row.is_baseline else format_interval(metric, row.interval),
                "evidence": "" if row.is_baseline else format_evidence(metric, row.chance_to_win, row.p_value),
                "verdict": row.verdict,
                "css": _css(row.verdict),
            }
        )
    tested = [row for row in metric.rows if not row.is_baseline]
    chart = intervals(
        f"{metric.name}: change by variant",
        [
            Interval(
                row.key,
                row.delta,
                row.interval[0] if row.interval else None,
                row.interval[1] if row.interval else None,
                row.verdict,
                f"{format_delta(metric, row.delta)} {format_interval(metric, row.interval)}".strip(),
            )
            for row in tested
        ],
        percent=metric.relative or metric.value_is_rate,
    )
    baseline = next((row.key for row in metric.rows if row.is_baseline), "the baseline")
    return {
        "name": metric.name,
        "role": metric.role,
        "kind": metric.kind,
        "goal": "lower is better" if metric.lower_is_better else "higher is better",
        "method": metric.method,
        "error": metric.error,
        "rows": rows,
        "chart": chart,
        "baseline": baseline,
        "level": f"{metric.level * 100:g}%",
        "evidence": evidence_header(metric).lower(),
        "warnings": [*metric.warnings, *metric.notes],
    }


def _decision(page: ExperimentOverview) -> dict[str, Any] | None:
    """What `expctl decide` says, first on the page: the outcome and its reasons."""
    from expctl.render.decision import headline

    if page.decision is None:
        return None
    return {"headline": headline(page.decision), "reasons": page.decision.reasons}


def _lead(page: ExperimentOverview) -> dict[str, Any] | None:
    """The answer first: the headline in words, then how the numbers were computed, how
    fresh they are, PostHog's own warnings and its running-time estimate."""
    from expctl.render.headline import headline
    from expctl.render.results import freshness_lines

    results = page.results
    if results is None:
        return None
    settings = results.settings.describe() if results.settings else "legacy results (Bayesian)"
    return {
        "headline": headline(results),
        "facts": [
            ("Statistics", settings),
            *(("Data", text) for text, _ in freshness_lines(results, None)),
            *((("PostHog's estimate", estimate),) if (estimate := _estimate(page)) else ()),
            *((("Exposure event", str(event)),) if (event := page.experiment.get("resolved_exposure_event")) else ()),
        ],
        "bias": results.bias.words() if results.bias else None,
    }


def _srm(results: ExperimentResults | None) -> dict[str, Any] | None:
    from expctl.core.results.health import srm_words

    srm = results.srm if results else None
    if srm is None:
        return None
    counts = ", ".join(f"{key} {count:,}" for key, count in srm.observed.items())
    if srm.mismatch:
        text = f"mismatch: {counts} differ from the configured split ({srm_words(srm)}); check assignment first"
    else:
        text = f"{counts}, as configured ({srm_words(srm)})"
    return {"mismatch": srm.mismatch, "text": text}


def _exposures(exposures: Exposures | None) -> dict[str, Any] | None:
    if exposures is None or not exposures.days:
        return None
    keys = list(exposures.daily)
    cumulative: dict[str, list[float | None]] = {
        key: [float(sum(values[: i + 1])) for i in range(len(values))] for key, values in exposures.daily.items()
    }
    chart = lines(
        "Exposures so far by variant (cumulative, as PostHog shows them)",
        exposures.days,
        cumulative,
        lambda value: f"{value:,.0f}",
        zero=True,  # counts from nothing: a small change must not look like a leap
    )
    rows = [[day, *(f"{exposures.daily[k][i]:,}" for k in keys)] for i, day in enumerate(exposures.days)]
    totals = " · ".join(f"{key} {sum(values):,}" for key, values in exposures.daily.items())
    return {"chart": chart, "variants": keys, "rows": rows, "totals": totals}


def _daily(history: MetricHistory) -> dict[str, Any]:
    days = [day.day for day in history.days]
    keys = sorted({row.key for day in history.days for row in day.rows})
    series: dict[str, list[float | None]] = {key: [] for key in keys}
    band: dict[str, list[tuple[float, float] | None]] = {key: [] for key in keys}
    for day in history.days:
        by_key = {row.key: row for row in day.rows}
        for key in keys:
            row = by_key.get(key)
            series[key].append(row.delta if row else None)
            band[key].append(row.interval if row and row.interval else None)
    shape = history.shape
    relative = shape.relative if shape else True

    def describe(value: float) -> str:
        return f"{value * 100:+.1f}%" if relative else f"{value:+.2f}"

    title = f"{history.spec.name}: change per day"
    return {"name": history.spec.name, "chart": lines(title, days, series, describe, band=band, zero=True)}


def _estimate(page: ExperimentOverview) -> str | None:
    from expctl.render.sizing import posthog_estimate

    return posthog_estimate(page.sizing.posthog) if page.sizing is not None else None


def _plan_rows(page: ExperimentOverview) -> list[tuple[str, str]]:
    """The running estimate as label/value rows, PostHog's among them; what expctl's
    estimate leaves out of the experiment's analysis is said."""
    from expctl.core.results.stats_settings import plan_caveats
    from expctl.render.sizing import running_rows

    sizing = page.sizing
    if sizing is None:
        return []
    rows = running_rows(sizing.spec.name, sizing.estimate, sizing.mde_source, sizing.posthog)
    settings = page.results.settings if page.results else None
    rows.extend(("note", f"expctl's estimate: {caveat}") for caveat in (plan_caveats(settings) if settings else []))
    return rows
