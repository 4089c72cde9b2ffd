"""Every failure expctl knows how to explain, and the exit code each one ends with.

The tree (exit code in brackets)::

    ExpctlError [1]                      unexpected or unclassified failure
    ├── UsageError [2]                   bad flag, bad input file, missing prompt answer
    │   └── ConfirmationRequiredError    destructive command without a TTY and without --yes
    ├── CancelledError [3]               the user said no at a prompt
    ├── AuthError [4]                    no key, 401, 403, insecure key storage
    ├── NotFoundError [5]                404, or no experiment with that flag key
    ├── RejectedError [6]                PostHog refused: 400, 409, illegal lifecycle move
    │   └── IllegalTransitionError       refused locally, before anything was sent
    ├── UnavailableError [7]             429, 5xx, connection failure, timeout (after retries)
    ├── TlsError [10]                    the server's certificate cannot be verified (never retried)
    ├── LocalWriteError [11]             a file or standard output could not be written here
    ├── ConflictError [12]               someone changed the experiment since expctl read it (409 + version)
    ├── UnexpectedResponseError [1]      PostHog answered with something that is not its API
    ├── ChangesPendingError [8]          diff/apply --dry-run found work to do
    ├── GateFailedError [9]              results --fail-on held, or flag-check said no
    ├── InterruptedByUserError [130]     Ctrl-C
    └── AlreadySaidError [any]           the command explained it already; only the code is left

API failures carry what PostHog said (``status``, ``code``, ``detail``, ``attr``) so the
message can name the field. Only the entry point turns these into text and an exit code
(``expctl.cli.framework.failures``); nothing below the CLI prints. An error with an empty message
is one whose explanation is already on screen (a printed plan, the gate that failed):
it ends the run with its code and no further line.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """The documented exit codes; README's table is generated from the same meanings."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CANCELLED = 3
    AUTH = 4
    NOT_FOUND = 5
    REJECTED = 6
    UNAVAILABLE = 7
    CHANGES_PENDING = 8
    GATE_FAILED = 9
    TLS = 10
    LOCAL_WRITE = 11
    CONFLICT = 12
    DECIDED_KEEP_RUNNING = 20
    DECIDED_REVIEW = 21
    DECIDED_ROLL_BACK = 22
    DECIDED_INVALID = 23
    WAITING_FOR_APPROVAL = 24
    INTERRUPTED = 130


# The short names the root help lists ("Exit codes: 0 ok, 1 error, ...").
EXIT_CODE_NAMES: dict[ExitCode, str] = {
    ExitCode.OK: "ok",
    ExitCode.ERROR: "error",
    ExitCode.USAGE: "usage",
    ExitCode.CANCELLED: "cancelled",
    ExitCode.AUTH: "auth",
    ExitCode.NOT_FOUND: "not found",
    ExitCode.REJECTED: "rejected",
    ExitCode.UNAVAILABLE: "unavailable",
    ExitCode.CHANGES_PENDING: "changes pending",
    ExitCode.GATE_FAILED: "check failed",
    ExitCode.TLS: "TLS certificate not trusted",
    ExitCode.LOCAL_WRITE: "could not write",
    ExitCode.CONFLICT: "conflict",
    ExitCode.DECIDED_KEEP_RUNNING: "keep running",
    ExitCode.DECIDED_REVIEW: "review",
    ExitCode.DECIDED_ROLL_BACK: "roll back",
    ExitCode.DECIDED_INVALID: "invalid",
    ExitCode.WAITING_FOR_APPROVAL: "waiting for approval",
    ExitCode.INTERRUPTED: "interrupted",
}

EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.ERROR: "unexpected error",
    ExitCode.USAGE: "usage error or invalid input (bad flag, bad file, confirmation needed without a TTY)",
    ExitCode.CANCELLED: "cancelled at a prompt",
    ExitCode.AUTH: "authentication or permission: no key, 401, 403",
    ExitCode.NOT_FOUND: "not found: 404, or no experiment with that flag key",
    ExitCode.REJECTED: (
        "rejected by PostHog: 400 validation, 405 method not allowed, 409 (other than a version conflict), "
        "illegal lifecycle transition"
    ),
    ExitCode.UNAVAILABLE: (
        "PostHog unavailable after retries (429, 5xx, connection error, timeout), or the host is not PostHog"
    ),
    ExitCode.CHANGES_PENDING: "changes pending (`diff`, `apply --dry-run`)",
    ExitCode.GATE_FAILED: "a check failed: a `results --fail-on` condition held, or `flag-check` said no",
    ExitCode.TLS: "the server's TLS certificate could not be verified (untrusted CA, expired, wrong host)",
    ExitCode.LOCAL_WRITE: (
        "a file or standard output could not be written (permission, a file where a folder should be, disk full)"
    ),
    ExitCode.CONFLICT: (
        "conflict: someone changed the experiment in PostHog since expctl read it, in the fields the write "
        "changes; nothing was written"
    ),
    ExitCode.DECIDED_KEEP_RUNNING: "`decide`: keep running (not enough evidence yet; the days left are said)",
    ExitCode.DECIDED_REVIEW: "`decide`: a person must review (mixed results, or a win the correction overturns)",
    ExitCode.DECIDED_ROLL_BACK: "`decide`: roll back (a primary metric loses, or a guardrail is breached)",
    ExitCode.DECIDED_INVALID: "`decide`: the test is invalid (sample ratio mismatch, bias, changed mid-run)",
    ExitCode.WAITING_FOR_APPROVAL: "a flag change waits for approval (PostHog's change request; the link is said)",
    ExitCode.INTERRUPTED: "interrupted",
}


class ExpctlError(Exception):
    """Base of every expected failure: a message for people and, often, the next step."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str = "", *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(ExpctlError):
    exit_code = ExitCode.USAGE


class ConfirmationRequiredError(UsageError):
    """Raised instead of prompting when standard input is not a terminal."""


class CancelledError(ExpctlError):
    exit_code = ExitCode.CANCELLED


class AuthError(ExpctlError):
    exit_code = ExitCode.AUTH


class NotFoundError(ExpctlError):
    exit_code = ExitCode.NOT_FOUND


class RejectedError(ExpctlError):
    exit_code = ExitCode.REJECTED


class LocalWriteError(ExpctlError):
    """Writing here failed: nothing PostHog did, nothing to retry until the path or the disk is fixed."""

    exit_code = ExitCode.LOCAL_WRITE


class IllegalTransitionError(RejectedError):
    """A lifecycle move that the local rules already know PostHog would refuse."""


class UnavailableError(ExpctlError):
    exit_code = ExitCode.UNAVAILABLE


class TlsError(ExpctlError):
    """The server's certificate could not be verified. Retrying cannot fix that, so it
    is never retried; the message says how to trust a private CA."""

    exit_code = ExitCode.TLS


class UnexpectedResponseError(ExpctlError):
    """PostHog (or something in front of it) answered with a shape we cannot use."""


class ChangesPendingError(ExpctlError):
    exit_code = ExitCode.CHANGES_PENDING


class GateFailedError(ExpctlError):
    exit_code = ExitCode.GATE_FAILED


class InterruptedByUserError(ExpctlError):
    exit_code = ExitCode.INTERRUPTED


class AlreadySaidError(ExpctlError):
    """Failures the command has already listed one by one (apply, archive, doctor): only
    the exit code, the first failure's, is left to give."""

    def __init__(self, exit_code: int) -> None:
        super().__init__("")
        self.exit_code = ExitCode(exit_code)


class ApiErrorInfo:
    """What PostHog said about a failed request, kept for messages and tests."""

    def __init__(
        self,
        *,
        status: int,
        method: str,
        path: str,
        detail: str,
        code: str | None = None,
        attr: str | None = None,
        body: Any = None,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.detail = detail
        self.code = code
        self.attr = attr
        self.body = body


class ApiError(ExpctlError):
    """Mixin-like base for errors that came back from PostHog's API."""

    def __init__(self, message: str, *, info: ApiErrorInfo | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.info = info

    @property
    def status(self) -> int | None:
        return self.info.status if self.info else None

    @property
    def attr(self) -> str | None:
        return self.info.attr if self.info else None

    @property
    def detail(self) -> str:
        return self.info.detail if self.info else self.message


class ApiAuthError(ApiError, AuthError):
    """401 or 403 from PostHog."""


class ApiNotFoundError(ApiError, NotFoundError):
    """404 from PostHog."""


class ApiRejectedError(ApiError, RejectedError):
    """400, 405 or 409 from PostHog."""


class ApprovalRequiredError(ApiError):
    """409 with ``change_request_id``: the flag change needs an approval first (PostHog's
    approvals, ``products/approvals``: ``code`` approval_required or change_request_pending).
    Nothing was changed yet; it is its own outcome, never a failure."""

    exit_code = ExitCode.WAITING_FOR_APPROVAL

    @property
    def change_request_id(self) -> str | None:
        body = self.info.body if self.info else None
        value = body.get("change_request_id") if isinstance(body, dict) else None
        return str(value) if value is not None else None


class ApiVersionConflictError(ApiError):
    """409 with ``current_version``: the experiment changed since the ``version`` sent
    (PostHog's ``ExperimentVersionConflict``); ``fields`` are those PostHog could not merge."""

    exit_code = ExitCode.CONFLICT

    @property
    def current_version(self) -> int | None:
        body = self.info.body if self.info else None
        value = body.get("current_version") if isinstance(body, dict) else None
        return value if isinstance(value, int) else None

    @property
    def fields(self) -> list[str]:
        body = self.info.body if self.info else None
        if not isinstance(body, dict):
            return []
        names = [*(body.get("conflicting_fields") or []), *(body.get("conflicting_metric_uuids") or [])]
        return [str(n) for n in names]


class ConflictError(ExpctlError):
    """A write stopped because a concurrent edit in PostHog touched what it would change."""

    exit_code = ExitCode.CONFLICT


class ApiUnavailableError(ApiError, UnavailableError):
    """429, 5xx, or no answer at all, after the retries ran out."""


class NotPostHogError(ApiError, UnavailableError):
    """The host answered, but with a web page, not PostHog's API: a wrong --host, a login
    portal or a proxy's page. Exit 7 like any host that cannot serve the API."""


class ApiUnexpectedError(ApiError, UnexpectedResponseError):
    """A status or body PostHog's API does not produce (HTML from a proxy, broken JSON)."""
