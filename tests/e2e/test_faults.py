"""Faults, throttling, interrupts and races: nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.conftest import Server
from tests.fakeposthog import seed_experiments
from tests.support.processes import Watched, wait_for_any, watched_together
from tests.support.terminal import final_screen, run_on_terminal

FLAKY = {"EXPCTL_RETRIES": "12", "EXPCTL_RETRY_BACKOFF": "0.01"}


def make_flaky(server: Server) -> None:
    server.fake.inject_faults(error_rate=0.20, drop_rate=0.05, latency=0.01)


def fault_counts(server: Server) -> dict[str, int]:
    log = server.fake.requests()
    return {
        "sent": len(log),
        "503": sum(1 for e in log if e.status == 503),
        "dropped": sum(1 for e in log if e.status == 0),
    }


def test_reads_under_faults_match_a_fault_free_run(server: Server) -> None:
    seed_experiments(server.fake, 40)
    reads = [
        ["list", "-o", "json"],
        ["list", "--all", "-o", "plain"],
        ["get", "checkout-redesign", "-o", "json"],
        ["get", "pricing-copy", "-o", "yaml"],
        ["results", "checkout-redesign", "-o", "plain"],
        ["eligible-flags", "-o", "ids"],
        ["export", "checkout-redesign"],
    ]
    clean = {tuple(args): server.run(*args) for args in reads}
    assert all(r.returncode == 0 for r in clean.values()), clean
    make_flaky(server)
    server.fake.clear_log()
    for args in reads:
        flaky = server.run(*args, env=FLAKY)
        assert flaky.returncode == 0, (args, flaky)
        assert flaky.stdout == clean[tuple(args)].stdout, args
    counts = fault_counts(server)
    assert counts["503"] + counts["dropped"] > 0, "the faults really happened"
    print(f"reads under faults: {counts}")


def test_apply_of_50_specs_under_faults_converges_without_duplicates(server: Server, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    for index in range(50):
        state = ("draft", "running", "paused")[index % 3]
        (specs / f"e{index:02d}.yaml").write_text(
            f"name: Fault test {index}\nfeature_flag_key: fault-{index:02d}\ndescription: d{index}\nstate: {state}\n"
        )
    make_flaky(server)
    server.fake.clear_log()
    first = server.run("apply", "-f", str(specs), "--yes", env=FLAKY, timeout=240)
    counts = fault_counts(server)
    print(f"apply of 50 under faults: {counts}; rc={first.returncode}")
    assert first.returncode == 0, first
    live = [e for e in server.fake.live_experiments() if e["name"].startswith("Fault test")]
    assert len(live) == 50, "exactly 50 experiments: none lost, none doubled"
    assert len({e["name"] for e in live}) == 50
    server.fake.faults.error_rate = server.fake.faults.drop_rate = 0.0
    assert server.run("diff", "-f", str(specs)).returncode == 0, "PostHog matches the specs"


def test_results_complete_under_faults(cloud: Server) -> None:
    make_flaky(cloud)
    result = cloud.run("results", "checkout-redesign", "-o", "json", env=FLAKY)
    assert result.returncode == 0, result
    assert len(json.loads(result.stdout)) == 5  # exposures, 3 metrics, verdicts


def test_a_600_request_bulk_run_stays_under_the_limit(cloud: Server) -> None:
    """Cloud's 480-per-minute window, compressed to 480 per 3 seconds on both sides."""
    seed_experiments(cloud.fake, 597)
    throttle = cloud.fake.throttle
    throttle.enabled = True
    throttle.windows = [(480, 3.0)]
    cloud.fake.clear_log()
    result = cloud.run("export", "--all", "-f", str(cloud.home / "bulk"), "--rate-limit", "480/3s", timeout=120)
    assert result.returncode == 0, result
    log = cloud.fake.requests()
    statuses = [e.status for e in log]
    assert len(log) >= 600 and statuses.count(429) == 0, f"{len(log)} requests, {statuses.count(429)} throttled"
    starts = sorted(e.started for e in log)
    busiest = max(sum(1 for t in starts[i:] if t - starts[i] < 3.0) for i in range(len(starts)))
    assert busiest <= 480, busiest
    print(f"bulk run: {len(log)} requests, 0 throttled, busiest 3 s window {busiest}")


def _two_applies(server: Server, path: Path) -> list[tuple[int, str, str]]:
    """Two `expctl apply -f PATH --yes` started together: the first to take the lock is
    held at its first read of PostHog until the other has said it waits; (code, stdout,
    stderr) of each."""
    reads = server.fake.gate(method="GET", path_contains="/experiments/")
    applies = watched_together(2, ["apply", "-f", str(path), "--yes"], server.env)
    assert reads.wait_for(1), "one apply holds the lock and reads PostHog"
    waiting = "waiting for another expctl apply to project 1"
    assert wait_for_any(applies, "stderr", lambda line: waiting in line), "the other waits for it"
    reads.open()
    return [apply.finish() for apply in applies]


def test_two_concurrent_applies_of_one_new_spec_make_one_experiment(server: Server, tmp_path: Path) -> None:
    spec = tmp_path / "race.yaml"
    spec.write_text("name: Race\nfeature_flag_key: race\nstate: draft\n")
    outputs = _two_applies(server, spec)
    assert [code for code, _, _ in outputs] == [0, 0], outputs
    live = [e for e in server.fake.live_experiments() if e["name"] == "Race"]
    assert len(live) == 1
    assert [e.method for e in server.fake.writes()] == ["POST"], "the second found nothing left to do"


def test_two_concurrent_applies_of_20_changes_send_each_patch_once(server: Server, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    for index in range(20):
        (specs / f"e{index:02d}.yaml").write_text(f"name: Twice {index}\nfeature_flag_key: twice-{index:02d}\n")
    assert server.run("apply", "-f", str(specs), "--yes").returncode == 0
    for path in specs.iterdir():
        path.write_text(path.read_text() + "description: changed\n")
    server.fake.clear_log()
    outputs = _two_applies(server, specs)
    assert [code for code, _, _ in outputs] == [0, 0], outputs
    assert [e.method for e in server.fake.writes()] == ["PATCH"] * 20, "each change sent once, by one of them"
    assert sum("Nothing to apply" in out + err for _, out, err in outputs) == 1, outputs


def _start_held_apply(cloud: Server, tmp_path: Path, count: int, *, extra: str = "") -> tuple[Path, Watched]:
    """``count`` specs "Slow N" (flag slow-N), applied two at a time."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for index in range(count):
        (specs / f"e{index}.yaml").write_text(f"name: Slow {index}\nfeature_flag_key: slow-{index}\n{extra}")
    return specs, Watched(["apply", "-f", str(specs), "--yes", "--parallel", "2"], cloud.env)


def test_ctrl_c_during_apply_starts_nothing_new_and_exits_130(cloud: Server, tmp_path: Path) -> None:
    creates = cloud.fake.gate(method="POST", path_contains="/experiments/")
    specs, apply = _start_held_apply(cloud, tmp_path, 12, extra="state: running\n")
    assert creates.wait_for(2), "two creates in flight (--parallel 2), held by the test server"
    apply.process.send_signal(signal.SIGINT)
    assert apply.wait_for("stderr", lambda line: "Ctrl-C: starting nothing new" in line), apply.lines
    creates.open()
    code, stdout, stderr = apply.finish()
    assert code == 130, (stdout, stderr)
    assert "waiting for the writes in flight to finish" in stderr
    assert "interrupted; not applied:" in stderr and "run the same apply again" in stderr
    assert "Traceback" not in stderr
    created = [e for e in cloud.fake.live_experiments() if e["name"].startswith("Slow")]
    assert len(created) == 2, "the two in flight finished; nothing new started"
    finish = cloud.run("apply", "-f", str(specs), "--yes")
    assert finish.returncode == 0, finish
    assert len([e for e in cloud.fake.live_experiments() if e["name"].startswith("Slow")]) == 12


def test_ctrl_c_ends_results_watch_normally(cloud: Server) -> None:
    code, screen, stderr = run_on_terminal(
        cloud.env,
        ["results", "checkout-redesign", "--watch", "5"],
        interrupt_when=lambda shown: "Ctrl-C to stop" in shown,
    )
    assert "Ctrl-C to stop" in screen
    assert code == 0, (screen, stderr)
    assert stderr == ""


def test_ctrl_c_twice_during_apply_still_ends_with_the_summary(cloud: Server, tmp_path: Path) -> None:
    creates = cloud.fake.gate(method="POST", path_contains="/experiments/", let_through=1)
    _, apply = _start_held_apply(cloud, tmp_path, 8)
    assert apply.wait_for("stdout", lambda line: "created" in line), "the first experiment done"
    assert creates.wait_for(2), "and two more creates in flight, held by the test server"
    apply.process.send_signal(signal.SIGINT)
    assert apply.wait_for("stderr", lambda line: "Ctrl-C: starting nothing new" in line), apply.lines
    apply.process.send_signal(signal.SIGINT)  # impatient: a second Ctrl-C while writes finish
    creates.open()
    code, stdout, stderr = apply.finish()
    assert code == 130, (stdout, stderr)
    assert "Applied:" in stderr and "In flight at Ctrl-C and finished:" in stderr, stderr
    not_applied = stderr.split("not applied: ")[1].split(";")[0].split(", ")
    created = {
        f"slow-{int(e['name'].split()[1])}" for e in cloud.fake.live_experiments() if e["name"].startswith("Slow")
    }
    assert len(created) == 3 and not created & set(not_applied), stderr
    assert created | set(not_applied) == {f"slow-{index}" for index in range(8)}
    assert "Traceback" not in stderr


def test_the_progress_bar_leaves_the_screen_when_apply_is_done(cloud: Server, tmp_path: Path) -> None:
    """On a person's terminal (stdout and stderr one screen) the bar is drawn while
    experiments are applied and gone after, and no result line lands on the bar's line."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for index in range(3):
        (specs / f"e{index}.yaml").write_text(f"name: Shown {index}\nfeature_flag_key: shown-{index}\n")
    code, shown, _ = run_on_terminal(cloud.env, ["apply", "-f", str(specs), "--yes"], columns=80, stderr_too=True)
    assert code == 0, shown
    screen = final_screen(shown)
    assert not any("Applying" in line for line in screen), screen
    results = [line for line in screen if "created" in line and "shown-" in line]
    assert len(results) == 3, screen
    assert all(line.lstrip().startswith(("+", "✓", "shown-", "'Shown")) or "created" in line for line in results)
    assert any(line.startswith("Applied: 3 created") for line in screen), screen


def test_ctrl_c_while_planning_says_nothing_was_applied(cloud: Server, tmp_path: Path) -> None:
    reads = cloud.fake.gate(method="GET", path_contains="/experiments/")
    _specs, apply = _start_held_apply(cloud, tmp_path, 3)
    assert reads.wait_for(1), "the plan is reading PostHog"
    apply.process.send_signal(signal.SIGINT)
    reads.open()
    code, _, stderr = apply.finish()
    assert code == 130, stderr
    assert "interrupted while reading PostHog's experiments; nothing was applied" in stderr
    assert cloud.fake.writes() == [] and "Traceback" not in stderr
