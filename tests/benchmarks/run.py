"""expctl's benchmark: each case beside its baseline, measured in the same run.

    python -m tests.benchmarks.run            # every case (a few minutes)
    python -m tests.benchmarks.run --quick    # fewer repetitions, smaller baselines

It starts the test server itself (a separate process, so the server's work does not
share a CPU budget with the measured command), runs each case after a warm-up, and
prints one table of medians with the baseline, the ratio and the target. Start-up
figures are only representative for a regular install (`pip install .`, not `-e`).
Not part of the test suite: performance is measured here, not asserted in tests.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from expctl.standin.demo import mean_metrics
from tests.benchmarks.common import EXPCTL, Row, Server, interleaved_medians, median_of, peak_mib, timed
from tests.benchmarks.growth import growth_cases
from tests.benchmarks.hostile import hostile_cases
from tests.benchmarks.scale import scale_cases

COMPLETION_BUDGET_MS = 100.0  # issue 6: a Tab press never takes longer


def startup_cases(runs: int) -> list[Row]:
    server = Server("--experiments", "100")
    try:
        env = server.env()
        timed([EXPCTL, "list"], env)  # fills the flag-key cache completion reads
        completing = {"_EXPCTL_COMPLETE": "complete_zsh"}
        key_env = dict(env, _TYPER_COMPLETE_ARGS="expctl get seeded-0009", **completing)
        option_env = dict(env, _TYPER_COMPLETE_ARGS="expctl list --arc", **completing)
        plan = [EXPCTL, "plan", "--baseline-rate", "0.1", "--mde", "5%", "--daily-exposures", "8000", "-o", "json"]
        medians = interleaved_medians(
            runs * 3,  # cheap cases: more samples, steadier medians
            {
                "typer": lambda: timed([sys.executable, "-c", "import typer"]),
                "httpx": lambda: timed([sys.executable, "-c", "import httpx"]),
                "httpx+httpcore": lambda: timed([sys.executable, "-c", "import httpx, httpcore"]),
                "get": lambda: timed([EXPCTL, "get", "100", "-o", "json"], env),
                "results": lambda: timed([EXPCTL, "results", "100", "-o", "json"], env),
                "version": lambda: timed([EXPCTL, "--version"]),
                "help": lambda: timed([EXPCTL, "--help"]),
                "list": lambda: timed([EXPCTL, "list", "-o", "json"], env),
                "complete key": lambda: timed([EXPCTL], key_env),
                "complete option": lambda: timed([EXPCTL], option_env),
                "plan": lambda: timed(plan, env),
            },
        )
        sent = {}
        for key, command in (
            ("plan", plan),
            ("list", [EXPCTL, "list", "-o", "json"]),
            ("get", [EXPCTL, "get", "100", "-o", "json"]),
            ("results", [EXPCTL, "results", "100", "-o", "json"]),
        ):
            requests_before = server.stats()["requests"]
            timed(command, env)
            sent[key] = server.stats()["requests"] - requests_before
        plan_requests = sent["plan"]
    finally:
        server.stop()
    typer_ms, version, help_ms, listing = (medians[k] for k in ("typer", "version", "help", "list"))
    name = 'python -c "import typer"'
    budget = f"the {COMPLETION_BUDGET_MS:.0f} ms budget per Tab"
    httpx_ms, transport_ms = medians["httpx"], medians["httpx+httpcore"]

    def against_httpx(label: str, key: str) -> Row:
        return Row(
            label,
            medians[key],
            httpx_ms,
            1.25,
            baseline_name='python -c "import httpx"',
            notes=[
                f"{sent[key]} request(s); {medians[key] / transport_ms:.2f}x "
                f'python -c "import httpx, httpcore" ({transport_ms:.0f} ms: the floor with httpx\'s '
                "default transport, which expctl does not load unless a proxy applies)"
            ],
        )

    return [
        against_httpx("expctl list -o json (quick path)", "list"),
        against_httpx("expctl get 100 -o json (quick path)", "get"),
        against_httpx("expctl results 100 -o json (quick path)", "results"),
        Row("expctl --version", version, typer_ms, 1.2, baseline_name=name),
        Row("expctl --help", help_ms, typer_ms, 1.5, baseline_name=name),
        Row("expctl list -o json (100 experiments)", listing, typer_ms, 2.2, baseline_name=name),
        Row(
            "expctl plan (offline: sample size, days)",
            medians["plan"],
            typer_ms,
            1.6,
            baseline_name=name,
            notes=[f"requests it sent: {max(plan_requests, 0)}"],
            extra_ok=plan_requests <= 0,
        ),
        Row(
            "Tab: complete a flag key (zsh)",
            medians["complete key"],
            COMPLETION_BUDGET_MS,
            1.0,
            baseline_name=budget,
            notes=[
                f"an option, answered by typer: {medians['complete option']:.0f} ms "
                f"({medians['complete option'] / typer_ms:.2f}x import typer)"
            ],
        ),
    ]


SEQUENTIAL_LIST = """
import httpx, os, sys
client = httpx.Client(base_url=os.environ["EXPCTL_HOST"], headers={"Authorization": "Bearer " + os.environ["EXPCTL_API_KEY"]})
path = "/api/projects/1/experiments/?limit=100"
items = []
while path:
    page = client.get(path).json()
    items.extend(page["results"])
    path = page["next"]
print(len(items))
"""


def list_all_case(runs: int) -> Row:
    server = Server("--experiments", "5000", "--latency-ms", "50")
    try:
        env = server.env()
        ours = median_of(runs, lambda: timed([EXPCTL, "list", "--all", "-o", "json"], env))
        server.reset()
        timed([EXPCTL, "list", "--all", "-o", "json"], env)
        requests = server.stats()["requests"]
        baseline = median_of(max(2, runs // 2), lambda: timed([sys.executable, "-c", SEQUENTIAL_LIST], env))
    finally:
        server.stop()
    return Row(
        "expctl list --all -o json (5,000, 50 ms latency)",
        ours,
        baseline,
        0.3,
        baseline_name="sequential 100-per-page httpx loop",
        notes=[
            f"{requests} requests (target: at most 10)",
        ],
        extra_ok=requests <= 10,
    )


SEQUENTIAL_APPLY = """
import httpx, os, sys
client = httpx.Client(base_url=os.environ["EXPCTL_HOST"], headers={"Authorization": "Bearer " + os.environ["EXPCTL_API_KEY"]})
ids = [int(line) for line in open(sys.argv[1])]
for index, experiment_id in enumerate(ids):
    current = client.get(f"/api/projects/1/experiments/{experiment_id}/").json()
    client.patch(f"/api/projects/1/experiments/{experiment_id}/", json={"description": current["description"]})
"""


def apply_case(runs: int, workdir: Path) -> Row:
    server = Server("--experiments", "500", "--latency-ms", "50")
    try:
        env = server.env()
        specs = workdir / "specs"
        timed([EXPCTL, "export", "--all", "-f", str(specs)], env)
        files = sorted(specs.glob("seeded-*.yaml"))  # experiments (export also writes holdouts, shared metrics)
        counter = {"run": 0}

        def change_twenty() -> None:
            counter["run"] += 1
            for path in files[:20]:
                text = path.read_text().splitlines()
                text = [
                    f"description: change {counter['run']}" if line.startswith("description:") else line
                    for line in text
                ]
                path.write_text("\n".join(text) + "\n")

        def one_apply() -> float:
            change_twenty()
            return timed([EXPCTL, "apply", "-f", str(specs), "--yes"], env)

        ours = median_of(runs, one_apply)
        change_twenty()
        server.reset()
        timed([EXPCTL, "apply", "-f", str(specs), "--yes"], env)
        first = server.stats()
        server.reset()
        timed([EXPCTL, "apply", "-f", str(specs), "--yes"], env)
        second = server.stats()
        ids = workdir / "ids.txt"
        listed = subprocess.run(
            [EXPCTL, "list", "--all", "-o", "ids"], env=env, capture_output=True, text=True, check=True
        )
        ids.write_text(listed.stdout)
        baseline = median_of(
            max(1, runs // 3), lambda: timed([sys.executable, "-c", SEQUENTIAL_APPLY, str(ids)], env), warmup=0
        )
    finally:
        server.stop()
    gets = first["requests"] - first["writes"]
    return Row(
        "expctl apply (500 specs, 20 changed, 50 ms latency)",
        ours,
        baseline,
        0.2,
        baseline_name="sequential GET + PATCH per spec",
        notes=[
            f"first apply: {first['requests']} requests = {gets} reads (list pages + GETs) + {first['writes']} writes",
            f"second apply: {second['writes']} writes, {second['requests']} requests",
        ],
        extra_ok=first["writes"] == 20 and second["writes"] == 0,
    )


SEQUENTIAL_RESULTS = """
import httpx, os, sys, json
client = httpx.Client(base_url=os.environ["EXPCTL_HOST"], headers={"Authorization": "Bearer " + os.environ["EXPCTL_API_KEY"]}, timeout=60)
experiment = client.get(f"/api/projects/1/experiments/{sys.argv[1]}/").json()
queries = [{"kind": "ExperimentExposureQuery", "experiment_id": experiment["id"]}]
queries += [{"kind": "ExperimentQuery", "experiment_id": experiment["id"], "metric": m} for m in experiment["metrics"]]
for query in queries:
    client.post("/api/projects/1/query/", json={"query": query, "refresh": "force_blocking"}).raise_for_status()
"""


def results_case(runs: int) -> Row:
    # The query path: a Cloud from before stored results, where every metric is a /query/
    # (today's Cloud answers from its stored run, and --refresh is a server-side run).
    server = Server("--query-latency-ms", "200", "--no-stored-results")
    try:
        env = server.env()
        metrics = mean_metrics(10)
        created = server.http.post(
            "/api/projects/1/experiments/",
            json={"name": "Ten metrics", "feature_flag_key": "ten-metrics", "parameters": {}, "metrics": metrics},
        ).json()
        server.http.post(f"/api/projects/1/experiments/{created['id']}/launch/")
        ours = median_of(runs, lambda: timed([EXPCTL, "results", str(created["id"]), "--refresh", "-o", "json"], env))
        in_flight = server.stats()["max_concurrent_queries"]
        baseline = median_of(
            max(2, runs // 2), lambda: timed([sys.executable, "-c", SEQUENTIAL_RESULTS, str(created["id"])], env)
        )
    finally:
        server.stop()
    return Row(
        "expctl results (10 metrics, 200 ms per query)",
        ours,
        baseline,
        0.45,
        baseline_name="the same 11 queries one after another",
        notes=[
            f"at most {in_flight} queries in flight (target: never more than 3)",
        ],
        extra_ok=in_flight <= 3,
    )


def memory_case(count: int) -> Row:
    server = Server("--experiments", str(count))
    try:
        env = server.env()
        jsonl = peak_mib([EXPCTL, "list", "--all", "-o", "jsonl"], env)
        as_json = peak_mib([EXPCTL, "list", "--all", "-o", "json"], env)
    finally:
        server.stop()
    return Row(
        f"expctl list --all -o jsonl ({count:,} experiments), peak memory",
        jsonl,
        as_json,
        100 / as_json if as_json else 1,
        "MiB",
        "-o json",
        notes=[
            f"jsonl peak {jsonl:.0f} MiB, json peak {as_json:.0f} MiB (target: jsonl at most 100 MiB)",
        ],
        extra_ok=jsonl <= 100,
    )


def print_table(rows: list[Row]) -> None:
    width = max(len("case"), *(len(row.case) for row in rows))
    header = f"{'case':<{width}} {'expctl':>10} {'baseline':>10} {'ratio':>7} {'target':>10}  ok"
    print(header)
    print("-" * len(header))
    for row in rows:
        digits = 2 if row.unit == "s" else 0
        ours = f"{row.ours:.{digits}f} {row.unit}"
        base = f"{row.baseline:.{digits}f} {row.unit}"
        target = (
            f"<= {row.target:g}x" if row.unit in ("ms", "s", "requests") else f"<= {row.target * row.baseline:.0f} MiB"
        )
        verdict = "yes" if row.ok else "NO"
        print(f"{row.case:<{width}} {ours:>10} {base:>10} {row.ratio:>6.2f}x {target:>10}  {verdict}")
        print(f"    baseline: {row.baseline_name}")
        for note in row.notes:
            print(f"    {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a 20,000-experiment memory case")
    parser.add_argument("--runs", type=int, default=None, help="repetitions per case (after one warm-up)")
    parser.add_argument(
        "--only",
        choices=("startup", "list", "apply", "scale", "results", "memory", "hostile", "growth"),
        help="run one group of cases",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 7)
    groups = {
        "startup": lambda workdir: startup_cases(max(runs, 9)),
        "list": lambda workdir: [list_all_case(runs)],
        "apply": lambda workdir: [apply_case(max(3, runs // 2), workdir)],
        "scale": lambda workdir: scale_cases(max(3, runs // 2), workdir, throttled=not args.quick),
        "results": lambda workdir: [results_case(runs)],
        "memory": lambda workdir: [memory_case(20_000 if args.quick else 50_000)],
        "hostile": lambda workdir: hostile_cases(runs, workdir),
        "growth": lambda workdir: growth_cases(max(3, runs // 2), workdir),
    }
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as workdir:
        for name, group in groups.items():
            if args.only in (None, name):
                rows.extend(group(Path(workdir)))
    print()
    print_table(rows)
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
