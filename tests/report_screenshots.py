"""Screenshots of a report at desktop and phone width, for a person to look at.

    python -m tests.report_screenshots [OUT_DIR]     # default: ./report-screenshots

Starts the test server with its demo project, writes `expctl report checkout-redesign`,
and has headless Chromium (networking off) photograph it at 1280 and 390 pixels wide.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from expctl.standin.demo import DEMO_TODAY, add_demo_experiments
from tests.fakeposthog import FULL_KEY, FakePostHog, RunningServer
from tests.support.browser import screenshot
from tests.support.cli import EXPCTL, base_env


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "report-screenshots")
    out.mkdir(parents=True, exist_ok=True)
    fake = FakePostHog("cloud", today=DEMO_TODAY)
    add_demo_experiments(fake)
    server = RunningServer(fake)
    try:
        with tempfile.TemporaryDirectory() as home:
            env = base_env(Path(home)) | {"EXPCTL_HOST": server.url, "EXPCTL_PROJECT": "1", "EXPCTL_API_KEY": FULL_KEY}
            page = out / "report.html"
            subprocess.run([str(EXPCTL), "report", "checkout-redesign", "-f", str(page)], env=env, check=True)
            for name, width, height in (("desktop", 1280, 2600), ("phone", 390, 4200)):
                screenshot(page, out / f"report-{name}.png", width, height, Path(home) / "chromium")
                print(out / f"report-{name}.png")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
