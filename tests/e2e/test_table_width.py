"""The list table on a real (pseudo-)terminal: ID and STATUS survive every width; the
least useful columns go first; only NAME is cut, with an ellipsis, and text wraps under itself."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import Server
from tests.support.terminal import run_on_terminal


def run_at_width(server: Server, args: list[str], columns: int) -> tuple[int, list[str]]:
    """Run with stdout on a pty ``columns`` wide; the non-blank lines it showed."""
    code, screen, _ = run_on_terminal(dict(server.env, NO_COLOR="1"), args, columns=columns)
    return code, [line for line in screen.splitlines() if line.strip()]


@pytest.fixture
def long_names(cloud: Server) -> Server:
    created = cloud.run(
        "create",
        "--name",
        "Checkout redesign with a much longer name than fits",
        "--flag-key",
        "checkout-redesign-with-a-long-flag-key",
    )
    assert created.returncode == 0, created
    return cloud


def test_80_columns_keeps_id_status_and_whole_times(long_names: Server) -> None:
    code, lines = run_at_width(long_names, ["list"], 80)
    assert code == 0
    header, *rows = lines
    assert header.split()[:2] == ["ID", "NAME"] and "STATUS" in header and "STARTED" in header
    assert all(len(line) <= 80 for line in lines), lines
    assert all(line.rstrip() == line for line in lines)
    statuses = {"draft", "running", "stopped", "paused", "exposure_frozen"}
    for row in rows:
        assert row.split()[0].isdigit(), row  # the ID is there, whole
        assert statuses & set(row.split()), row  # STATUS is whole
    assert any("…" in row for row in rows)  # the long name is cut, not wrapped
    assert any(" ago" in row for row in rows) and "hours" not in " ".join(rows)  # compact times


def test_narrow_terminal_drops_created_then_ended_then_flag(long_names: Server) -> None:
    widths = {}
    for columns in (120, 80, 60, 40):
        code, lines = run_at_width(long_names, ["list"], columns)
        assert code == 0
        widths[columns] = lines[0].split()
        assert all(len(line) <= columns for line in lines), (columns, lines)
    assert widths[120] == ["ID", "NAME", "FLAG", "STATUS", "STARTED", "ENDED", "CREATED"]
    assert widths[40] == ["ID", "NAME", "STATUS", "STARTED"]
    order = ["CREATED", "ENDED", "FLAG"]
    for columns in (80, 60, 40):
        gone = {name for name in widths[120] if name not in widths[columns]}
        assert gone == set(order[: len(gone)]), columns  # dropped in the promised order


def test_columns_asked_for_by_name_are_never_dropped(long_names: Server) -> None:
    code, lines = run_at_width(long_names, ["list", "--columns", "id,created,status"], 30)
    assert code == 0
    assert lines[0].split() == ["ID", "CREATED", "STATUS"]


def test_eligible_flags_table_fits_80_columns(cloud: Server) -> None:
    code, lines = run_at_width(cloud, ["eligible-flags"], 80)
    assert code == 0
    assert lines[0].split()[:2] == ["ID", "KEY"]
    assert all(len(line) <= 80 for line in lines)


@pytest.mark.parametrize(
    "args", [["results", "checkout-redesign"], ["doctor"], ["config"], ["results", "onboarding-checklist"]]
)
def test_80_columns_wrap_under_the_text_not_at_the_margin(cloud: Server, args: list[str]) -> None:
    """On a terminal every line fits 80 columns, and a wrapped line continues under its
    own text (an indented line), never at the left margin where a new item would start."""
    code, lines = run_at_width(cloud, args, 80)
    assert code in (0, 7), lines  # doctor: the plain-http host is a warning, the server answers
    unbreakable = [line for line in lines if len(line) > 80 and len(line.split()[-1]) > 40]  # a long path
    assert all(len(line) <= 80 for line in lines if line not in unbreakable), [x for x in lines if len(x) > 80]
    for before, line in itertools.pairwise(lines):
        if before.startswith("  Funnel steps"):
            assert line.startswith("    "), (before, line)
