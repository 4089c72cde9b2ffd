"""`review` for people (a table), for an issue or `$GITHUB_STEP_SUMMARY` (Markdown), as
data (JSON) and as one page in the shareable report's style (HTML, autoescaped)."""

from __future__ import annotations

from collections.abc import Sequence

from expctl.core.decision.triage import Finding
from expctl.render.decision import aligned, markdown_cell


def review_table(findings: Sequence[Finding], width: int | None) -> str:
    if not findings:
        return "Nothing needs a person: every experiment is on track.\n"
    rows = [(f.label.upper(), str(f.experiment.get("id")), str(f.experiment.get("name")), f.why) for f in findings]
    header = ("URGENCY", "ID", "NAME", "WHY")
    lines = aligned([header, *rows])
    return "".join(
        f"{line if width is None or len(line) <= width else line[: max(width - 1, 20)] + '…'}\n" for line in lines
    )


def review_markdown(findings: Sequence[Finding], title: str) -> str:
    lines = [f"## {markdown_cell(title)}", ""]
    if not findings:
        return "\n".join([*lines, "Nothing needs a person: every experiment is on track.", ""])
    lines += ["| urgency | experiment | why |", "|---|---|---|"]
    for f in findings:
        name = markdown_cell(f.experiment.get("name"))
        lines.append(f"| {f.label} | {name} ({f.experiment.get('id')}) | {markdown_cell(f.why)} |")
    return "\n".join(lines) + "\n"


def review_html(findings: Sequence[Finding], title: str, made: str) -> str:
    from expctl.render.html_report import review_page

    return review_page(findings, title, made)
