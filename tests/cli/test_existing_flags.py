"""An existing flag is linked, not fought (issue 34.4): newest PostHog links a flag of the
same key as it is and refuses a flag config beside it (serializers.py
``_normalize_feature_flag_input``); the late-2024 release refuses the key outright."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Server
from tests.support.area_apply import write_specs

README = Path(__file__).resolve().parents[2] / "README.md"


def _quick_start() -> list[list[str]]:
    """The README's quick-start commands that change PostHog, as written."""
    block = README.read_text().split("3. Work with experiments.", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in block.splitlines() if line.strip().startswith("expctl ")]
    import shlex

    return [shlex.split(line)[1:] for line in lines]


def test_the_readme_quick_start_runs_twice_in_a_row(cloud: Server) -> None:
    commands = _quick_start()
    assert any(c[0] == "create" for c in commands) and any(c[0] == "delete" for c in commands)
    for round_ in (1, 2):
        for args in commands:
            result = cloud.run(*args)
            assert result.returncode == 0, (round_, args, result)
            if round_ == 2 and args[0] == "create":
                assert "linked the existing flag 'checkout-v2' as it is: control 50% · test 50%" in result.stderr


def test_a_flag_with_another_split_is_linked_and_said_to_differ(cloud: Server) -> None:
    first = cloud.run(
        "create", "--name", "A", "--flag-key", "split-flag", "--variant", "control=50", "--variant", "test=50"
    )
    assert first.returncode == 0 and cloud.run("delete", "split-flag", "--yes").returncode == 0
    again = cloud.run(
        "create", "--name", "B", "--flag-key", "split-flag", "--variant", "control=70", "--variant", "test=30"
    )
    assert again.returncode == 0, again
    assert re.search(r"NOT the split asked for \(control 70% · test 30%\): edit the flag", again.stderr), again.stderr


def test_apply_links_an_existing_flag(cloud: Server, tmp_path: Path) -> None:
    assert cloud.run("create", "--name", "Old", "--flag-key", "left-behind").returncode == 0
    assert cloud.run("delete", "left-behind", "--yes").returncode == 0
    spec = "name: New\nfeature_flag_key: left-behind\nvariants: [{key: control, split_percent: 50}, {key: test, split_percent: 50}]\n"
    specs = write_specs(tmp_path / "s", {"a.yaml": spec})
    planned = cloud.run("diff", "-f", str(specs))
    assert "will link the existing flag 'left-behind' as it is: control 50% · test 50%" in planned.stdout, planned
    applied = cloud.run("apply", "-f", str(specs), "--yes")
    assert applied.returncode == 0, applied
    assert "linked the existing flag 'left-behind'" in applied.stdout + applied.stderr


def test_the_late_2024_release_refuses_a_taken_key(legacy: Server) -> None:
    assert legacy.run("create", "--name", "Old", "--flag-key", "taken-key").returncode == 0
    assert legacy.run("delete", "taken-key", "--yes").returncode == 0
    again = legacy.run("create", "--name", "Again", "--flag-key", "taken-key")
    assert again.returncode == 6 and "already a feature flag with this key" in again.stderr
