"""Fitting the list table to a terminal width, and the compact times its cells use."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from expctl.render.columns import EXPERIMENT_COLUMNS, cell_width, choose_columns, fit_columns
from expctl.render.timefmt import compact

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def _ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat()


def test_compact_times() -> None:
    assert compact(_ago(hours=5, minutes=3), NOW) == "5h ago"
    assert compact(_ago(days=3), NOW) == "3d ago"
    assert compact(_ago(days=15), NOW) == "2w ago"
    assert compact(_ago(seconds=20), NOW) == "just now"
    assert compact((NOW + timedelta(days=2, hours=1)).isoformat(), NOW) == "in 2d"
    assert compact(None, NOW) == "-"


def _cells(name: str) -> list[str]:
    return ["12", name, "flag-" + name.lower().replace(" ", "-"), "running", "2w ago", "-", "3d ago"]


def test_wide_enough_keeps_everything_whole() -> None:
    columns = choose_columns(None)
    keep, widths = fit_columns(columns, [_cells("Short")], 200)
    assert [columns[i].name for i in keep] == ["id", "name", "flag", "status", "started", "ended", "created"]
    assert widths[0] == 2 and widths[3] == len("running")


def test_only_flexible_columns_are_cut_and_never_below_the_minimum() -> None:
    columns = choose_columns("id,name,status")
    keep, widths = fit_columns(columns, [[*_cells("A very long experiment name indeed")[:2], "running"]], 10)
    assert len(keep) == 3  # nothing droppable: asked for by name
    assert widths[0] == 2 and widths[2] == len("running") and widths[1] == 4  # the terminal wraps the rest


def test_droppable_columns_go_lowest_rank_first() -> None:
    columns = choose_columns(None)
    rows = [_cells("A fairly long experiment name")]
    fits = {w: fit_columns(columns, rows, w) for w in (100, 90, 85, 70, 50, 40)}
    names = {w: [columns[i].name for i in keep] for w, (keep, _) in fits.items()}
    assert names[100] == ["id", "name", "flag", "status", "started", "ended", "created"]  # names cut instead
    assert "created" not in names[90] and "ended" in names[90]
    assert "ended" not in names[85] and "flag" in names[85]
    assert "flag" in names[70] and fits[70][1][1] == 12  # NAME cut to 12 rather than lose FLAG
    flag = rows[0][2]
    assert all(fits[w][1][names[w].index("flag")] == len(flag) for w in fits if "flag" in names[w]), "never cut"
    assert names[50] == names[40] == ["id", "name", "status", "started"]  # dropped whole


def test_wide_characters_take_two_cells() -> None:
    assert cell_width("实验") == 4 and cell_width("abc") == 3
    assert EXPERIMENT_COLUMNS["status"].drop_rank is None and EXPERIMENT_COLUMNS["id"].drop_rank is None
