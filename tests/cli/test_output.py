"""Output modes of list and get, as scripts and people see them.

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_output.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Server


def test_plain_is_the_default_when_piped(server: Server) -> None:
    result = server.run("list")
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    first = lines[0].split("\t")
    assert len(first) == 7, "id, name, flag, status, started, ended, created"
    assert "\x1b[" not in result.stdout
    by_flag = {line.split("\t")[2]: line.split("\t") for line in lines}
    running = by_flag["checkout-redesign"]
    assert running[3] == "running"
    assert running[4].endswith("Z") and "T" in running[4], "plain output keeps RFC 3339 times"


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is installed by .ci/run")
def test_json_round_trips_through_jq(server: Server) -> None:
    result = server.run("list", "-o", "json")
    piped = subprocess.run(["jq", "-c", "."], input=result.stdout, capture_output=True, text=True, check=True)
    assert json.loads(piped.stdout) == json.loads(result.stdout)
    names = subprocess.run(["jq", "-r", ".[].name"], input=result.stdout, capture_output=True, text=True, check=True)
    assert "Checkout redesign" in names.stdout.splitlines()


def test_ids_mode(server: Server) -> None:
    ids = server.run("list", "-o", "ids").stdout.split()
    assert sorted(int(i) for i in ids) == sorted(server.ids.values())
    assert server.run("get", "pricing-copy", "-o", "ids").stdout.strip() == str(server.ids["pricing-copy"])


def test_jsonl_mode(server: Server) -> None:
    lines = server.run("list", "-o", "jsonl").stdout.splitlines()
    assert len(lines) == 3
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_table_mode(server: Server) -> None:
    table = server.run("list", "-o", "table")
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "FLAG", "STATUS", "STARTED", "ENDED", "CREATED"]
    assert any("Checkout redesign" in line and "running" in line and "2w ago" in line for line in lines)
    detail = server.run("get", "checkout-redesign", "-o", "table").stdout
    assert "Checkout redesign" in detail and "Status:" in detail and "running since" in detail
    assert f"{server.url}/project/1/experiments/{server.ids['checkout-redesign']}" in detail
    assert "control 50% · test 50%" in detail


def test_plain_get_is_one_row(server: Server) -> None:
    row = server.run("get", "pricing-copy", "-o", "plain").stdout.splitlines()
    assert len(row) == 1 and row[0].split("\t")[2] == "pricing-copy"


def test_columns_choose_what_table_and_plain_show(cloud: Server) -> None:
    result = cloud.run("list", "--columns", "flag,status")
    assert sorted(result.stdout.splitlines()) == [
        "checkout-redesign\trunning",
        "onboarding-checklist\tstopped",
        "pricing-copy\tdraft",
    ]
    bad = cloud.run("list", "--columns", "flag,colour")
    assert bad.returncode == 2 and "unknown column 'colour'" in bad.stderr


def test_output_from_environment(cloud: Server) -> None:
    result = cloud.run("list", env={"EXPCTL_OUTPUT": "ids"})
    assert sorted(result.stdout.split()) == sorted(str(i) for i in cloud.ids.values())


def test_status_is_computed_when_the_server_sends_none(legacy: Server) -> None:
    rows = [line.split("\t") for line in legacy.run("list").stdout.splitlines()]
    statuses = {row[2]: row[3] for row in rows}
    assert statuses == {"checkout-redesign": "running", "signup-funnel": "running", "pricing-copy": "draft"}


# One command of each kind of output, with what it needs to run (issue 31: -o is honest).
RUNNABLE = {
    "list": ["list"],
    "get": ["get", "checkout-redesign"],
    "metrics list": ["metrics", "list", "checkout-redesign"],
    "results": ["results", "checkout-redesign"],
    "plan": ["plan", "--baseline-rate", "0.1", "--mde", "5%"],
    "validate": ["validate", "-f", "{spec}"],
    "diff": ["diff", "-f", "{spec}"],
    "render": ["render", "-f", "{spec}"],
    "auth status": ["auth", "status"],
    "config": ["config"],
    "config profiles": ["config", "profiles"],
    "doctor": ["doctor"],
    "api": ["api", "GET", "experiments/"],
    "flag-check": ["flag-check", "--event", "purchase"],
    "eligible-flags": ["eligible-flags"],
    "stats": ["stats"],
}


@pytest.mark.parametrize("command", sorted(RUNNABLE))
def test_each_output_mode_a_command_lists_works_and_no_other(cloud: Server, tmp_path: Path, command: str) -> None:
    from expctl.cli.framework.output_modes import COMMAND_MODES
    from expctl.render.output import MODES

    spec = tmp_path / "spec.yaml"
    spec.write_text("name: Checkout redesign\nfeature_flag_key: checkout-redesign\n")
    args = [arg.replace("{spec}", str(spec)) for arg in RUNNABLE[command]]
    for mode in MODES:
        result = cloud.run(*args, "-o", mode)
        if mode in COMMAND_MODES[command]:
            assert result.returncode in (0, 8, 9), (mode, result)  # diff: 8 pending; flag-check: 9 not ready
            if mode == "yaml" and result.stdout.strip() not in ("[]", "{}"):  # empty has no block form
                assert not result.stdout.lstrip().startswith(("{", "[")), f"-o yaml is block YAML: {result.stdout[:80]}"
        else:
            assert result.returncode == 2, (mode, result)
            assert f"output {mode!r} is not available here" in result.stderr


def test_a_configured_mode_a_command_lacks_falls_back_to_its_default(cloud: Server) -> None:
    result = cloud.run("plan", "--baseline-rate", "0.1", "--mde", "5%", env={"EXPCTL_OUTPUT": "jsonl"})
    assert result.returncode == 0, result
    assert result.stdout.startswith("mde\t0.05\n"), "plan's plain lines, not a refusal"


def test_validate_gives_editors_and_ci_every_problem_with_its_position(cloud: Server, tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(
        "name: Broken\nfeature_flag_key: broken\nvariants:\n"
        "  - {key: control, rollout_percentage: 50}\n  - {key: test, rollout_percentage: 40}\n"
    )
    result = cloud.run("validate", "-f", str(spec), "-o", "json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["valid"] is False and data["files"] == 1
    [problem] = data["problems"]
    assert problem["file"] == str(spec) and isinstance(problem["line"], int) and isinstance(problem["column"], int)
    assert "100" in problem["message"]
    assert result.stderr.startswith("error: 1 problem in 1 file; nothing was sent")
    spec.write_text("name: Fine\nfeature_flag_key: fine\n")
    clean = json.loads(cloud.run("validate", "-f", str(spec), "-o", "json").stdout)
    assert clean["valid"] is True and clean["problems"] == []


@pytest.mark.parametrize("columns", ["60", "50", "40"])
def test_a_narrow_table_never_cuts_a_flag_key(cloud: Server, columns: str) -> None:
    """`checkout-redesign…` beside `checkout-redesign` invites copying the wrong key: FLAG is
    shown whole or not at all; names are cut first."""
    assert cloud.run("duplicate", "checkout-redesign", "--flag-key", "checkout-redesign-long-variant-b").returncode == 0
    result = cloud.run("list", "-o", "table", env={"COLUMNS": columns})
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    flags = {"checkout-redesign", "checkout-redesign-long-variant-b", "pricing-copy", "onboarding-checklist"}
    shown = "FLAG" in lines[0]
    for line in lines[1:]:
        words = set(line.split())
        assert not any(word.rstrip("…") != word and word.startswith("checkout-redesign") for word in line.split())
        if shown:
            assert words & flags, line


def test_the_readme_list_and_results_excerpts_are_the_demos(demo_day: Server) -> None:
    """The README's first excerpts, against the demo of the day they were taken: every
    cell but the relative ages (which count from today), and the results' header."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    listed = readme.split("$ expctl list\n", 1)[1].split("```", 1)[0].splitlines()
    result = demo_day.run("list", "-o", "table", env={"COLUMNS": "100"})
    shown = result.stdout.splitlines()
    ages = listed[0].index("STARTED")  # the relative ages count from today, whatever the demo's day
    assert [line[:ages] for line in shown] == [line[:ages] for line in listed], "ID, NAME, FLAG, STATUS as written"
    excerpt = readme.split("$ expctl results checkout-redesign\n", 1)[1].split("```", 1)[0].splitlines()
    results = demo_day.run("results", "checkout-redesign", "-o", "table", env={"COLUMNS": "100"}).stdout.splitlines()
    assert results[:2] == excerpt[:2], "name, and the days of data counted to the day the numbers are of"
    assert [line for line in excerpt[3:] if line not in results] == []
