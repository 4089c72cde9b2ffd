"""FakePostHog: one handler object, faithful to ``shared/reference``, in two flavours.

``cloud``  current PostHog Cloud: lifecycle action endpoints, soft delete (DELETE is 405),
           slim list rows, server-side list filters, status field, ExperimentQuery results.
``legacy`` the late-2024 self-hosted release (``ee/clickhouse/views/experiments.py`` at
           PostHog 000a805c58e3, a plain ``ModelViewSet``): no action endpoints, DELETE
           hard-deletes, duplicate flag keys are a 400, list filters and ``order`` are
           ignored (archived rows listed, always ``-created_at``), only that
           serializer's fields exist (others are dropped without a word), no
           ``stats/`` or ``eligible_feature_flags/`` (404 "Not found." from the detail
           route), legacy ``results/`` endpoints, 500 when ``parameters`` is missing.

The same :meth:`FakePostHog.handle` serves ``httpx.MockTransport`` and a real
``ThreadingHTTPServer`` on 127.0.0.1 (see ``http.py`` and ``mock.py``).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from expctl.standin import activity as activity_routes
from expctl.standin import experiments as exp_routes
from expctl.standin import flags as flag_routes
from expctl.standin import migration as migration_routes
from expctl.standin import queries as query_routes
from expctl.standin import recalculation as recalculation_routes
from expctl.standin import resources as resource_routes
from expctl.standin import tags as tag_routes
from expctl.standin import timeseries as timeseries_routes
from expctl.standin.holds import UNHELD, Barrier, Gate, Holds
from expctl.standin.state import ApiKey, Store, Team, User, pinned_clock, seeded_store, wall_clock
from expctl.standin.wire import FakeRequest, FakeResponse, HttpError, error, not_found

Handler = Callable[["Ctx"], FakeResponse]
# (definition, value, strict) -> the problems found, one line each
SchemaChecker = Callable[[str, Any, bool], list[str]]


@dataclass
class Ctx:
    server: FakePostHog
    request: FakeRequest
    match: re.Match[str]
    key: ApiKey
    user: User
    team: Team

    @property
    def store(self) -> Store:
        return self.server.store

    @property
    def flavour(self) -> str:
        return self.server.flavour

    def base_url(self) -> str:
        return f"{self.request.scheme}://{self.request.host}"


@dataclass
class Faults:
    """Transient failures, injected before (or, for drops, after) handling."""

    error_rate: float = 0.0  # 503 without doing anything
    drop_rate: float = 0.0  # connection closed: half before handling, half after
    latency: float = 0.0  # seconds added to every /api request
    query_latency: float = 0.0  # seconds added to every query
    seed: int = 0


@dataclass
class Throttle:
    """PostHog's sliding-window throttles, per key (off unless enabled, as self-hosted)."""

    enabled: bool = False
    windows: list[tuple[int, float]] = field(default_factory=lambda: [(480, 60.0), (4800, 3600.0)])
    # QueryViewSet.get_throttles (posthog/api/query.py): ClickHouseBurstRateThrottle
    # "240/minute" and ClickHouseSustainedRateThrottle "1200/hour" for a team not on the
    # API-queries throttles.
    query_windows: list[tuple[int, float]] = field(default_factory=lambda: [(240, 60.0), (1200, 3600.0)])
    send_retry_after: bool = True


@dataclass
class LogEntry:
    started: float
    finished: float
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    key: str | None
    body: bytes


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    scope: str | None
    flavours: tuple[str, ...] = ("cloud", "legacy")


class FakePostHog:
    def __init__(
        self,
        flavour: str = "cloud",
        *,
        store: Store | None = None,
        seed: int = 0,
        today: datetime | None = None,
        schema_checker: SchemaChecker | None = None,
    ) -> None:
        """``today`` pins the server's calendar (see ``Store.clock``); without it, the wall
        clock. ``schema_checker`` (the test suite's ``tests/support/schema_oracle.py``)
        checks what is sent and answered against PostHog's published query schema; without
        it nothing is checked (``expctl demo``, which nobody asks for violations, and which
        must start with the standard library alone: the checks need jsonschema, a test
        dependency)."""
        if flavour not in ("cloud", "legacy"):
            raise ValueError(flavour)
        self.flavour = flavour
        self.store = store or seeded_store(pinned_clock(today) if today else wall_clock)
        self.faults = Faults(seed=seed)
        self.throttle = Throttle()
        self.log: list[LogEntry] = []
        self.scripted: deque[tuple[str, re.Pattern[str], FakeResponse | Callable[[FakeRequest], FakeResponse]]] = (
            deque()
        )
        self.query_concurrency_limit = 3
        self.max_concurrent_queries_seen = 0
        self._running_queries: dict[int, int] = {}
        self._tasks = 0
        self._throttle_log: dict[tuple[str, str], deque[float]] = {}
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.routes = self._routes()
        self.query_results: dict[tuple[int, str], dict[str, Any]] = {}  # test overrides
        self.query_failures: dict[tuple[int, str], FakeResponse] = {}  # test overrides: a metric's query fails
        self.schema_violations: list[str] = []  # see schema_oracle.py; the test fixtures fail on any
        self.schema_checker = schema_checker
        self.query_cache: dict[tuple[int, str], dict[str, Any]] = {}
        self.exposures: dict[int, dict[str, int]] = {}  # test overrides per experiment
        self.recalculations: dict[str, dict[str, Any]] = {}  # stored results' runs (recalculation.py)
        self.stored_results = True  # off: a Cloud from before metrics_recalculation (404)
        self.versioned = True  # off: a Cloud from before the experiment `version` (PR #71032)
        self.experiments_config_refuses_scoped_keys = False  # see _experiments_config
        self.activity: dict[int, list[dict[str, Any]]] = {}  # experiment id -> its entries (activity.py)
        self._before: list[tuple[str, re.Pattern[str], Callable[[], None]]] = []
        # on: the organisation has experiment-metric-recalculation-rate-limit (recalculation.py)
        self.recalculation_rate_limit = False
        self.multiple: dict[int, int] = {}  # users exposed to more than one variant ($multiple), per experiment
        self.daily_failures: dict[tuple[int, str], str] = {}  # (experiment, day) -> error_message
        # The throttles' clock; in-process tests put a virtual one here and advance it
        # from expctl's sleep, so a wait PostHog asks for takes no real time.
        self.clock: Callable[[], float] = time.monotonic
        self.holds = Holds()  # barriers and gates a test sets (holds.py)

    # -- configuration helpers for tests ---------------------------------------------

    def script(
        self, method: str, path_regex: str, response: FakeResponse | Callable[[FakeRequest], FakeResponse]
    ) -> None:
        """Answer the next matching request with ``response`` (once), before anything else."""
        self.scripted.append((method.upper(), re.compile(path_regex), response))

    def barrier(
        self,
        count: int,
        *,
        method: str | None = None,
        path_contains: str | tuple[str, ...] = "",
        query_has: str | None = None,
    ) -> Barrier:
        """Hold the first ``count`` matching requests until all have arrived (``holds.py``)."""
        return self.holds.barrier(count, method=method, path_contains=path_contains, query_has=query_has)

    def gate(
        self, *, method: str | None = None, path_contains: str = "", query_has: str | None = None, let_through: int = 0
    ) -> Gate:
        """Hold every matching request (after the first ``let_through``) until the test
        opens the gate (``holds.py``)."""
        return self.holds.gate(method=method, path_contains=path_contains, query_has=query_has, let_through=let_through)

    def inject_faults(self, *, error_rate: float, drop_rate: float, latency: float = 0.0, seed: int = 3) -> None:
        """Transient 503s and dropped connections from now on (reproducible with ``seed``)."""
        self.faults.error_rate = error_rate
        self.faults.drop_rate = drop_rate
        self.faults.latency = latency
        with self._lock:
            self._rng.seed(seed)

    def requests(self, method: str | None = None, path_contains: str = "") -> list[LogEntry]:
        with self._lock:
            entries = list(self.log)
        return [e for e in entries if (method is None or e.method == method) and path_contains in e.path]

    def writes(self) -> list[LogEntry]:
        return [e for e in self.requests() if e.method in ("POST", "PATCH", "PUT", "DELETE") and "/query" not in e.path]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def check_schema(self, definition: str, value: Any, where: str, *, strict: bool = True) -> None:
        """Record where ``value`` breaks PostHog's published schema (see ``schema_checker``)."""
        if self.schema_checker is None:
            return
        found = self.schema_checker(definition, value, strict)
        if found:
            with self._lock:
                self.schema_violations.extend(f"{where}: {line}" for line in found)

    def live_experiments(self, team_id: int = 1) -> list[dict[str, Any]]:
        with self.store.lock:
            return [
                e
                for e in self.store.experiments.values()
                if e["team_id"] == team_id and not e.get("deleted") and not e.get("_hard_deleted")
            ]

    # -- the handler ---------------------------------------------------------------------

    def before(self, method: str, path_regex: str, action: Callable[[], None]) -> None:
        """Run ``action`` once, just before the next matching request is handled: a
        colleague's edit landing between a client's read and its write, deterministically."""
        with self._lock:
            self._before.append((method.upper(), re.compile(path_regex), action))

    def _run_before(self, request: FakeRequest) -> None:
        with self._lock:
            due = next((h for h in self._before if h[0] == request.method and h[1].search(request.path)), None)
            if due is not None:
                self._before.remove(due)
        if due is not None:
            due[2]()

    def handle(self, request: FakeRequest) -> FakeResponse:
        started = time.monotonic()
        self._run_before(request)
        response = self._handle(request)
        if not response.drop:
            # Every HTTP answer carries the server's clock (RFC 9110 Date; gunicorn sends it
            # for PostHog): here the pinned clock, so a client reading "now" from PostHog
            # gets the test's day whatever the machine's date.
            from email.utils import format_datetime

            response.headers.setdefault("Date", format_datetime(self.store.now(), usegmt=True))
        with self._lock:
            self.log.append(
                LogEntry(
                    started=started,
                    finished=time.monotonic(),
                    method=request.method,
                    path=request.path,
                    query=request.query,
                    status=response.status if not response.drop else 0,
                    key=_bearer(request),
                    body=request.body,
                )
            )
        return response

    def _handle(self, request: FakeRequest) -> FakeResponse:
        if request.path.startswith("/_fake/"):
            return self._admin(request)
        if UNHELD not in request.headers:  # the test's own requests pass (demo.call(unheld=True))
            self.holds.wait(request.method, request.path, request.query)
        scripted = self._take_scripted(request)
        if scripted is not None:
            return scripted
        if not request.path.startswith("/api/"):
            return FakeResponse.html(404, "<html><body>Not Found</body></html>")
        if self.faults.latency:
            time.sleep(self.faults.latency)
        fault = self._roll_fault()
        if fault == "error":
            return FakeResponse.html(503, "<html><body><h1>503 Service Unavailable</h1></body></html>")
        if fault == "drop-before":
            return FakeResponse(status=0, drop=True)
        try:
            response = self._route(request)
        except HttpError as exc:
            response = exc.response
        if fault == "drop-after":
            return FakeResponse(status=0, drop=True)
        return response

    def _admin(self, request: FakeRequest) -> FakeResponse:
        """Test-server controls for the benchmark (no auth; it only listens on loopback)."""
        if request.path == "/_fake/stats":
            entries = [e for e in self.requests() if not e.path.startswith("/_fake/")]
            return FakeResponse.json(
                200,
                {
                    "requests": len(entries),
                    "writes": len(
                        [
                            e
                            for e in entries
                            if e.method in ("POST", "PATCH", "PUT", "DELETE") and "/query" not in e.path
                        ]
                    ),
                    "queries": len([e for e in entries if "/query" in e.path]),
                    "by_status": {
                        str(s): sum(1 for e in entries if e.status == s) for s in {e.status for e in entries}
                    },
                    "max_concurrent_queries": self.max_concurrent_queries_seen,
                },
            )
        if request.path == "/_fake/log":
            # The requests so far, in arrival order, for a benchmark's sequential replay.
            entries = [e for e in self.requests() if not e.path.startswith("/_fake/")]
            return FakeResponse.json(
                200,
                [
                    {"method": e.method, "path": e.path, "query": e.query, "body": e.body.decode("utf-8", "replace")}
                    for e in sorted(entries, key=lambda e: e.started)
                ],
            )
        if request.path == "/_fake/reset" and request.method == "POST":
            self.clear_log()
            self.max_concurrent_queries_seen = 0
            with self._lock:
                self._throttle_log.clear()  # a fresh minute and hour for every key
            return FakeResponse.json(200, {"ok": True})
        if request.path == "/_fake/churn" and request.method == "POST":
            # The web app's running-time auto-save on every launched experiment (PR #77437).
            from expctl.standin.demo import running_time_autosave

            launched = [e["id"] for e in self.live_experiments() if e.get("start_date") and not e.get("end_date")]
            for experiment_id in launched:
                running_time_autosave(self, experiment_id, days=9.5)
            self.clear_log()
            return FakeResponse.json(200, {"churned": len(launched)})
        return FakeResponse.json(404, {"detail": "unknown test-server control"})

    def _roll_fault(self) -> str | None:
        faults = self.faults
        if not faults.error_rate and not faults.drop_rate:
            return None
        with self._lock:
            roll = self._rng.random()
            half = self._rng.random() < 0.5
        if roll < faults.error_rate:
            return "error"
        if roll < faults.error_rate + faults.drop_rate:
            return "drop-before" if half else "drop-after"
        return None

    def _take_scripted(self, request: FakeRequest) -> FakeResponse | None:
        with self._lock:
            for index, (method, pattern, response) in enumerate(self.scripted):
                if method == request.method and pattern.search(request.path):
                    del self.scripted[index]
                    return response(request) if callable(response) else response
        return None

    def _route(self, request: FakeRequest) -> FakeResponse:
        path = request.path if request.path.endswith("/") else request.path + "/"
        allowed_methods: list[str] = []
        for route in self.routes:
            match = route.pattern.fullmatch(path)
            if not match or self.flavour not in route.flavours:
                continue
            if route.method != request.method:
                allowed_methods.append(route.method)
                continue
            key, user = self._authenticate(request)
            team = self._team_for(match, key, user)
            if route.scope and not key.allows(route.scope):
                return error(
                    403,
                    f"API key missing required scope '{route.scope}'",
                    type_="authentication_error",
                    code="permission_denied",
                )
            throttled = self._throttle(key, path)
            if throttled is not None:
                return throttled
            return route.handler(Ctx(self, request, match, key, user, team))
        if allowed_methods:
            if request.method == "DELETE" and "/experiments/" in path:
                self._authenticate(request)
                return FakeResponse.empty(405, {"Allow": ", ".join(sorted(set(allowed_methods)))})
            return error(
                405,
                f'Method "{request.method}" not allowed.',
                type_="invalid_request",
                code="method_not_allowed",
            )
        return not_found("Endpoint not found.")

    def _authenticate(self, request: FakeRequest) -> tuple[ApiKey, User]:
        header = request.headers.get("authorization", "")
        if not header:
            raise HttpError(
                error(
                    401,
                    "Authentication credentials were not provided.",
                    type_="authentication_error",
                    code="not_authenticated",
                )
            )
        value = header[7:].strip() if header.lower().startswith("bearer ") else ""
        key = self.store.keys.get(value)
        if key is None:
            raise HttpError(
                error(
                    401,
                    "Personal API key found in request Authorization header is invalid.",
                    type_="authentication_error",
                    code="authentication_failed",
                )
            )
        return key, self.store.users[key.user_id]

    def _team_for(self, match: re.Match[str], key: ApiKey, user: User) -> Team:
        groups = match.groupdict()
        raw = groups.get("project")
        if raw is None:
            return self.store.teams[user.current_team_id]
        if raw == "@current":
            team_id = user.current_team_id
        elif raw.isdigit():
            team_id = int(raw)
        else:
            raise HttpError(not_found("Project not found."))
        team = self.store.teams.get(team_id)
        if team is None:
            raise HttpError(not_found("Project not found."))
        if team.organization_id not in user.organization_ids:
            # posthog/permissions.py TeamMemberAccessPermission; the answer is the one
            # posthog/api/test/test_annotation.py expects for another organisation's project.
            raise HttpError(
                error(
                    403, "You don't have access to the project.", type_="authentication_error", code="permission_denied"
                )
            )
        if key.team_ids is not None and team_id not in key.team_ids:
            raise HttpError(
                error(
                    403,
                    f"API key does not have access to the requested project: ID {team_id}.",
                    type_="authentication_error",
                    code="permission_denied",
                )
            )
        return team

    def _throttle(self, key: ApiKey, path: str) -> FakeResponse | None:
        if not self.throttle.enabled:
            return None
        bucket = "query" if path.rstrip("/").endswith("/query") else "api"
        windows = self.throttle.query_windows if bucket == "query" else self.throttle.windows
        now = self.clock()
        with self._lock:
            history = self._throttle_log.setdefault((key.value, bucket), deque())
            longest = max(seconds for _, seconds in windows)
            while history and now - history[0] > longest:
                history.popleft()
            for limit, seconds in windows:
                inside = [t for t in history if now - t < seconds]
                if len(inside) >= limit:
                    wait = max(1, int(seconds - (now - inside[0])) + 1)
                    unit = "second" if wait == 1 else "seconds"
                    headers = {"Retry-After": str(wait)} if self.throttle.send_retry_after else {}
                    return FakeResponse.json(
                        429,
                        {
                            "type": "throttled_error",
                            "code": "throttled",
                            "detail": f"Request was throttled. Expected available in {wait} {unit}.",
                            "attr": None,
                        },
                        headers,
                    )
            history.append(now)
        return None

    # -- query concurrency bookkeeping (used by queries.py) --------------------------

    def next_task_id(self) -> str:
        with self._lock:
            self._tasks += 1
            return f"{self._tasks:032x}"

    def enter_query(self, team_id: int) -> bool:
        with self._lock:
            running = self._running_queries.get(team_id, 0)
            if running >= self.query_concurrency_limit:
                return False
            self._running_queries[team_id] = running + 1
            self.max_concurrent_queries_seen = max(self.max_concurrent_queries_seen, running + 1)
            return True

    def leave_query(self, team_id: int) -> None:
        with self._lock:
            self._running_queries[team_id] = max(0, self._running_queries.get(team_id, 1) - 1)

    # -- routes --------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        p = r"/api/projects/(?P<project>[^/]+)"
        e = p + r"/experiments"
        one = e + r"/(?P<id>[0-9]+)"
        both = ("cloud", "legacy")
        cloud = ("cloud",)
        legacy = ("legacy",)
        table: list[tuple[str, str, Handler, str | None, tuple[str, ...]]] = [
            ("GET", r"/api/users/@me/", _me, "user:read", both),
            ("GET", p + r"/", _project, "project:read", both),
            (
                "GET",
                r"/api/(?:projects|environments)/(?P<project>[^/]+)/experiments_config/",
                _experiments_config,
                "project:read",
                cloud,
            ),
            ("GET", e + r"/", exp_routes.list_experiments, "experiment:read", both),
            ("POST", e + r"/", exp_routes.create_experiment, "experiment:write", both),
            (
                "GET",
                e + r"/requires_flag_implementation/",
                exp_routes.requires_flag_implementation,
                "experiment:read",
                both,
            ),
            ("GET", e + r"/eligible_feature_flags/", exp_routes.eligible_feature_flags, "feature_flag:read", cloud),
            ("GET", e + r"/stats/", exp_routes.stats, "experiment:read", cloud),
            ("POST", e + r"/bulk_update_tags/", tag_routes.bulk_update_tags, "experiment:write", cloud),
            (
                "POST",
                e + r"/calculate_running_time/",
                timeseries_routes.calculate_running_time,
                "experiment:read",
                cloud,
            ),
            ("GET", one + r"/timeseries_results/", timeseries_routes.timeseries_results, "experiment:read", cloud),
            ("GET", one + r"/activity/", activity_routes.list_activity, "activity_log:read", cloud),
            ("POST", one + r"/migrate/?", migration_routes.migrate, "experiment:write", cloud),
            # presentation/views.py: the recalculation actions' required_scopes; latest before by-id
            ("POST", one + r"/metrics_recalculation/", recalculation_routes.recalculate, "experiment:write", cloud),
            ("GET", one + r"/metrics_recalculation/latest/", recalculation_routes.latest, "experiment:read", cloud),
            (
                "GET",
                one + r"/metrics_recalculation/(?P<run>[0-9a-fA-F-]{36})/",
                recalculation_routes.one_run,
                "experiment:read",
                cloud,
            ),
            ("GET", one + r"/", exp_routes.retrieve_experiment, "experiment:read", both),
            ("PATCH", one + r"/", exp_routes.patch_experiment, "experiment:write", both),
            ("PUT", one + r"/", exp_routes.put_experiment, "experiment:write", both),
            ("DELETE", one + r"/", exp_routes.hard_delete_experiment, "experiment:write", legacy),
            (
                "POST",
                one + r"/create_exposure_cohort_for_experiment/",
                exp_routes.exposure_cohort,
                "experiment:write",
                both,
            ),
            ("POST", one + r"/duplicate/", exp_routes.duplicate, "experiment:write", cloud),
            ("POST", one + r"/copy_to_project/", exp_routes.copy_to_project, "experiment:write", cloud),
            ("GET", one + r"/results/", query_routes.legacy_results, "experiment:read", legacy),
            ("GET", one + r"/secondary_results/", query_routes.legacy_secondary_results, "experiment:read", legacy),
            (
                "POST",
                r"/api/(?:projects|environments)/(?P<project>[^/]+)/query/",
                query_routes.run_query,
                "query:read",
                both,
            ),
            ("GET", p + r"/feature_flags/", flag_routes.list_flags, "feature_flag:read", both),
            ("GET", p + r"/feature_flags/(?P<flag_id>[0-9]+)/", flag_routes.get_flag, "feature_flag:read", both),
            ("PATCH", p + r"/feature_flags/(?P<flag_id>[0-9]+)/", flag_routes.patch_flag, "feature_flag:write", both),
            ("GET", p + r"/cohorts/(?P<cohort_id>[0-9]+)/", exp_routes.get_cohort, "cohort:read", both),
            ("GET", p + r"/actions/", exp_routes.list_actions, "action:read", both),
            ("GET", p + r"/cohorts/", exp_routes.list_cohorts, "cohort:read", both),
        ]
        table += resource_routes.routes(p, cloud, legacy)
        for action in exp_routes.ACTIONS:
            table.append(("POST", one + rf"/{action}/", exp_routes.action_handler(action), "experiment:write", cloud))
        # Last: the late-2024 router's detail route takes any word as a primary key.
        table.append(("GET", e + r"/(?P<pk>[^/.]+)/", exp_routes.detail_route_not_found, "experiment:read", legacy))
        return [Route(m, re.compile(rx), h, s, f) for m, rx, h, s, f in table]


def _bearer(request: FakeRequest) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:] if header.lower().startswith("bearer ") else None


def _me(ctx: Ctx) -> FakeResponse:
    user = ctx.user
    body = user.basic()
    body["team"] = {"id": ctx.team.id, "name": ctx.team.name, "project_id": ctx.team.id}
    body["organization"] = {"id": ctx.team.organization_id, "name": "Hedgebox"}
    return FakeResponse.json(200, body)


def _experiments_config(ctx: Ctx) -> FakeResponse:
    """``TeamViewSet.experiments_config`` / ``ProjectViewSet.experiments_config`` (GET and
    PATCH, ``posthog/api/team.py`` and ``posthog/api/project.py``): the environment's
    experiment settings, read by the web app's ``experimentsConfigLogic`` for
    ``default_minimum_detectable_effect``. The team viewsets' scope object is ``project``.
    Guess (not read): the other keys' defaults here; only the MDE is used.

    ``FakePostHog.experiments_config_refuses_scoped_keys``: the refusal an audit read for
    scoped personal keys ("This action does not support Personal API Key access",
    ``PersonalApiKeySelfAccessPermission``'s message, 403). Which permission class guards
    this action was not found in the stored source: off by default, a guess when on."""
    if ctx.server.experiments_config_refuses_scoped_keys and ctx.key.scopes is not None:
        return FakeResponse.json(
            403,
            {"type": "authentication_error", "code": "permission_denied",
             "detail": "This action does not support Personal API Key access", "attr": None},
        )  # fmt: skip
    return FakeResponse.json(
        200,
        {
            "experiment_recalculation_time": None,
            "default_experiment_confidence_level": None,
            "default_experiment_stats_method": "bayesian",
            "default_only_count_matured_users": False,
            "default_cuped_enabled": False,
            "default_cuped_lookback_days": None,
            "default_sequential_testing_enabled": False,
            "default_sequential_tuning_parameter": None,
            "default_minimum_detectable_effect": ctx.team.default_minimum_detectable_effect,
            **ctx.team.experiments_defaults,
        },
    )


def _project(ctx: Ctx) -> FakeResponse:
    team = ctx.team
    return FakeResponse.json(
        200, {"id": team.id, "name": team.name, "organization": team.organization_id, "timezone": "UTC"}
    )
