"""Run the test server standalone: ``python3 -m expctl.standin --port 8010``.

It prints the URL and the API keys to use, then serves until Ctrl-C. It needs nothing but
Python's standard library, so it starts with any Python 3.10 or newer, whichever way expctl
was installed.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timezone

from expctl.standin import FULL_KEY, READ_ONLY_KEY, FakePostHog, RunningServer, seed_experiments
from expctl.standin.demo import add_demo_experiments


def _day(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from exc
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m expctl.standin", description="A PostHog stand-in on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8010, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument(
        "--flavour", choices=("cloud", "legacy"), default="cloud", help="current Cloud or an older self-hosted release"
    )
    parser.add_argument("--experiments", type=int, default=0, help="also create this many plain experiments")
    parser.add_argument("--no-demo", action="store_true", help="start empty instead of with a few demo experiments")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay every API request by this much")
    parser.add_argument("--query-latency-ms", type=float, default=0, help="delay every query by this much")
    parser.add_argument("--error-rate", type=float, default=0, help="fraction of requests answered 503")
    parser.add_argument("--drop-rate", type=float, default=0, help="fraction of connections dropped")
    parser.add_argument("--throttle", action="store_true", help="enforce PostHog Cloud's rate limits")
    parser.add_argument(
        "--no-retry-after", action="store_true", help="throttled answers carry no Retry-After header (detail only)"
    )
    parser.add_argument(
        "--no-stored-results",
        action="store_true",
        help="answer metrics_recalculation/ with 404, as Cloud did before it kept results",
    )
    parser.add_argument(
        "--today",
        type=_day,
        metavar="YYYY-MM-DD",
        help="pin the server's calendar to this day (noon UTC), as the README's dated excerpts were taken",
    )
    args = parser.parse_args(argv)

    fake = FakePostHog(args.flavour, today=args.today)
    if not args.no_demo:
        add_demo_experiments(fake)
    if args.experiments:
        seed_experiments(fake, args.experiments)
    fake.faults.latency = args.latency_ms / 1000
    fake.faults.query_latency = args.query_latency_ms / 1000
    fake.faults.error_rate = args.error_rate
    fake.faults.drop_rate = args.drop_rate
    fake.throttle.enabled = args.throttle
    fake.stored_results = not args.no_stored_results
    fake.throttle.send_retry_after = not args.no_retry_after
    try:
        server = RunningServer(fake, args.port)
    except OSError as exc:
        print(
            f"error: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}; "
            "pick another with --port N (0 picks a free one)",
            file=sys.stderr,
        )
        return 2
    print(f"FakePostHog ({args.flavour}) listening on {server.url}", flush=True)
    print(f"  full-access key: {FULL_KEY}", flush=True)
    print(f"  read-only key:   {READ_ONLY_KEY}", flush=True)
    print("  project: 1 (also 2)", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
