"""What every benchmark case shares: the test server in its own process, timing, the table row."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
EXPCTL = str(Path(sys.executable).with_name("expctl"))
KEY = "phx_fakefullaccesskey0000000000000000000000000001"

MEASURE_PEAK = (
    "import json, resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)\n"
    "print(json.dumps({'rc': done.returncode, 'peak_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
)


@dataclass
class Row:
    case: str
    ours: float
    baseline: float
    target: float
    unit: str = "ms"
    baseline_name: str = ""
    notes: list[str] = field(default_factory=list)
    extra_ok: bool = True

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    @property
    def ok(self) -> bool:
        return self.ratio <= self.target and self.extra_ok


class Server:
    """The test server in its own process, on 127.0.0.1."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakeposthog", "--port", "0", "--no-demo", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if "listening on " not in first:
            raise RuntimeError(f"test server did not start: {first}")
        self.url = first.split("listening on ")[1].strip()
        self.http = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60)

    def stats(self) -> dict[str, Any]:
        return dict(self.http.get("/_fake/stats").json())

    def reset(self) -> None:
        self.http.post("/_fake/reset")

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=10)

    def env(self, **extra: str) -> dict[str, str]:
        return env_for(self.url, **extra)


def env_for(url: str, **extra: str) -> dict[str, str]:
    """The environment that points the installed expctl at the test server at ``url``."""
    # No PYTHONPATH: expctl must be the installed one, with its compiled bytecode, not
    # the source tree (recompiled on every run when PYTHONDONTWRITEBYTECODE is set).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPCTL_", "POSTHOG_", "PYTHONPATH"))}
    env.update(
        {
            "EXPCTL_HOST": url,
            "EXPCTL_PROJECT": "1",
            "EXPCTL_API_KEY": KEY,
            "EXPCTL_CONFIG_DIR": str(Path(tempfile.gettempdir()) / "expctl-bench-config"),
            "EXPCTL_CACHE_DIR": str(Path(tempfile.gettempdir()) / "expctl-bench-cache"),
        }
    )
    env.update(extra)
    return env


def timed(command: Sequence[str], env: dict[str, str] | None = None, check: bool = True) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        list(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO, check=False
    )
    elapsed = (time.perf_counter() - started) * 1000
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-500:]}")
    return elapsed


def median_of(runs: int, action: Callable[[], float], warmup: int = 1) -> float:
    for _ in range(warmup):
        action()
    return statistics.median(action() for _ in range(runs))


def peak_mib(command: Sequence[str], env: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_PEAK, *command], env=env, capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout)
    if data["rc"] != 0:
        raise RuntimeError(f"{' '.join(command)} failed with {data['rc']}")
    return float(data["peak_kib"]) / 1024


def interleaved_medians(runs: int, actions: Mapping[str, Callable[[], float]]) -> dict[str, float]:
    """Run the actions round-robin and return each one's median.

    Start-up figures are a few tens of milliseconds, so a slower second on a shared
    machine would skew a ratio if the baseline and expctl ran at different times;
    alternating them puts both under the same conditions.
    """
    for action in actions.values():
        action()  # warm-up: page cache, .pyc files
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            samples[name].append(action())
    return {name: statistics.median(values) for name, values in samples.items()}
