"""A wait the client must sit out is counted down on the progress line (issue 24)."""

from __future__ import annotations

import io

from expctl.cli.framework.runtime import GlobalOptions, Runtime, RuntimeOverrides
from expctl.render.progress import Progress


def test_the_progress_line_counts_a_wait_down_and_then_drops_it() -> None:
    line = Progress(True, io.StringIO(), "Applying", total=3)
    assert line.wait_text() == ""
    line.wait(42, "PostHog allows 480 requests a minute per API key")
    assert line.wait_text().startswith("waiting 42 s: PostHog allows 480 requests a minute")
    line.wait(3, "a shorter one")  # a shorter wait behind a longer one changes nothing
    assert "480 requests" in line.wait_text()
    line.wait_deadline = 0.0
    assert line.wait_text() == ""


def test_the_runtime_hands_waits_to_the_line_a_person_watches() -> None:
    overrides = RuntimeOverrides(env={}, stderr_isatty=True, stdout_isatty=True, stdin_isatty=False)
    rt = Runtime(GlobalOptions(), overrides)
    with rt.progress("Applying", total=2) as line:
        rt._show_wait(30, "PostHog allows 480 requests a minute per API key")
        assert line.wait_text().startswith("waiting 30 s")
    quiet = Runtime(GlobalOptions(), overrides._replace(stderr_isatty=False))
    with quiet.progress("Applying", total=2) as hidden:
        quiet._show_wait(30, "no one is watching")  # no line: the notice on stderr says it
        assert hidden.wait_text() == ""
