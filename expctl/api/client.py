"""One HTTP client per run: auth, timeouts, retries, rate limits, redaction, size limits.

Retry rules:

* GET, PUT, PATCH, DELETE (and POSTs marked ``idempotent``, such as queries) are
  retried on connection failures, timeouts, 429, 502, 503 and 504, with exponential
  backoff and jitter.
* A 429 waits what PostHog asks: ``Retry-After``, else the seconds in its detail
  ("Expected available in N seconds"), else backoff; never more than ``max_wait``.
* A POST that writes is never blindly retried. When its outcome is unknown (the
  connection dropped after sending, a timeout, a 502/503/504), ``reconcile`` is asked
  whether the write landed (e.g. look the experiment up by its flag key); only when it
  did not is the POST sent again. A POST that never left (connection refused) or was
  throttled (429) is safe to repeat.

The client never follows a redirect to another origin, so the Authorization header
only ever goes to the configured host.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from expctl import __version__
from expctl.api.bodies import decode, read_capped
from expctl.api.debugging import HttpDebug
from expctl.api.errors import error_for_response
from expctl.api.notices import Notices
from expctl.api.ratelimit import Budget, RateLimiter
from expctl.api.retry import (
    CONNECT_ATTEMPTS,
    RETRY_STATUSES,
    RetryableError,
    attempts_text,
    is_concurrency_limit,
    retry_reason,
    server_wait,
)
from expctl.api.tls import certificate_problem, speaks_plain_http, tls_context
from expctl.api.urls import clean_params, origin
from expctl.errors import (
    ApiError,
    ApiUnavailableError,
    ApiUnexpectedError,
    ExpctlError,
    TlsError,
    UnavailableError,
)
from expctl.settings.hosts import is_loopback
from expctl.settings.secret import Secret

if TYPE_CHECKING:
    import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class ClientConfig(NamedTuple):
    host: str
    project: str
    api_key: Secret
    timeout: float = 30.0
    max_wait: float = 120.0
    retries: int = 5
    backoff: float = 0.5
    ca_bundle: str | None = None
    budget: Budget | None = None
    max_response_bytes: int = MAX_RESPONSE_BYTES


class ClientHooks(NamedTuple):
    """How the client tells the outside world what it is doing, without printing."""

    debug: Callable[[str], None] | None = None
    notice: Callable[[str], None] | None = None
    # A wait of this many seconds begins, for this reason (a live progress line counts
    # it down; the notice has already said it in words).
    waiting: Callable[[float, str], None] | None = None


class ApiResponse(NamedTuple):
    status: int
    headers: Mapping[str, str]
    data: Any


class ClientStats:
    """What the client did during the run (for tests, doctor and debugging)."""

    def __init__(self) -> None:
        self.sent = 0
        self.retried = 0
        self.throttled = 0
        self.by_status: dict[int, int] = {}


class PostHogClient:
    """Talks to one PostHog host for one project."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        hooks: ClientHooks | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        self.config = config
        self.hooks = hooks or ClientHooks()
        self._sleep = sleep
        self._jitter = jitter or _random
        self.stats = ClientStats()
        self._notices = Notices(self.hooks.notice, self.hooks.waiting, clock)
        self.limiter = RateLimiter(
            config.budget or Budget(api=(), query=(), query_concurrency=None),
            sleep=sleep,
            clock=clock,
            on_wait=self._notices.budget_wait,
        )
        self.capabilities: dict[str, bool] = {}
        # Answers one run reads once and shares (the project's experiment settings).
        self.memo: dict[str, Any] = {}
        self._origin = origin(config.host)
        self._debug = HttpDebug(self.hooks.debug, config.api_key.reveal())
        self._http = _http_client(config, transport)

    # -- public helpers ------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self.config.host

    @property
    def project(self) -> str:
        return self.config.project

    def project_path(self, suffix: str) -> str:
        return f"/api/projects/{self.config.project}/{suffix.lstrip('/')}"

    def sleep(self, seconds: float) -> None:
        """Wait as the client waits between retries (a test's virtual clock moves instead)."""
        self._sleep(seconds)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PostHogClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, bucket: str = "api") -> Any:
        return self.request("GET", path, params=params, bucket=bucket).data

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        idempotent: bool = False,
        reconcile: Callable[[], Any | None] | None = None,
        bucket: str = "api",
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        return self.request(
            "POST", path, json_body=body, idempotent=idempotent, reconcile=reconcile, bucket=bucket, params=params
        ).data

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json_body=body).data

    # -- the one place requests are made ---------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        idempotent: bool | None = None,
        reconcile: Callable[[], Any | None] | None = None,
        bucket: str = "api",
        patient: bool = True,
    ) -> ApiResponse:
        """One request, retried by the rules above; ``patient`` off: a throttled answer (429)
        is the caller's to handle, not waited out (e.g. a refusal whose wait is minutes)."""
        method = method.upper()
        safe_to_repeat = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        attempts = max(1, self.config.retries + 1)
        attempt = 0
        while True:
            attempt += 1
            try:
                with self.limiter.slot(bucket):
                    return self._attempt(method, path, params, json_body)
            except RetryableError as failure:
                if not patient and isinstance(failure.error, ApiError) and failure.error.status == 429:
                    raise failure.error from None
                if failure.sent and not safe_to_repeat:
                    landed = self._reconciled(method, path, failure, reconcile)
                    if landed is not None:
                        return landed
                # A refused connection rarely heals in seconds: give up sooner than for 5xx.
                limit = min(attempts, CONNECT_ATTEMPTS) if failure.refused else attempts
                if attempt >= limit:
                    raise self._final_error(method, path, failure, attempt) from None
                wait = self._wait_for(failure, attempt)
                if wait > self.config.max_wait:
                    raise ApiUnavailableError(
                        f"{failure.reason}; PostHog asks to wait {wait:.0f} s, more than --max-wait "
                        f"({self.config.max_wait:g} s)",
                        hint="run again later, or raise --max-wait",
                    ) from None
                self.stats.retried += 1
                self._notices.say(f"{failure.reason}; retrying in {wait:.1f} s (attempt {attempt + 1} of {limit})")
                if failure.throttled:
                    self._notices.say(self.limiter.throttled(bucket))
                self._notices.show_wait(wait, failure.reason)
                self._sleep(wait)

    def _reconciled(
        self, method: str, path: str, failure: RetryableError, reconcile: Callable[[], Any | None] | None
    ) -> ApiResponse | None:
        """A write that may have landed is never simply repeated: ``reconcile`` looks whether it
        did (its answer then stands in for the lost one); None means it did not, so retry."""
        if reconcile is None:
            raise ApiUnavailableError(
                f"{method} {path}: {failure.reason}; PostHog may or may not have applied it",
                hint="check the current state (e.g. `expctl get`) before running the command again",
            ) from None
        landed = reconcile()
        if landed is None:
            return None
        self._notices.say(f"{failure.reason}; the change had been applied, continuing")
        return ApiResponse(status=200, headers={}, data=landed)

    def _attempt(self, method: str, path: str, params: Mapping[str, Any] | None, json_body: Any) -> ApiResponse:
        import httpx

        content = None if json_body is None else json.dumps(json_body).encode("utf-8")
        headers = {"Content-Type": "application/json"} if content is not None else {}
        request = self._http.build_request(method, path, params=clean_params(params), content=content, headers=headers)
        self._debug.request(request, content)
        started = time.monotonic()
        self.stats.sent += 1
        try:
            response = self._http.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            problem = certificate_problem(exc)
            if problem is not None and speaks_plain_http(problem):
                raise UnavailableError(
                    f"{self.host} answers in plain http, not https (TLS: {problem})",
                    hint=f"use {self.host.replace('https://', 'http://', 1)} if that is how this server is reached "
                    "(loopback, or with --allow-insecure-http), or the port that serves https",
                ) from None
            if problem is not None:
                raise TlsError(
                    f"cannot verify the TLS certificate of {self.host}: {problem}",
                    hint="if the server uses a private CA, pass --ca-bundle FILE (or set SSL_CERT_FILE / SSL_CERT_DIR)",
                ) from None
            raise RetryableError(f"cannot connect to {self.host} ({_short(exc)})", sent=False, refused=True) from None
        except httpx.PoolTimeout:
            raise RetryableError("no free connection (pool timeout)", sent=False) from None
        except httpx.HTTPError as exc:
            raise self._broken(exc) from None
        try:
            raw = read_capped(response, self.config.max_response_bytes)
        except httpx.HTTPError as exc:
            raise self._broken(exc) from None
        finally:
            response.close()
        self.stats.by_status[response.status_code] = self.stats.by_status.get(response.status_code, 0) + 1
        self._debug.response(response, raw, (time.monotonic() - started) * 1000)
        return self._answer(method, path, response, raw)

    def _broken(self, exc: Exception) -> Exception:
        """A request that was sent but got no complete answer: retryable when it timed out
        or the connection dropped; anything else httpx raises is passed on as it is."""
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return RetryableError(f"no answer from {self.host} within {self.config.timeout:g} s", sent=True)
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.NetworkError)):
            return RetryableError(f"connection to {self.host} dropped ({_short(exc)})", sent=True)
        return exc

    def _answer(self, method: str, path: str, response: httpx.Response, raw: bytes) -> ApiResponse:
        """The decoded answer, or the error it means: redirects are refused, 429 and
        502/503/504 are retryable (with the wait PostHog asks for), other 4xx/5xx final."""
        status = response.status_code
        if 300 <= status < 400:
            raise self._redirect_error(method, path, response)
        if status >= 400:
            error = error_for_response(
                status=status,
                method=method,
                path=path,
                raw=raw,
                content_type=response.headers.get("content-type", ""),
                host=self.host,
                project=self.project,
            )
            if status not in RETRY_STATUSES:
                raise error
            if status == 429:
                self.stats.throttled += 1
            raise RetryableError(
                retry_reason(status, error),
                sent=status != 429,
                throttled=status == 429 and not is_concurrency_limit(status, error),
                wait_hint=server_wait(response.headers, error.detail) if status in (429, 503) else None,
                error=error,
            )
        return ApiResponse(
            status=status, headers=response.headers, data=decode(raw, status, method, path, self._origin)
        )

    # -- helpers ---------------------------------------------------------------------

    def _redirect_error(self, method: str, path: str, response: httpx.Response) -> ExpctlError:
        location = response.headers.get("location", "")
        target = origin(location) if "://" in location else self._origin
        if target != self._origin:
            return ApiUnexpectedError(
                f"PostHog redirected {method} {path} to {target}; not following it with your API key",
                hint=f"if {target} is the right server, use --host {target}",
            )
        return ApiUnexpectedError(
            f"PostHog redirected {method} {path} to {location} (HTTP {response.status_code})",
            hint="check --host; expctl does not follow redirects",
        )

    def _wait_for(self, failure: RetryableError, attempt: int) -> float:
        if failure.wait_hint is not None:
            return failure.wait_hint
        backoff = min(self.config.max_wait, self.config.backoff * (2 ** (attempt - 1)))
        return float(backoff * (0.5 + 0.5 * self._jitter()))

    def _final_error(self, method: str, path: str, failure: RetryableError, attempts: int) -> ExpctlError:
        if failure.error is not None:
            error = failure.error
            error.message = f"{error.message} (gave up after {attempts_text(attempts)})"
            return error
        return ApiUnavailableError(
            f"{failure.reason} (gave up after {attempts_text(attempts)})",
            hint=f"check that {self.host} is reachable and right (`expctl doctor`)",
        )


def _http_client(config: ClientConfig, transport: httpx.BaseTransport | None) -> httpx.Client:
    """The run's one httpx client: the key in every request, verified TLS, no redirects."""
    import httpx

    from expctl.api.direct_transport import MAX_CONNECTIONS, transport_for

    loopback = is_loopback(urlsplit(config.host).hostname or "")
    verify = tls_context(config.host, config.ca_bundle)
    return httpx.Client(
        base_url=config.host,
        headers={
            "Authorization": f"Bearer {config.api_key.reveal()}",
            "User-Agent": f"expctl/{__version__}",
            "Accept": "application/json",
        },
        timeout=httpx.Timeout(config.timeout, connect=min(config.timeout, 10.0)),
        verify=verify,
        # Tests pass a MockTransport. Otherwise http.client straight to the host, or,
        # when a proxy may apply, httpx's own transport, which reads HTTP(S)_PROXY,
        # ALL_PROXY and NO_PROXY (direct_transport.py says why and what both keep).
        transport=transport or transport_for(loopback, verify),
        follow_redirects=False,
        limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS),
        # A loopback host never goes through a proxy: the key would travel to it in
        # clear text (HTTP_PROXY, ALL_PROXY); everything else follows the environment.
        trust_env=not loopback,
    )


def _random() -> float:
    import random

    return random.random()


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]
