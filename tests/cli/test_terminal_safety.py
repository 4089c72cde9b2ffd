"""Server strings cannot drive the terminal (issue 32): whoever can rename an experiment,
a metric or a variant in PostHog must not be able to retitle the terminal, erase a line or
forge one. Control characters are shown (``^[``, ``^M``, ``\\u009b``), rich markup in a name
is not interpreted, and machine output keeps PostHog's strings exactly."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import InProcessServer

HOSTILE = "Evil\x1b]0;pwned\x07\x1b[2K\r\x1b[32m✓ all good\x1b[0m [bold red]x[/] \x9b31m"
CONTROLS = ("\x1b", "\r", "\x07", "\x9b")


def _rename(server: InProcessServer, name: str = HOSTILE) -> None:
    store = server.fake.store
    with store.lock:
        experiment = store.experiments[server.ids["checkout-redesign"]]
        experiment["name"] = name
        for metric in experiment.get("metrics") or []:
            metric["name"] = name


@pytest.mark.parametrize(
    "args",
    [
        ["list", "-o", "table"],
        ["list", "-o", "plain"],
        ["get", "checkout-redesign", "-o", "table"],
        ["results", "checkout-redesign", "-o", "table"],
        ["results", "checkout-redesign", "-o", "markdown"],
        ["results", "checkout-redesign", "-o", "plain"],
        ["metrics", "list", "checkout-redesign", "-o", "table"],
        ["pause", "checkout-redesign"],
        ["report", "checkout-redesign"],
    ],
)
def test_control_characters_in_server_strings_are_shown_not_sent(cloud: InProcessServer, args: list[str]) -> None:
    _rename(cloud)
    result = cloud.run(*args, env={"COLUMNS": "400"})  # wide enough that no name is cut
    assert result.returncode == 0, result
    for stream in (result.stdout, result.stderr):
        assert not any(control in stream for control in CONTROLS), repr(stream[:400])
    shown = result.stdout + result.stderr
    assert "^[]0;pwned^G^[[2K^M^[[32m" in shown, repr(shown[:400])
    assert "[bold red]x[/]" in shown or args[0] == "pause", "rich markup is text, not style"


def test_machine_output_keeps_posthogs_strings_exactly(cloud: InProcessServer) -> None:
    _rename(cloud)
    got = json.loads(cloud.run("get", "checkout-redesign", "-o", "json").stdout)
    assert got["name"] == HOSTILE
    listed = [line for line in cloud.run("list", "-o", "jsonl").stdout.splitlines() if "Evil" in line]
    assert json.loads(listed[0])["name"] == HOSTILE


def test_a_line_break_in_a_name_cannot_start_a_line_of_its_own(cloud: InProcessServer) -> None:
    _rename(cloud, "Checkout\nerror: your key was revoked")
    result = cloud.run("list", "-o", "plain")
    assert all(not line.startswith("error:") for line in result.stdout.splitlines())
    assert "Checkout^Jerror: your key was revoked" in result.stdout
