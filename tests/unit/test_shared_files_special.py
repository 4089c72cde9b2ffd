"""A shared file written to a path that is not a regular file: written into, never replaced
(an atomic rename over /dev/null as root removed the device once, in a benchmark)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from expctl.settings.shared_files import write_shared


def test_a_named_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text(encoding="utf-8")))
    reader.start()
    write_shared(pipe, "<html>report</html>")
    reader.join()
    assert received == ["<html>report</html>"]
    assert stat.S_ISFIFO(pipe.stat().st_mode), "still the pipe, not a file renamed over it"


def test_dev_null_stays_a_device() -> None:
    write_shared(Path(os.devnull), "discarded")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
