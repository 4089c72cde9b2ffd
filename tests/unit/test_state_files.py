"""State files (caches, the send log) are read only as this user's plain files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from expctl.settings.atomic import read_json_object, read_own_file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_planted_at_a_state_file_is_refused_at_once(tmp_path: Path) -> None:
    """Opening a FIFO for reading waits for a writer: a FIFO planted at a cache path hung
    every command (found by a fresh-eyes trial). The read runs in a child so that, were
    it to wait, this test fails instead of hanging the suite."""
    planted = tmp_path / "specs.json"
    os.mkfifo(planted)
    reader = "import sys; from pathlib import Path; from expctl.settings.atomic import read_own_file; "
    reader += "print(read_own_file(Path(sys.argv[1])))"
    child = subprocess.run(
        [sys.executable, "-c", reader, str(planted)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert child.stdout.strip() == "None"


def test_a_plain_file_of_ones_own_is_read(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"format": 1}')
    assert read_own_file(state) == b'{"format": 1}'
    assert read_json_object(state) == {"format": 1}
    assert read_own_file(tmp_path / "missing.json") is None
