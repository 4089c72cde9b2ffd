"""`review` for people (a table), for an issue or `$GITHUB_STEP_SUMMARY` (Markdown), as
data (JSON) and as one page in the shareable report's style (HTML, autoescaped)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from expctl.core.decision.triage import Finding


def review_table(findings: Sequence[Finding], width: int | None) -> str:
    if not findings:
        return "Nothing needs a person: every experiment is on track.\n"
    rows = [(f.label.upper(), str(f.experiment.get("id")), str(f.experiment.get("name")), f.why) for f in findings]
    header = ("URGENCY", "ID", "NAME", "WHY")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = []
    for row in [header, *rows]:
        line = "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
        lines.append(line if width is None or len(line) <= width else line[: max(width - 1, 20)] + "…")
    return "\n".join(lines) + "\n"


def review_markdown(findings: Sequence[Finding], title: str) -> str:
    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [f"## {cell(title)}", ""]
    if not findings:
        return "\n".join([*lines, "Nothing needs a person: every experiment is on track.", ""])
    lines += ["| urgency | experiment | why |", "|---|---|---|"]
    lines += [
        f"| {f.label} | {cell(f.experiment.get('name'))} ({f.experiment.get('id')}) | {cell(f.why)} |" for f in findings
    ]
    return "\n".join(lines) + "\n"


def review_html(findings: Sequence[Finding], title: str, made: str) -> str:
    from expctl.render.html_report import review_page

    return review_page(findings, title, made)
