"""When an attempt may be tried again, and how long to wait first.

A failure that cannot have reached PostHog's application (refused connection, 502/503/504
from a proxy) or that PostHog itself asks to wait out (429 with ``Retry-After``, or the
seconds in its ``detail``) is retried with backoff and jitter; anything else is final.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

from expctl.errors import ExpctlError

RETRY_STATUSES = frozenset({429, 502, 503, 504})
CONNECT_ATTEMPTS = 3
# A string, compiled by `re` on first use: most runs never need it.
_DETAIL_SECONDS = r"available in (\d+) seconds?"


class RetryableError(Exception):
    """This attempt failed in a way that may be retried."""

    def __init__(
        self,
        reason: str,
        *,
        sent: bool,
        wait_hint: float | None = None,
        error: ExpctlError | None = None,
        refused: bool = False,
        throttled: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refused = refused
        self.throttled = throttled  # a 429: the budget may need adjusting
        self.sent = sent  # False: the request certainly did not reach PostHog's application
        self.wait_hint = wait_hint
        self.error = error


def server_wait(headers: Mapping[str, str], detail: str) -> float | None:
    header = headers.get("retry-after")
    if header:
        header = header.strip()
        if header.isdigit():
            return float(header)
        import email.utils

        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - time.time())
    match = re.search(_DETAIL_SECONDS, detail or "")
    if match:
        return float(match.group(1))
    return None


# PostHog's query endpoint re-raises its per-team concurrency limit as a 429 with no wait
# (posthog/api/query.py: ``except ConcurrencyLimitExceeded as c: raise Throttled(detail=str(c))``;
# posthog/clickhouse/client/limit.py: "Exceeded maximum concurrency limit: 3 for key: ..."). It
# says queries are running for the team (the web app, another job), not that this key sent
# too many: it waits for a slot and never lowers the rate budget.
CONCURRENCY_DETAILS = ("Exceeded maximum concurrency limit", "Too many concurrent")


def is_concurrency_limit(status: int, error: ExpctlError) -> bool:
    detail = str(getattr(error, "detail", None) or error.message or "")
    return status == 429 and any(text in detail for text in CONCURRENCY_DETAILS)


def retry_reason(status: int, error: ExpctlError) -> str:
    if is_concurrency_limit(status, error):
        return "PostHog is already running the team's maximum of queries at once (HTTP 429)"
    if status == 429:
        return "PostHog is throttling requests (HTTP 429)"
    return f"PostHog answered HTTP {status}"


def attempts_text(count: int) -> str:
    return f"{count} attempt{'' if count == 1 else 's'}"
