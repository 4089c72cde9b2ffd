"""auth login / status / logout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ObjectOutputOpt, examples, new_app
from expctl.cli.framework.output_modes import OBJECTS

if TYPE_CHECKING:
    from expctl.cli.framework.runtime import Runtime

auth_app = new_app(
    help="Log in, check and log out.",
    no_args_is_help=True,
    epilog=examples(
        "expctl auth login                 # paste a personal API key (hidden)",
        'echo "$KEY" | expctl auth login --with-token',
        "expctl auth status",
        "expctl auth logout",
    ),
)


@auth_app.command(
    "login",
    epilog=examples(
        "expctl auth login                                   # prompts for the key (hidden)",
        "expctl auth login --host https://eu.posthog.com --project 12345",
        'echo "$POSTHOG_KEY" | expctl auth login --with-token   # scripts and CI',
        "expctl auth login --profile staging --project 678",
    ),
)
def login_command(
    ctx: typer.Context,
    with_token: Annotated[bool, typer.Option("--with-token", help="Read the API key from standard input.")] = False,
    insecure_storage: Annotated[
        bool,
        typer.Option(
            "--insecure-storage", help="Without a usable keyring, keep the key in the config file (mode 0600)."
        ),
    ] = False,
) -> None:
    """Store a personal API key, after checking it against PostHog.

    Create a personal API key (phx_...) in PostHog under Settings > Personal API keys,
    with the experiment:read, experiment:write and query:read scopes (feature_flag:write
    for pause/resume on older servers). The key goes to the OS keyring; host and project
    go to the config file. Use --host, --project and --profile to choose where; logging
    in to another profile does not make it the active one (`expctl config use` does).
    """
    from expctl.errors import UsageError
    from expctl.settings.credentials import check_key_kind
    from expctl.settings.secret import Secret

    rt = runtime_of(ctx)
    settings = rt.settings
    if with_token:
        key = rt.streams.stdin.read().strip()
        if not key:
            raise UsageError(
                "--with-token read nothing from standard input",
                hint='pipe the key in: echo "$KEY" | expctl auth login --with-token',
            )
    else:
        from expctl.cli.framework.prompts import secret

        rt.messages.info(f"Create a personal API key at {settings.host}/settings/user-api-keys")
        key = secret(rt, "Paste your personal API key (phx_...): ", flag="--with-token").strip()
    check_key_kind(Secret(key), settings.host)
    account = rt.account_of(rt.make_client(key))
    account.check_experiments()
    who = account.email()
    project = account.project_number(settings.project)
    stored_in = _store(rt, key, project, insecure_storage)
    identity = f" as {who}" if who else ""
    rt.messages.success(f"Logged in to {settings.host}{identity} (project {project}, profile {settings.profile_name})")
    rt.messages.info(f"Key stored in {stored_in}.")


@auth_app.command("status", epilog=examples("expctl auth status", "expctl auth status -o json"))
def status_command(ctx: typer.Context, output: ObjectOutputOpt = None) -> None:
    """Show where the host, project and key come from, and check the key works.

    The key is shown masked to its last 4 characters. Exits 4 when there is no key or
    PostHog refuses it.
    """
    from expctl.errors import ExpctlError

    rt = runtime_of(ctx)
    settings = rt.settings
    info: dict[str, Any] = {
        "profile": settings.profile_name,
        "profile_source": settings.profile.describe(),
        "host": settings.host,
        "host_source": settings.values["host"].describe(),
        "project": settings.project,
        "project_source": settings.values["project"].describe(),
        "key": None,
        "key_source": None,
        "valid": False,
        "user": None,
    }
    failure: ExpctlError | None = None
    try:
        resolved = rt.api_key()
        info["key"] = resolved.secret.masked()
        info["key_source"] = resolved.describe()
        account = rt.account_of(rt.client)
        account.check_experiments()
        info["valid"] = True
        info["user"] = account.email()
    except ExpctlError as exc:
        failure = exc
        info["error"] = exc.message
    out = rt.output(output, OBJECTS)
    out.data(info, _status_text)
    if failure is not None:
        raise failure  # after the status was shown; the one reporter says it


@auth_app.command("logout", epilog=examples("expctl auth logout", "expctl auth logout --profile staging"))
def logout_command(ctx: typer.Context) -> None:
    """Remove the stored key of the profile (keyring and config file)."""
    from expctl.settings.definitions import API_KEY_ENV
    from expctl.settings.keyring_store import KeyringUnavailableError

    rt = runtime_of(ctx)
    settings = rt.settings
    profile = settings.profile_name
    removed: list[str] = []
    try:
        if rt.keyring.delete(profile):
            removed.append("the OS keyring")
    except KeyringUnavailableError as exc:
        rt.messages.note(f"keyring skipped: {exc.reason}")
    if settings.config.unset_value(profile, "api_key"):
        settings.config.save()
        removed.append(str(settings.config.path))
    if removed:
        rt.messages.success(f"Logged out of profile {profile}: removed the key from {' and '.join(removed)}")
    else:
        rt.messages.info(f"No stored key for profile {profile}; nothing to remove.")
    for name in API_KEY_ENV:
        if rt.env.get(name):
            rt.messages.warn(f"{name} is still set in your environment and will keep being used")


def _store(rt: Runtime, key: str, project: str, insecure_storage: bool) -> str:
    """The key into the OS keyring (or, with --insecure-storage and no keyring, the
    owner-only config file); host and project into the profile. Says where it went."""
    from expctl.errors import UsageError
    from expctl.settings.keyring_store import KeyringUnavailableError

    settings = rt.settings
    try:
        rt.keyring.set(settings.profile_name, key)
        stored_in = f"the OS keyring (service expctl, profile {settings.profile_name})"
        in_file = False
    except KeyringUnavailableError as exc:
        if not insecure_storage:
            raise UsageError(
                f"no usable keyring ({exc.reason}); the key was not saved",
                hint=f"pass --insecure-storage to keep it in {settings.config.path} (mode 0600), or set EXPCTL_API_KEY",
            ) from None
        rt.messages.warn(f"no usable keyring ({exc.reason}); keeping the key in the config file instead")
        stored_in = f"{settings.config.path} (mode 0600)"
        in_file = True
    config = settings.config
    config.set_value(settings.profile_name, "host", settings.host)
    config.set_value(settings.profile_name, "project", project)
    if in_file:
        config.set_value(settings.profile_name, "api_key", key)
    else:
        config.unset_value(settings.profile_name, "api_key")
    config.save()  # logging in to a profile does not make it the active one (`config use` does)
    return stored_in


def _status_text(info: dict[str, Any]) -> str:
    lines = [
        f"Profile:  {info['profile']}  ({info['profile_source']})",
        f"Host:     {info['host']}  ({info['host_source']})",
        f"Project:  {info['project']}  ({info['project_source']})",
        f"API key:  {info['key'] or 'none'}" + (f"  ({info['key_source']})" if info.get("key_source") else ""),
    ]
    if info["valid"]:
        who = f" for {info['user']}" if info.get("user") else ""
        lines.append(f"Status:   the key works{who}")
    else:
        lines.append(f"Status:   not working: {info.get('error', 'unknown')}")
    return "\n".join(lines) + "\n"
