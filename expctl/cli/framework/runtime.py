"""Everything a command needs, built lazily: streams, settings, key, client, output.

Tests inject what they need (environment, streams, TTY answers, an httpx transport, a
keyring backend) through :class:`RuntimeOverrides` instead of patching globals.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from expctl.cli.framework.api_areas import ApiAreas
from expctl.cli.framework.messages import Messages
from expctl.render.style import color_enabled
from expctl.settings.environment import config_of, float_variable, int_variable, variables_for_environment

if TYPE_CHECKING:
    import httpx

    from expctl.api.client import PostHogClient
    from expctl.api.experiments import ExperimentsApi
    from expctl.cli.state.experiment_cache import ExperimentCache
    from expctl.cli.state.flag_keys import FlagKeyCache
    from expctl.cli.state.send_log import SendLog
    from expctl.render.output import Output
    from expctl.render.progress import Progress
    from expctl.settings.config_file import ConfigFile
    from expctl.settings.credentials import ResolvedKey
    from expctl.settings.keyring_store import KeyringStore
    from expctl.settings.resolve import Settings


class GlobalOptions(NamedTuple):
    host: str | None = None
    project: str | None = None
    profile: str | None = None
    debug: bool = False
    timeout: float | None = None
    max_wait: float | None = None
    rate_limit: str | None = None
    ca_bundle: str | None = None
    allow_insecure_http: bool = False
    env: str | None = None  # --env: the environment (a profile) and its spec overlays

    def as_flags(self) -> dict[str, str | None]:
        return {
            "host": self.host,
            "project": self.project,
            "profile": self.profile or self.env,
            "timeout": None if self.timeout is None else str(self.timeout),
            "max_wait": None if self.max_wait is None else str(self.max_wait),
            "rate_limit": self.rate_limit,
            "ca_bundle": self.ca_bundle,
            "allow_insecure_http": "true" if self.allow_insecure_http else None,
        }


def checked(options: GlobalOptions) -> GlobalOptions:
    """The global options, once they agree: an environment is the profile of its name, so
    --env and --profile may not differ; and it is a name, never a path
    (core.specs.overlays.check_environment_name)."""
    if options.env is not None:
        from expctl.core.specs.overlays import check_environment_name

        check_environment_name(options.env)
    if options.env is not None and options.profile is not None and options.env != options.profile:
        from expctl.errors import UsageError

        raise UsageError(
            f"--env {options.env} and --profile {options.profile} disagree: an environment is the profile of its name",
            hint="give one of them",
        )
    return options


class RuntimeOverrides(NamedTuple):
    """What tests may replace; every field left as None means "the real thing"."""

    env: Mapping[str, str] | None = None
    stdin_isatty: bool | None = None
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None
    transport: httpx.BaseTransport | None = None
    keyring_backend: Any = None
    sleep: Callable[[float], None] | None = None
    clock: Callable[[], float] | None = None  # the rate limiter's, moved by ``sleep``


class Streams(NamedTuple):
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    stdin_isatty: bool
    stdout_isatty: bool
    stderr_isatty: bool

    @classmethod
    def current(cls, overrides: RuntimeOverrides) -> Streams:
        def tty(stream: TextIO, forced: bool | None) -> bool:
            if forced is not None:
                return forced
            try:
                return stream.isatty()
            except (AttributeError, ValueError):
                return False

        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_isatty=tty(sys.stdin, overrides.stdin_isatty),
            stdout_isatty=tty(sys.stdout, overrides.stdout_isatty),
            stderr_isatty=tty(sys.stderr, overrides.stderr_isatty),
        )


class Runtime(ApiAreas):
    def __init__(self, options: GlobalOptions, overrides: RuntimeOverrides | None = None) -> None:
        self.options = options
        self.overrides = overrides if overrides is not None else RuntimeOverrides()
        self.env: Mapping[str, str] = self.overrides.env if self.overrides.env is not None else dict(os.environ)
        self._config: ConfigFile | None = None  # read early only for --env, then reused
        if options.env:
            self._config = config_of(self.env)
            self.env = variables_for_environment(self.env, options.env, self._config)
        self.streams = Streams.current(self.overrides)
        self.messages = Messages(
            self.streams.stderr,
            color=color_enabled(self.env, self.streams.stderr_isatty),
            debug=self.options.debug,
        )
        self._client: PostHogClient | None = None
        self._resolved_key: ResolvedKey | None = None
        self._progress_shown: Progress | None = None
        self._budgets: list[tuple[SendLog, PostHogClient]] = []
        self._others: list[Runtime] = []  # other environments this run reads or writes

    # -- environment -------------------------------------------------------------------

    @property
    def interactive(self) -> bool:
        """May we prompt? Only with a person at a terminal, and never in CI."""
        if self.env.get("CI", "").lower() in ("1", "true", "yes") and self.overrides.stdin_isatty is None:
            return False
        return self.streams.stdin_isatty and self.streams.stderr_isatty

    @property
    def progress_allowed(self) -> bool:
        return self.streams.stderr_isatty and self.env.get("CI", "").lower() not in ("1", "true", "yes")

    @property
    def stdout_color(self) -> bool:
        return color_enabled(self.env, self.streams.stdout_isatty)

    @property
    def width(self) -> int | None:
        columns = self.env.get("COLUMNS", "")
        if columns.isdigit():
            return int(columns)
        if self.streams.stdout_isatty:
            import shutil

            return shutil.get_terminal_size((100, 24)).columns
        return None

    @property
    def wrap_width(self) -> int | None:
        """Where text for people wraps: the terminal's width; None when stdout is not a
        terminal (a script reading the lines gets each one whole)."""
        return self.width if self.streams.stdout_isatty else None

    # -- settings and credentials ------------------------------------------------------

    @cached_property
    def settings(self) -> Settings:
        from expctl.settings.resolve import resolve_settings

        return resolve_settings(self.options.as_flags(), self.env, self._config or config_of(self.env))

    @cached_property
    def keyring(self) -> KeyringStore:
        from expctl.settings.keyring_store import DEFAULT_TIMEOUT, KeyringStore

        raw = self.env.get("EXPCTL_KEYRING_TIMEOUT", "")
        try:
            timeout = float(raw) if raw else DEFAULT_TIMEOUT
        except ValueError:
            timeout = DEFAULT_TIMEOUT
        return KeyringStore(timeout=timeout, backend=self.overrides.keyring_backend)

    def api_key(self) -> ResolvedKey:
        if self._resolved_key is None:
            from expctl.settings.credentials import require_api_key

            if not (self.options.env and self.options.profile is None and self.settings.given_outside_profiles()):
                # --env without a profile of its name is fine when the job gives host and
                # project: the name then only picks the specs' overlays.
                self.settings.require_known_profile()
            self._resolved_key = require_api_key(self.settings, self.keyring, self.messages.warn)
            self.messages.add_secret(self._resolved_key.secret.reveal())
        return self._resolved_key

    def for_environment(self, name: str) -> Runtime:
        """The same run against another environment (the profile ``name``: its host,
        project and key), for commands that read one environment and write another.
        Flags and variables that chose this run's host, project or key do not carry over."""
        from expctl.errors import UsageError

        options = self.options._replace(profile=name, env=name, host=None, project=None)
        other = Runtime(options, self.overrides._replace(env=self.env))
        if name not in other.settings.config.profiles():
            known = ", ".join(sorted(other.settings.config.profiles())) or "none yet"
            raise UsageError(
                f"no environment {name!r} in {other.settings.config.path} (profiles: {known})",
                hint=f"create it: `expctl config set host URL --profile {name}`, "
                f"`expctl config set project ID --profile {name}`, `expctl auth login --profile {name}`",
            )
        self._others.append(other)
        return other

    # -- API -----------------------------------------------------------------------------

    @property
    def client(self) -> PostHogClient:
        if self._client is None:
            from expctl import gcpolicy

            self._client = self.make_client(self.api_key().secret.reveal())
            gcpolicy.startup_over()  # the heavy imports are done; requests come next
        return self._client

    def make_client(
        self, key: str, *, host: str | None = None, project: str | None = None, retries: int | None = None
    ) -> PostHogClient:
        from expctl.api.client import ClientConfig, ClientHooks, PostHogClient
        from expctl.api.ratelimit import parse_budget
        from expctl.settings.hosts import is_posthog_cloud
        from expctl.settings.secret import Secret

        settings = self.settings
        self.messages.add_secret(key)
        target = host or settings.host
        config = ClientConfig(
            host=target,
            project=project or settings.project,
            api_key=Secret(key),
            timeout=settings.timeout,
            max_wait=settings.max_wait,
            retries=int_variable(self.env, "EXPCTL_RETRIES", 5) if retries is None else retries,
            backoff=float_variable(self.env, "EXPCTL_RETRY_BACKOFF", 0.5),
            ca_bundle=settings.ca_bundle,
            budget=parse_budget(settings.rate_limit, is_cloud=is_posthog_cloud(target)),
        )
        hooks = ClientHooks(
            debug=self.messages.debug if self.options.debug else None,
            notice=self.messages.note,
            waiting=self._show_wait,
        )
        sleep = self.overrides.sleep
        kwargs: dict[str, Any] = {"transport": self.overrides.transport, "hooks": hooks}
        if sleep is not None:
            kwargs["sleep"] = sleep
        if self.overrides.clock is not None:
            kwargs["clock"] = self.overrides.clock
        client = PostHogClient(config, **kwargs)
        self._carry_budget(client, target, key)
        return client

    def _carry_budget(self, client: PostHogClient, host: str, key: str) -> None:
        """Start from the requests earlier runs spent of this key's budget; leave this
        run's for the next when the runtime closes (``cli/state/send_log.py``)."""
        from expctl.cli.state.send_log import SendLog

        log = SendLog.for_key(self.env, host, key, self.overrides.clock or time.monotonic)
        log.restore(client.limiter)
        self._budgets.append((log, client))

    @cached_property
    def experiment_cache(self) -> ExperimentCache:
        """Full experiments from earlier runs of this host and project (``cli/state/experiment_cache.py``)."""
        from expctl.cli.state.experiment_cache import ExperimentCache, seal_key
        from expctl.cli.state.unsafe_cache import warn_once_about

        warn_once_about(self.env, self.messages)
        seal = seal_key(self.api_key().secret.reveal())
        return ExperimentCache.for_target(self.env, self.settings.host, self.settings.project, seal=seal)

    @cached_property
    def experiments(self) -> ExperimentsApi:
        from expctl.api.experiments import ExperimentsApi

        return ExperimentsApi(
            self.client, key_hint=self.key_cache.lookup, on_gone=self.key_cache.forget, on_choice=self.messages.note
        )

    @cached_property
    def key_cache(self) -> FlagKeyCache:
        """The flag-key cache of this host and project (none when settings are broken)."""
        from expctl.cli.state.flag_keys import FlagKeyCache

        try:
            settings = self.settings
        except Exception:
            return FlagKeyCache(None)
        return FlagKeyCache.for_target(self.env, settings.host, settings.project)

    # -- output --------------------------------------------------------------------------

    def output(self, flag: str | None, allowed: tuple[str, ...] | None = None) -> Output:
        """The output sink in the mode ``-o`` (``flag``) asks for, among the command's
        ``allowed`` modes (``cli/framework/output_modes.py``); without -o, the configured
        mode where the command has it, else its default."""
        from expctl.cli.framework.output_modes import EVERY, default_mode
        from expctl.render.output import Output, resolve_mode

        modes = allowed or EVERY
        configured = self.env.get("EXPCTL_OUTPUT") or None
        if configured is None and flag is None:
            try:
                configured = self.settings.output
            except Exception:  # a broken config must not stop `-o json` from working
                configured = None
        mode = resolve_mode(flag, configured, default_mode(modes, self.streams.stdout_isatty), modes)
        return Output(
            mode,
            self.streams.stdout,
            color=self.stdout_color and mode == "table",
            width=self.width,
            pretty=self.streams.stdout_isatty,
        )

    def show_changed(self, experiment: Mapping[str, Any], output: str | None) -> None:
        """The experiment a command created or changed, on stdout only when -o asks for it:
        the one-line report of what happened has already gone to stderr."""
        if output:
            from expctl.render.columns import choose_columns

            self.output(output).item(experiment, choose_columns(None))

    def progress(self, description: str, *, total: int | None = None, output: str | None = None) -> Any:
        """A spinner/bar on stderr; inert unless a person is watching (see render.progress)."""
        from expctl.render.progress import Progress

        for_a_program = output in ("json", "jsonl", "yaml")
        shown = Progress(
            self.progress_allowed and not for_a_program,
            self.streams.stderr,
            description,
            total,
            shares_screen=self.streams.stdout_isatty,
        )
        self._progress_shown = shown if shown.enabled else None
        return shown

    def _show_wait(self, seconds: float, reason: str) -> None:
        """The client's waits, counted down on the progress line a person is watching."""
        shown = self._progress_shown
        if shown is not None:
            shown.wait(seconds, reason)

    def web_url(self, experiment_id: Any) -> str:
        from expctl.core.urls import experiment_url

        return experiment_url(self.settings.host, self.client.project, experiment_id)

    def close(self) -> None:
        for other in self._others:
            other.close()
        for log, client in self._budgets:
            log.save(client.limiter)
        self._budgets.clear()
        if self._client is not None:
            self._client.close()
            self._client = None
