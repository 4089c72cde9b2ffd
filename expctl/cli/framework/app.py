"""The root command: global options, lazily loaded subcommands, error mapping."""

from __future__ import annotations

import importlib
import textwrap
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup

from expctl import __version__
from expctl.cli.framework.registry import BY_NAME, COMMANDS, SECTIONS
from expctl.cli.framework.runtime import GlobalOptions, Runtime, RuntimeOverrides, checked
from expctl.cli.framework.typer_compat import (
    click_exception_types,
    click_usage_error,
    completion_item,
    light_conversion,
    light_conversion_for_help,
    plain_argument_help,
    value_type,
)
from expctl.errors import EXIT_CODE_NAMES

GLOBAL_HELP_LINE = (
    "Global options (--host, --project, --profile, --env, --debug, --timeout, --max-wait, --rate-limit, "
    "--ca-bundle, --allow-insecure-http) work before or after any command; see `expctl --help`."
)

ROOT_HELP = """Manage PostHog experiments (A/B tests) from the terminal, scripts and CI.

Get started:

\b
    expctl auth login                 # store a personal API key in the OS keyring
    expctl list                       # experiments in your current project
    expctl get checkout-redesign      # one experiment, by id or feature flag key
"""

ROOT_EPILOG = (
    "\b\n"
    + textwrap.fill(
        "Environment: EXPCTL_API_KEY, EXPCTL_HOST, EXPCTL_PROJECT, EXPCTL_PROFILE, EXPCTL_OUTPUT, "
        "EXPCTL_CONFIG_DIR, NO_COLOR (the POSTHOG_* names PostHog's tools use work too).",
        width=90,
    )
    + "\n"
    + textwrap.fill(
        "Exit codes: " + ", ".join(f"{int(code)} {name}" for code, name in EXIT_CODE_NAMES.items()) + ".",
        width=90,
    )
)


METAVARS = {
    "host": "URL",
    "project": "ID",
    "profile": "NAME",
    "env": "NAME",
    "against": "ENV",
    "source": "ENV",
    "target": "ENV",
    "rate_limit": "BUDGET",
    "ca_bundle": "FILE",
    "output": "FORMAT",
    "columns": "LIST",
    "status": "STATUS",
    "order": "FIELD",
    "created_by": "USER_ID",
    "flag_key": "KEY",
    "set_": "FIELD=JSON",
    "type_": "TYPE",
    "holdout": "HOLDOUT",
    "conclusion": "CONCLUSION",
    "to_project": "ID",
    "event": "NAME",
    "action": "ID",
    "field": "KEY=VALUE",
    "raw_field": "KEY=VALUE",
    "input_file": "FILE",
    "files": "PATH",
    "directory": "DIR",
    "path": "PATH",
    "fail_on": "CONDITIONS",
    "watch": "SECONDS",
    "metric": "METRIC",
    "secondary_metric": "METRIC",
    "shared_metric": "NAME",
    "secondary_shared_metric": "NAME",
    "name": "NAME",
    "tag": "TAG",
    "to": "POSITION",
}
_TYPE_METAVARS = {"str": "TEXT", "int": "N", "float": "NUMBER"}


def tidy_metavars(command: Any) -> None:
    """Readable placeholders in help (`--host URL`, not typer's `--host <str>`), the same
    on every supported typer, and values converted without pydantic (typer_compat)."""
    light_conversion_for_help(command)
    for param in getattr(command, "params", []):
        light_conversion(param)
        if type(param).__name__ == "TyperArgument":
            plain_argument_help(param)
            continue
        if getattr(param, "is_flag", False) or param.metavar is not None or type(param).__name__ != "TyperOption":
            continue
        name = str(param.name)
        if name == "variant":
            param.metavar = "KEY=PERCENT" if param.multiple else "KEY"
        else:
            param.metavar = METAVARS.get(name) or _TYPE_METAVARS[value_type(param)]
    for sub in (getattr(command, "commands", None) or {}).values():
        tidy_metavars(sub)


class LazyGroup(TyperGroup):
    """Imports a command's module only when that command runs (fast --help and completion)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [entry.name for entry in COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = BY_NAME.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry.module)
        command = typer.main.get_command(getattr(module, entry.attr))
        command.name = entry.name
        tidy_metavars(command)
        command.epilog = ((command.epilog or "").rstrip() + "\n\n" + GLOBAL_HELP_LINE).lstrip()
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        width = max(len(entry.name) for entry in COMMANDS)
        for section in SECTIONS:
            rows = [(entry.name, entry.summary) for entry in COMMANDS if entry.section == section]
            if rows:
                with formatter.section(f"{section} commands"):
                    formatter.write_dl([(name.ljust(width), summary) for name, summary in rows])

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        items = [completion_item(e.name, help=e.summary) for e in COMMANDS if e.name.startswith(incomplete)]
        if not items or incomplete.startswith("-"):
            items.extend(super().shell_complete(ctx, incomplete))
        return items

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in BY_NAME and not args[0].startswith("-"):
            import difflib

            matches = difflib.get_close_matches(args[0], list(BY_NAME), n=2)
            guess = f"; did you mean {' or '.join(repr(m) for m in matches)}?" if matches else ""
            raise click_usage_error(f"no command {args[0]!r}{guess}")
        return super().resolve_command(ctx, args)

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **kwargs: Any,
    ) -> Any:
        """click's own error display ("Error: Invalid value for ...") becomes ours: one
        ``error:`` line with the next step, exit 2, like every other failure."""
        import sys

        usage_error, click_exception = click_exception_types()
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **kwargs)
        except (usage_error, click_exception) as exc:
            if not standalone_mode:
                raise
            sys.exit(_show_click_error(exc))
        except typer.Abort:
            if not standalone_mode:
                raise
            _stderr_messages().error("aborted")
            sys.exit(1)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        from expctl.cli.framework.failures import silence_stdout, write_error

        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:
            silence_stdout()
            raise typer.Exit(0) from None
        except (Exception, KeyboardInterrupt) as exc:
            runtime = ctx.obj if isinstance(ctx.obj, Runtime) else None
            if runtime is None:
                import sys

                from expctl.cli.framework.messages import Messages

                messages = Messages(sys.stderr, color=False)
            else:
                messages = runtime.messages
            code = write_error(exc, messages)
            raise typer.Exit(code) from None


def _stderr_messages() -> Any:
    import os
    import sys

    from expctl.cli.framework.messages import Messages
    from expctl.render.style import color_enabled

    return Messages(sys.stderr, color=color_enabled(os.environ, sys.stderr.isatty()))


def _show_click_error(exc: Any) -> int:
    """Print click's complaint about the command line as our one line; its exit code."""
    text = exc.format_message()
    if text[:1].isupper() and text[1:2].islower():
        text = text[0].lower() + text[1:]
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "expctl"
    hint = None if "did you mean" in text else f"see `{path} --help`"
    _stderr_messages().error(text, hint)
    return int(getattr(exc, "exit_code", 2))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"expctl {__version__}")
        raise typer.Exit(0)


app = typer.Typer(
    cls=LazyGroup,
    name="expctl",
    help=ROOT_HELP,
    epilog=ROOT_EPILOG,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _profiles(incomplete: str) -> list[str]:
    from expctl.cli.framework.value_completion import profiles

    return profiles(incomplete)


HostOpt = Annotated[
    str | None, typer.Option("--host", help="PostHog site, e.g. https://eu.posthog.com.", show_default=False)
]
ProjectOpt = Annotated[str | None, typer.Option("--project", "-p", help="Project ID, or @current.", show_default=False)]
EnvOpt = Annotated[
    str | None,
    typer.Option(
        "--env",
        help="Environment: the profile of that name, and the specs' overlays for it.",
        show_default=False,
        autocompletion=_profiles,
    ),
]


ProfileOpt = Annotated[
    str | None,
    typer.Option("--profile", help="Config profile to use.", show_default=False, autocompletion=_profiles),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show HTTP requests and responses (key redacted).")]
TimeoutOpt = Annotated[
    float | None,
    typer.Option("--timeout", metavar="SECONDS", help="Seconds to wait for each response.", show_default=False),
]
MaxWaitOpt = Annotated[
    float | None,
    typer.Option(
        "--max-wait", metavar="SECONDS", help="Longest wait a retry or 429 may impose, in seconds.", show_default=False
    ),
]
RateLimitOpt = Annotated[
    str | None, typer.Option("--rate-limit", help="Request budget: auto, off, cloud or N/period.", show_default=False)
]
CaBundleOpt = Annotated[
    str | None, typer.Option("--ca-bundle", help="PEM file of CAs to trust (private CA).", show_default=False)
]
InsecureOpt = Annotated[
    bool, typer.Option("--allow-insecure-http", help="Allow http:// to a host that is not loopback.")
]
VersionOpt = Annotated[
    bool, typer.Option("--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True)
]


@app.callback()
def root(
    ctx: typer.Context,
    host: HostOpt = None,
    project: ProjectOpt = None,
    profile: ProfileOpt = None,
    env: EnvOpt = None,
    debug: DebugOpt = False,
    timeout: TimeoutOpt = None,
    max_wait: MaxWaitOpt = None,
    rate_limit: RateLimitOpt = None,
    ca_bundle: CaBundleOpt = None,
    allow_insecure_http: InsecureOpt = False,
    version: VersionOpt = False,
) -> None:
    overrides = ctx.obj if isinstance(ctx.obj, RuntimeOverrides) else RuntimeOverrides()
    runtime = Runtime(
        checked(
            GlobalOptions(
                host=host,
                project=project,
                profile=profile,
                debug=debug,
                timeout=timeout,
                max_wait=max_wait,
                rate_limit=rate_limit,
                ca_bundle=ca_bundle,
                allow_insecure_http=allow_insecure_http,
                env=env,
            )
        ),
        overrides,
    )
    ctx.obj = runtime
    ctx.call_on_close(runtime.close)


def runtime_of(ctx: typer.Context) -> Runtime:
    found = ctx.find_object(Runtime)
    if found is None:  # pragma: no cover - the root callback always sets it
        raise RuntimeError("expctl runtime missing")
    return found
