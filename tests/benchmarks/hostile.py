"""Hostile input costs little: the time and memory bounds the end-to-end tests once asserted
(tests/e2e/test_hostile.py now checks only what is refused and how), measured here beside
`expctl validate` of one small spec in the same run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.common import EXPCTL, MEASURE_PEAK, Row, Server, env_for, median_of, timed


def _alias_bomb(path: Path) -> Path:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index, name in enumerate("bcdefghijk"):
        previous = "abcdefghijk"[index]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    path.write_text("\n".join(lines) + "\nname: x\nfeature_flag_key: x\n")
    return path


def _sparse_100_mb(path: Path) -> Path:
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    return path


def _ten_thousand(root: Path) -> Path:
    root.mkdir(exist_ok=True)
    for index in range(10_000):
        (root / f"s{index:05d}.yaml").write_text(f"name: E{index}\nfeature_flag_key: e-{index:05d}\nstate: draft\n")
    return root


def _peak(command: list[str], env: dict[str, str]) -> float:
    """Peak memory of a command that may fail (refusing is what these cases do)."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_PEAK, *command], env=env, capture_output=True, text=True, check=False
    )
    return float(json.loads(done.stdout)["peak_kib"]) / 1024


def hostile_cases(runs: int, workdir: Path) -> list[Row]:
    server = Server()
    try:
        env = server.env()
        small = workdir / "small.yaml"
        small.write_text("name: Small\nfeature_flag_key: small\n")
        inputs = {
            "a YAML alias bomb (refused)": _alias_bomb(workdir / "bomb.yaml"),
            "a 100 MB spec file (refused unread)": _sparse_100_mb(workdir / "big.yaml"),
            "10,000 specs in 10,000 files": _ten_thousand(workdir / "many"),
        }
        baseline = median_of(runs, lambda: timed([EXPCTL, "validate", "-f", str(small)], env))
        baseline_peak = _peak([EXPCTL, "validate", "-f", str(small)], env)
        rows = []
        for name, path in inputs.items():
            command = [EXPCTL, "validate", "-f", str(path)]
            ours = median_of(max(1, runs // 2), lambda command=command: timed(command, env, check=False))
            peak = _peak(command, env)
            bounded = peak <= 200
            rows.append(
                Row(
                    f"expctl validate: {name}",
                    ours,
                    baseline,
                    40.0 if "10,000" in name else 15.0,
                    baseline_name="expctl validate of one small spec",
                    notes=[f"peak memory {peak:.0f} MiB (one small spec: {baseline_peak:.0f} MiB; target <= 200 MiB)"],
                    extra_ok=bounded,
                )
            )
        rows.append(_enormous_answer(baseline_peak))
    finally:
        server.stop()
    return rows


def _enormous_answer(baseline_peak: float) -> Row:
    """`expctl list` against a 120 MB answer: cut off at 64 MiB, in bounded memory."""
    from tests.e2e.test_hostile import enormous
    from tests.fakeposthog import FakePostHog, RunningServer

    fake = FakePostHog("cloud", schema_checks=False)
    running = RunningServer(fake)
    try:
        env = env_for(running.url)
        fake.script("GET", r"/experiments/$", enormous)
        peak = _peak([EXPCTL, "list"], env)
    finally:
        running.stop()
    return Row(
        "expctl list: a 120 MB answer (cut off at 64 MiB), peak memory",
        peak,
        baseline_peak,
        250 / baseline_peak if baseline_peak else 1,
        "MiB",
        "expctl validate of one small spec",
        notes=[f"peak {peak:.0f} MiB (target <= 250 MiB)"],
        extra_ok=peak <= 250,
    )
