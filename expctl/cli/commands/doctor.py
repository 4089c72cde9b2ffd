"""doctor: check the whole setup, one line per check, each failure with its fix.

The scope and capability probes are safe by construction: they address experiment id 0,
which never exists, so PostHog either refuses the scope (403) or answers "Not found."
(404) after the scope check has passed; nothing is ever changed.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ChecksOutputOpt, examples, new_app
from expctl.cli.framework.runtime import Runtime

if TYPE_CHECKING:
    from expctl.api.probes import Probes

doctor_app = new_app()

OK, WARN, FAIL = "ok", "warn", "fail"
MARKS = {OK: "✓", WARN: "!", FAIL: "✗"}
CLOCK_SKEW_LIMIT = 60.0


@dataclass
class Check:
    name: str
    status: str
    detail: str
    fix: str | None = None
    code: int = 1


@doctor_app.command(
    "doctor", epilog=examples("expctl doctor", "expctl doctor --host https://eu.posthog.com", "expctl doctor -o json")
)
def doctor_command(
    ctx: typer.Context,
    output: ChecksOutputOpt = None,
) -> None:
    """Check the setup and say how to fix what is wrong.

    Checks the config file, keyring, host, TLS, key, project, the key's scopes, what the
    server supports, and the clock. Every check prints one line; a failing one says how
    to fix it. Exits with the code of the first failing check (4 for the key, 5 for the
    project, 7 for the host, ...) or 0.
    """
    from expctl.errors import ExpctlError

    rt = runtime_of(ctx)
    checks: list[Check] = []
    try:
        settings = rt.settings
    except ExpctlError as exc:
        checks.append(Check("Settings", FAIL, exc.message, exc.hint, int(exc.exit_code)))
        _finish(rt, checks, output)
        return
    checks.append(_config_file(rt))
    checks.append(_keyring(rt))
    key_check, key = _api_key(rt)
    checks.append(key_check)
    checks.extend(_network(rt, key, settings.host))
    _finish(rt, checks, output)


def _finish(rt: Runtime, checks: list[Check], output: str | None) -> None:
    from expctl.cli.framework.output_modes import CHECKS
    from expctl.errors import AlreadySaidError

    out = rt.output(output, CHECKS)
    if out.mode in ("json", "yaml"):
        out.data([check.__dict__ for check in checks])
    else:
        from expctl.render.style import Styler

        style = Styler(rt.stdout_color)
        colors = {OK: "green", WARN: "yellow", FAIL: "red"}
        from expctl.render.words import hanging

        width = max(len(c.name) for c in checks)
        indent = width + 4  # under the detail: "✓ " + name + two spaces
        for check in checks:
            mark = style(MARKS[check.status], colors[check.status])
            line = mark + hanging(f"  {check.name:<{width}}  {check.detail}", rt.wrap_width, indent)[1:]
            if check.fix and check.status != OK:
                line += "\n" + hanging(f"{' ' * indent}fix: {check.fix}", rt.wrap_width, indent + 5)
            rt.output("plain").text(line + "\n")
    failed = [c for c in checks if c.status == FAIL]
    if failed:
        raise AlreadySaidError(failed[0].code)


def _config_file(rt: Runtime) -> Check:
    config = rt.settings.config
    if not config.exists:
        return Check("Config file", OK, f"{config.path} does not exist (fine with environment variables)")
    mode = f"{config.mode:o}" if config.mode is not None else "?"
    holds_key = any(isinstance(p, dict) and p.get("api_key") for p in config.profiles().values())
    if not config.is_owner_only():
        status = FAIL if holds_key else WARN
        return Check(
            "Config file", status, f"{config.path} is readable by others (mode {mode})", f"chmod 600 {config.path}", 4
        )
    return Check("Config file", OK, f"{config.path} is owner-only ({mode})")


def _keyring(rt: Runtime) -> Check:
    from expctl.settings.definitions import API_KEY_ENV
    from expctl.settings.keyring_store import KeyringUnavailableError

    try:
        backend = rt.keyring.backend_name()
    except KeyringUnavailableError as exc:
        uses_env = any(rt.env.get(n) for n in API_KEY_ENV)
        in_file = bool(rt.settings.config.profile(rt.settings.profile_name).get("api_key"))
        detail = f"not usable: {exc.reason}"
        if uses_env:
            detail += " (not needed: the key comes from the environment)"
        elif in_file:
            detail += " (not needed: the key is kept in the config file, as `auth login --insecure-storage` chose)"
        fix = (
            None
            if uses_env or in_file
            else "install and unlock a Secret Service (e.g. gnome-keyring), or use EXPCTL_API_KEY"
        )
        return Check("Keyring", WARN, detail, fix)
    return Check("Keyring", OK, backend)


def _api_key(rt: Runtime) -> tuple[Check, str | None]:
    from expctl.errors import ExpctlError
    from expctl.settings.credentials import find_api_key

    try:
        found = find_api_key(rt.settings, rt.keyring, lambda _: None)
    except ExpctlError as exc:
        return Check("API key", FAIL, exc.message, exc.hint, int(exc.exit_code)), None
    if found is None:
        return Check("API key", FAIL, "none found", "run `expctl auth login`, or set EXPCTL_API_KEY", 4), None
    rt.messages.add_secret(found.secret.reveal())
    return Check("API key", OK, f"{found.secret.masked()} from {found.describe()}"), found.secret.reveal()


def _network(rt: Runtime, key: str | None, host: str) -> list[Check]:
    from expctl.errors import ApiAuthError, ApiNotFoundError, ExpctlError

    checks: list[Check] = []
    client = rt.make_client(key or "phx_doctor_no_key", retries=0)
    probes = rt.probes_of(client)
    started = time.monotonic()
    response = None
    error: ExpctlError | None = None
    try:
        response = probes.first_page()
    except ExpctlError as exc:
        error = exc
    elapsed = (time.monotonic() - started) * 1000
    host_failed = _host_failure(error, host)
    if host_failed:
        return host_failed
    checks.append(Check("Host", OK, f"{host} answered in {elapsed:.0f} ms"))
    if host.startswith("https://"):
        checks.append(Check("TLS", OK, "certificate verified"))
    else:
        checks.append(
            Check("TLS", WARN, "plain http: fine for a local server, never for a real one", "use an https:// host")
        )
    if key is None:
        return checks
    if isinstance(error, ApiAuthError) and error.status == 401:
        checks.append(Check("Key", FAIL, error.message, error.hint, 4))
        return checks
    checks.append(Check("Key", OK, "accepted by PostHog"))
    if isinstance(error, ApiNotFoundError):
        checks.append(Check("Project", FAIL, error.message, error.hint, 5))
        return checks
    if isinstance(error, ApiAuthError) and "scope" not in error.message:
        checks.append(Check("Project", FAIL, error.message, error.hint, 4))
        return checks
    checks.append(Check("Project", OK, f"{client.project} is reachable"))
    checks.append(_scopes(probes, read_ok=error is None))
    checks.append(_resource_scopes(probes))
    checks.extend(_capabilities(rt, probes, response))
    if response is not None:
        checks.append(_clock(response.headers))
    return checks


def _host_failure(error: Any, host: str) -> list[Check]:
    """The checks when the host itself is the problem (TLS, not PostHog, no answer);
    empty when it answered like PostHog."""
    from expctl.errors import ApiUnavailableError, NotPostHogError, TlsError

    if isinstance(error, TlsError):
        return [
            Check("Host", OK, f"{host} accepts connections"),
            Check("TLS", FAIL, error.message, error.hint, int(error.exit_code)),
        ]
    if isinstance(error, NotPostHogError):
        # A web page where the API should be: nothing after this (key, project, scopes)
        # can be judged, so the host is what fails.
        return [Check("Host", FAIL, error.message, error.hint, int(error.exit_code))]
    if isinstance(error, ApiUnavailableError) and error.status is None:
        return [Check("Host", FAIL, error.message, "check --host (and your network or VPN)", 7)]
    return []


def _scopes(probes: Probes, *, read_ok: bool) -> Check:
    from expctl.api.errors import KEY_PAGE

    write = probes.experiment_write()
    query = probes.query()
    have = {"experiment:read": read_ok, "experiment:write": write == "ok", "query:read": query in ("ok", "missing")}
    missing = [scope for scope, ok in have.items() if not ok]
    if missing:
        return Check(
            "Scopes",
            FAIL,
            f"the key lacks {', '.join(missing)}",
            f"edit the key at {probes.client.host}{KEY_PAGE} and add {', '.join(missing)}",
            4,
        )
    return Check("Scopes", OK, ", ".join(have))


def _resource_scopes(probes: Probes) -> Check:
    """Only `shared-metrics`, `holdouts` and specs using them need these: a warning, not a failure."""
    from expctl.api.errors import KEY_PAGE

    missing = probes.missing_resource_scopes()
    if missing:
        return Check(
            "More scopes",
            WARN,
            f"shared metrics and holdouts need {', '.join(missing)}",
            f"add them to the key at {probes.client.host}{KEY_PAGE} to use `shared-metrics`, `holdouts` "
            "and specs with them",
        )
    return Check("More scopes", OK, "shared metrics and holdouts: read and write")


# Experiment fields that came after the late-2024 release; a server without one drops it
# from every write without a word, and expctl says so when that happens.
NEWER_FIELDS = (
    "stats_config",
    "exposure_criteria",
    "conclusion",
    "conclusion_comment",
    "scheduling_config",
    "running_time_calculation",
    "excluded_variants",
    "only_count_matured_users",
    "primary_metrics_ordered_uuids",
)


def _capabilities(rt: Runtime, probes: Probes, first_page: Any) -> list[Check]:
    """What this PostHog supports and what expctl emulates, so nobody is surprised later."""
    sample = _sample_experiment(probes, first_page)
    return _endpoint_checks(rt, probes) + _stored_results_check(probes, sample) + _field_checks(sample)


def _stored_results_check(probes: Probes, sample: dict[str, Any] | None) -> list[Check]:
    """Whether PostHog keeps results (metrics_recalculation), asked of one experiment."""
    kept = probes.stored_results(int(sample["id"])) if sample is not None else None
    if kept is None:
        return []
    return [
        _line(
            "Stored runs",
            kept,
            "PostHog keeps each experiment's results (metrics_recalculation): results spend no query",
            "none on this release: results are computed through the query endpoint",
        )
    ]


def _line(name: str, supported: bool, native: str, emulated: str) -> Check:
    return Check(name, OK if supported else WARN, native if supported else emulated)


def _endpoint_checks(rt: Runtime, probes: Probes) -> list[Check]:
    actions = probes.lifecycle_actions()
    query = probes.query()
    legacy = probes.legacy_results()
    stats = probes.stats()
    return [
        _line(
            "Lifecycle",
            actions != "missing",
            "action endpoints (launch, pause, end, …)",
            "no action endpoints: expctl moves experiments by PATCH and through the flag",
        ),
        _line(
            "Listing",
            rt.experiments_of(probes.client).server_filters(),
            "filtered and sorted by the server",
            "ignored by this release: expctl reads every page and filters and sorts itself",
        ),
        _line(
            "Results",
            query != "missing",
            "query endpoint (ExperimentQuery)" + (", legacy results/ too" if legacy != "missing" else ""),
            "legacy results/ endpoints only (metrics of the current engine cannot be computed here)",
        ),
        _line("Stats", stats != "missing", "stats endpoint", "no stats endpoint: expctl counts from the list"),
    ]


def _field_checks(sample: dict[str, Any] | None) -> list[Check]:
    """Soft delete and the newer fields, read off one full experiment."""
    if sample is None:
        return [Check("Fields", OK, "unknown until the project has an experiment")]
    missing = [name for name in NEWER_FIELDS if name not in sample]
    return [
        _line(
            "Delete",
            "deleted" in sample,
            "soft delete (PATCH deleted; the flag stays)",
            "hard delete only (DELETE removes the experiment for good)",
        ),
        _line(
            "Fields",
            not missing,
            "every experiment field expctl knows",
            f"this release has no {', '.join(missing)}: writes of them are dropped, and expctl says so",
        ),
    ]


def _sample_experiment(probes: Probes, first_page: Any) -> dict[str, Any] | None:
    """The newest experiment in full (list rows may be slimmed), or None when there is none."""
    from expctl.errors import ExpctlError

    try:
        rows = first_page.data.get("results") if first_page is not None else None
        if not rows:
            return None
        data = probes.experiment(int(rows[0]["id"]))
    except (ExpctlError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return data if isinstance(data, dict) else None


def _clock(headers: Any) -> Check:
    stamp = headers.get("date") if headers else None
    if not stamp:
        return Check("Clock", WARN, "PostHog sent no Date header to compare with")
    try:
        theirs = email.utils.parsedate_to_datetime(stamp)
    except (TypeError, ValueError):
        return Check("Clock", WARN, f"could not read PostHog's Date header ({stamp!r})")
    skew = (datetime.now(timezone.utc) - theirs).total_seconds()
    if abs(skew) > CLOCK_SKEW_LIMIT:
        return Check(
            "Clock",
            WARN,
            f"this machine is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} PostHog",
            "enable time sync (NTP); dates and 'how old' figures will look off until then",
        )
    return Check("Clock", OK, f"within {max(1, round(abs(skew)))} s of PostHog's")
