"""Issue 36's cases: what grows with an organisation, each beside its baseline in one run.

* creating 100, 500 and 1,000 specs: wall time against creating 100 (target: 1,000 at most
  11x 100), with the requests each sent (target: N creates plus a few list pages);
* promoting 100 experiments from one project to another, with its requests;
* ``report`` of an experiment with 15 primary metrics at 200 ms a request, beside
  ``results`` of the same (target: at most 1.3x), and ``results --history`` beside its
  sequential replay;
* a warm no-change re-apply of 2,000 specs: CPU seconds and peak memory.
"""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path

from expctl.standin.demo import mean_metrics
from tests.benchmarks.common import EXPCTL, KEY, Row, Server, interleaved_medians, peak_mib, timed


def growth_cases(runs: int, workdir: Path) -> list[Row]:
    return [
        *create_cases(workdir),
        promote_case(),
        report_case(runs, workdir),
        history_case(runs, workdir),
        reapply_cpu_case(workdir),
    ]


def _write_specs(folder: Path, count: int, prefix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"{prefix}-{n}.yaml").write_text(
            f"name: {prefix} {n}\nfeature_flag_key: {prefix}-{n}\n"
            "metrics:\n- name: Conversion\n  funnel: [$pageview, purchase]\n",
            encoding="utf-8",
        )
    return folder


def _create(workdir: Path, count: int) -> tuple[float, int]:
    """Milliseconds and requests to create ``count`` specs on an empty project (10 ms a request)."""
    server = Server("--latency-ms", "10")
    try:
        specs = _write_specs(workdir / f"create-{count}", count, f"c{count}")
        server.reset()
        seconds = timed([EXPCTL, "apply", "-f", str(specs), "--yes"], server.env(EXPCTL_NO_CACHE="1"))
        return seconds, int(server.stats()["requests"])
    finally:
        server.stop()


def create_cases(workdir: Path) -> list[Row]:
    measured = {count: _create(workdir, count) for count in (100, 500, 1000)}
    base_seconds, base_requests = measured[100]
    rows = []
    for count in (500, 1000):
        seconds, requests = measured[count]
        page_allowance = 2 * (count // 100 + 1) + 10  # both list scans, the plan's and the final check, plus probes
        rows.append(
            Row(
                f"expctl apply creating {count:,} specs (10 ms a request)",
                seconds,
                base_seconds,
                count / 100 * 1.1,
                baseline_name=f"creating 100 specs ({base_requests} requests)",
                notes=[f"{requests:,} requests for {count:,} creates (target: at most {count + page_allowance:,})"],
                extra_ok=requests <= count + page_allowance,
            )
        )
    return rows


def promote_case() -> Row:
    """100 experiments promoted from project 1 to an empty project 2, against an export
    and apply of the same (read, then create) done by hand."""
    server = Server("--experiments", "100", "--latency-ms", "10")
    try:
        config = Path(server.env()["EXPCTL_CONFIG_DIR"]) / "promote"
        env = server.env(EXPCTL_CONFIG_DIR=str(config), EXPCTL_NO_CACHE="1")
        env.pop("EXPCTL_PROJECT")
        env.pop("EXPCTL_HOST")
        for name, project in (("staging", "1"), ("prod", "2")):
            for setting, value in (("host", server.url), ("project", project)):
                subprocess.run(
                    [EXPCTL, "config", "set", setting, value, "--profile", name],
                    env=env,
                    check=True,
                    capture_output=True,
                )
            login = [EXPCTL, "auth", "login", "--env", name, "--with-token", "--insecure-storage"]
            subprocess.run(login, env=env, input=KEY, text=True, check=True, capture_output=True)
        server.reset()
        seconds = timed([EXPCTL, "promote", "--from", "staging", "--to", "prod", "--yes"], env)
        requests = int(server.stats()["requests"])
    finally:
        server.stop()
    return Row(
        "expctl promote 100 experiments (10 ms a request)",
        float(requests),
        200.0,
        1.15,
        unit="requests",
        baseline_name="a GET and a create per experiment (200 requests)",
        notes=[f"{seconds / 1000:.1f} s"],
    )


def _launched_with_fifteen_metrics(server: Server) -> str:
    """A running experiment with 15 primary metrics; its id."""
    body = {"name": "Fifteen", "feature_flag_key": "fifteen", "parameters": {}, "metrics": mean_metrics(15)}
    created = server.http.post("/api/projects/1/experiments/", json=body).json()
    server.http.post(f"/api/projects/1/experiments/{created['id']}/launch/")
    return str(created["id"])


def report_case(runs: int, workdir: Path) -> Row:
    server = Server("--latency-ms", "200", "--query-latency-ms", "200")
    try:
        env = server.env(EXPCTL_NO_CACHE="1")
        ref = _launched_with_fifteen_metrics(server)
        medians = interleaved_medians(
            runs,
            {
                "report": lambda: timed([EXPCTL, "report", ref, "-f", str(workdir / "report.html")], env, check=False),
                "results": lambda: timed([EXPCTL, "results", ref, "-o", "json"], env, check=False),
            },
        )
    finally:
        server.stop()
    return Row(
        "expctl report (15 metrics, 200 ms a request)",
        medians["report"],
        medians["results"],
        1.3,
        baseline_name="expctl results of the same experiment",
    )


SEQUENTIAL_REPLAY = """
import httpx, json, os, sys
client = httpx.Client(base_url=os.environ["EXPCTL_HOST"], headers={"Authorization": "Bearer " + os.environ["EXPCTL_API_KEY"]}, timeout=60)
for call in json.load(open(sys.argv[1])):
    client.request(call["method"], call["path"], params=call["query"], content=call["body"].encode() or None,
                   headers={"Content-Type": "application/json"} if call["body"] else None)
"""


def history_case(runs: int, workdir: Path) -> Row:
    """``results --history`` of 15 primary metrics at 200 ms a request, beside the same
    requests sent one after another (what it cost before daily results were concurrent)."""
    import json
    import sys

    server = Server("--latency-ms", "200", "--query-latency-ms", "200")
    try:
        env = server.env(EXPCTL_NO_CACHE="1")
        history = [EXPCTL, "results", _launched_with_fifteen_metrics(server), "--history", "-o", "json"]
        server.reset()
        timed(history, env)
        calls = server.http.get("/_fake/log").json()
        (workdir / "history-calls.json").write_text(json.dumps(calls))
        replay = [sys.executable, "-c", SEQUENTIAL_REPLAY, str(workdir / "history-calls.json")]
        medians = interleaved_medians(
            runs, {"history": lambda: timed(history, env), "replay": lambda: timed(replay, env)}
        )
    finally:
        server.stop()
    return Row(
        "expctl results --history (15 metrics, 200 ms a request)",
        medians["history"],
        medians["replay"],
        0.5,
        baseline_name=f"its {len(calls)} requests replayed one after another",
    )


def reapply_cpu_case(workdir: Path) -> Row:
    """CPU of a warm no-change re-apply of 2,000 specs, beside the CPU of reading the same
    files with PyYAML's C loader alone (the floor for any reader of them)."""
    server = Server("--experiments", "2000")
    try:
        env = server.env()
        folder = workdir / "reapply-2000"
        subprocess.run([EXPCTL, "export", "--all", "-f", str(folder)], env=env, check=True, capture_output=True)
        subprocess.run([EXPCTL, "apply", "-f", str(folder), "--yes"], env=env, check=True, capture_output=True)
        ours = _child_cpu([EXPCTL, "apply", "-f", str(folder), "--yes"], env)
        floor = _child_cpu(["python3", "-c", _YAML_FLOOR, str(folder)], env)
        memory = peak_mib([EXPCTL, "apply", "-f", str(folder), "--yes"], env)
    finally:
        server.stop()
    return Row(
        "expctl apply, no change, 2,000 specs warm: CPU seconds",
        ours,
        floor,
        6.0,
        unit="s",
        baseline_name="reading the same files with yaml.CSafeLoader alone",
        notes=[f"peak memory {memory:.0f} MiB"],
    )


_YAML_FLOOR = (
    "import sys, pathlib, yaml\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.yaml')):\n"
    "    list(yaml.load_all(p.read_text(), Loader=yaml.CSafeLoader))\n"
)


def _child_cpu(command: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
