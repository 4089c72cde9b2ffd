"""Issue 24's cases: a real project's scale against PostHog's rate limits.

* a no-change re-apply of 500 specs, with the experiment cache warm, cold and off;
* the same against PostHog's 480-a-minute throttle (no ``Retry-After``, as the issue
  measured): expctl as it is, beside expctl with pacing off and no cache (what it did
  before: every spec read, the 429s waited out one by one);
* ``export --all`` of 500, with the cache warm and off;
* ``results EXPERIMENT`` by flag key at 200 ms latency, beside the same by numeric id.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from expctl.standin.demo import mean_metrics
from tests.benchmarks.common import EXPCTL, Row, Server, interleaved_medians, median_of, timed


def scale_cases(runs: int, workdir: Path, *, throttled: bool) -> list[Row]:
    rows = [nochange_case(runs, workdir), churn_case(runs, workdir), export_case(runs, workdir), resolve_case(runs)]
    if throttled:  # each run of it waits out PostHog's minute: left out of --quick
        rows.append(throttled_case(workdir))
    return rows


NO_CACHE = {"EXPCTL_NO_CACHE": "1"}


def nochange_case(runs: int, workdir: Path) -> Row:
    """A re-apply of 500 specs that changes nothing, with the experiment cache warm, beside
    the same re-apply without it (``EXPCTL_NO_CACHE=1``: a GET per spec whose row lacks
    metrics), in the same run; and once cold (an empty cache, as CI starts)."""
    server = Server("--experiments", "500", "--latency-ms", "50")
    try:
        env, cache, apply = _exported(server, workdir, "nochange")
        return _warm_cold_off(
            "expctl apply, no change (500 specs, 50 ms latency), cache warm",
            runs,
            server,
            cache,
            lambda extra: timed(apply, {**env, **extra}),
        )
    finally:
        server.stop()


def churn_case(runs: int, workdir: Path) -> Row:
    """Issue 34: the web app rewrites running_time_calculation.recommended_* on every
    results load of a running experiment (PR #77437), moving each one's updated_at, so
    the cache no longer matches their rows. A re-apply after the churn, beside the same
    re-apply before the churn (cache warm); both must write nothing. Of the 500 seeded
    experiments, the running ones (about a third) churn."""
    server = Server("--experiments", "500", "--latency-ms", "50")
    try:
        env, _cache, apply = _exported(server, workdir, "churn")
        timed(apply, env)  # warm the cache

        def after_churn() -> float:
            churned = server.http.post("/_fake/churn").json()["churned"]
            assert churned, "the seeded experiments are running"
            return timed(apply, env)

        def counted(run: Callable[[], float]) -> tuple[float, int, int]:
            server.reset()
            seconds = run()
            stats = server.stats()
            return seconds, int(stats["requests"]), int(stats["writes"])

        _, churn_requests, churn_writes = counted(after_churn)
        _, calm_requests, calm_writes = counted(lambda: timed(apply, env))
        medians = interleaved_medians(runs, {"churned": after_churn, "calm": lambda: timed(apply, env)})
    finally:
        server.stop()
    return Row(
        "expctl apply, no change (500 specs), after the web app churned the running ones (50 ms latency)",
        medians["churned"],
        medians["calm"],
        20.0,  # a GET per churned experiment: the price of never trusting a stale copy
        baseline_name="the same re-apply with nothing churned (cache warm)",
        notes=[
            f"requests: after churn {churn_requests} (writes {churn_writes}), "
            f"unchurned {calm_requests} (writes {calm_writes})"
        ],
        extra_ok=churn_writes == 0 and calm_writes == 0,
    )


def _exported(server: Server, workdir: Path, name: str) -> tuple[dict[str, str], Path, list[str]]:
    """The server's experiments exported as specs: (env with its own cache, the cache, apply)."""
    cache = workdir / f"{name}-cache"
    env = server.env(EXPCTL_CACHE_DIR=str(cache))
    specs = workdir / f"{name}-specs"
    timed([EXPCTL, "export", "--all", "-f", str(specs)], env)
    return env, cache, [EXPCTL, "apply", "-f", str(specs), "--yes"]


def export_case(runs: int, workdir: Path) -> Row:
    server = Server("--experiments", "500", "--latency-ms", "50")
    try:
        cache = workdir / "export-cache"
        env = server.env(EXPCTL_CACHE_DIR=str(cache))
        out = workdir / "export-out"

        def export(extra: dict[str, str]) -> float:
            shutil.rmtree(out, ignore_errors=True)
            return timed([EXPCTL, "export", "--all", "-f", str(out)], {**env, **extra})

        return _warm_cold_off(
            "expctl export --all (500 experiments, 50 ms latency), cache warm", runs, server, cache, export
        )
    finally:
        server.stop()


def _warm_cold_off(case: str, runs: int, server: Server, cache: Path, run: Callable[[dict[str, str]], float]) -> Row:
    """One command with the experiment cache warm (the figure), without it (the
    baseline), and once cold, with the requests each sent."""

    def counted(extra: dict[str, str]) -> tuple[float, int]:
        server.reset()
        seconds = run(extra)
        return seconds, int(server.stats()["requests"])

    shutil.rmtree(cache, ignore_errors=True)
    cold_seconds, cold_requests = counted({})
    _, warm_requests = counted({})
    _, uncached_requests = counted(NO_CACHE)
    medians = interleaved_medians(runs, {"warm": lambda: run({}), "uncached": lambda: run(NO_CACHE)})
    return Row(
        case,
        medians["warm"],
        medians["uncached"],
        0.5,
        baseline_name="the same without the cache",
        notes=[
            f"requests: warm {warm_requests}, cold {cold_requests} ({cold_seconds / 1000:.1f} s), "
            f"without the cache {uncached_requests}",
        ],
        extra_ok=warm_requests <= 10,
    )


def resolve_case(runs: int) -> Row:
    """The flag key resolved from the flag-key cache (filled by `expctl list`): the read
    and the two flag-user lists go out together; the baseline names the experiment by id
    and resolves nothing. Once without the cache too (two scans at once, then the read)."""
    server = Server("--latency-ms", "200")
    try:
        env = server.env()
        created = server.http.post(
            "/api/projects/1/experiments/",
            json={"name": "By key", "feature_flag_key": "by-key", "parameters": {}, "metrics": mean_metrics(3)},
        ).json()
        server.http.post(f"/api/projects/1/experiments/{created['id']}/launch/")
        timed([EXPCTL, "list"], env)
        by_key = [EXPCTL, "results", "by-key", "-o", "json"]
        by_id = [EXPCTL, "results", str(created["id"]), "-o", "json"]
        medians = interleaved_medians(runs, {"key": lambda: timed(by_key, env), "id": lambda: timed(by_id, env)})
        uncached = median_of(max(2, runs // 2), lambda: timed(by_key, {**env, "EXPCTL_CACHE_DIR": "/nonexistent/x"}))
    finally:
        server.stop()
    return Row(
        "expctl results FLAG-KEY (200 ms latency), flag-key cache warm",
        medians["key"],
        medians["id"],
        1.15,
        baseline_name="the same experiment by numeric id (no lookup at all)",
        notes=[f"without the flag-key cache: {uncached / 1000:.2f} s"],
    )


def throttled_case(workdir: Path) -> Row:
    """PostHog's 480-a-minute window on 127.0.0.1 (a host expctl knows no limit for, so
    it must learn it), 429s with only the detail's seconds. Each figure is one run: a
    throttled run waits out the server's minute, and the server's windows are reset
    between runs so every run starts with a full budget."""
    server = Server("--experiments", "500", "--latency-ms", "50", "--throttle", "--no-retry-after")
    try:
        specs = workdir / "throttle-specs"
        base = server.env(EXPCTL_CACHE_DIR=str(workdir / "throttle-export-cache"))
        timed([EXPCTL, "export", "--all", "-f", str(specs)], base)
        apply = [EXPCTL, "apply", "-f", str(specs), "--yes"]

        def once(name: str, extra: dict[str, str]) -> tuple[float, dict[str, int]]:
            server.reset()
            seconds = timed(apply, {**base, "EXPCTL_CACHE_DIR": str(workdir / f"throttle-{name}"), **extra})
            stats = server.stats()
            return seconds, {"requests": int(stats["requests"]), "429": int(stats["by_status"].get("429", 0))}

        before_seconds, before = once("before", {**NO_CACHE, "EXPCTL_RATE_LIMIT": "off"})
        cold_seconds, cold = once("ours", {})
        warm_seconds, warm = once("ours", {})
    finally:
        server.stop()
    return Row(
        "expctl apply, no change (500 specs) against a 480/min throttle, cache warm",
        warm_seconds,
        before_seconds,
        0.1,
        baseline_name="pacing off and no cache (expctl before issue 24)",
        notes=[
            f"before: {before['requests']} requests, {before['429']} answered 429, {before_seconds / 1000:.1f} s",
            f"cold cache: {cold['requests']} requests, {cold['429']} answered 429, {cold_seconds / 1000:.1f} s",
            f"warm cache: {warm['requests']} requests, {warm['429']} answered 429, {warm_seconds / 1000:.1f} s",
        ],
        extra_ok=warm["429"] == 0,
    )
