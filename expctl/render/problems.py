"""What `validate` (and every command that loads specs) found: as lines for people and
editors' problem matchers, or as data for editors and CI."""

from __future__ import annotations

from typing import Any

from expctl.core.specs.load import Problem, SpecSet


def problem_lines(result: SpecSet) -> str:
    """One ``file:line:column: message`` line per problem."""
    return "".join(f"{problem}\n" for problem in result.problems)


def problems_data(result: SpecSet, environments: list[str]) -> dict[str, Any]:
    """``validate -o json``: every problem and note with its position, and what was read."""
    return {
        "valid": not result.problems,
        "problems": [_where(problem) for problem in result.problems],
        "notes": [_where(note) for note in result.notes],
        "specs": result.documents,
        "files": result.files,
        "environments": environments,
    }


def _where(problem: Problem) -> dict[str, Any]:
    position = problem.position
    return {"file": position.file, "line": position.line, "column": position.column, "message": problem.message}
