"""config: every effective setting with its source; set, unset; profiles."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import ObjectOutputOpt, examples, new_app
from expctl.cli.framework.output_modes import OBJECTS

config_app = new_app(
    help="Show and change settings and profiles.",
    invoke_without_command=True,
    epilog=examples(
        "expctl config                          # every setting, its value and where it comes from",
        "expctl config set project 12345",
        "expctl config set host https://eu.posthog.com --profile eu",
        "expctl config use eu                   # make 'eu' the current profile",
    ),
)

KeyArg = Annotated[str, typer.Argument(help="Setting name (see `expctl config`).", metavar="KEY", show_default=False)]


@config_app.callback()
def config_root(ctx: typer.Context, output: ObjectOutputOpt = None) -> None:
    """Show and change settings and profiles.

    Without a subcommand, shows every effective setting, its value and its source
    (flag, environment, config file or default). Precedence, highest first: flags,
    environment, the active profile in the config file, defaults.
    """
    if ctx.invoked_subcommand is None:
        _show(ctx, output)


@config_app.command("show", epilog=examples("expctl config show", "expctl config show -o json"))
def show_command(ctx: typer.Context, output: ObjectOutputOpt = None) -> None:
    """Show every effective setting with its source."""
    _show(ctx, output)


def _show(ctx: typer.Context, output: str | None) -> None:
    from expctl.errors import ExpctlError
    from expctl.settings.credentials import find_api_key

    rt = runtime_of(ctx)
    settings = rt.settings
    rows: list[dict[str, Any]] = [
        {"setting": "profile", "value": settings.profile_name, "source": settings.profile.describe()}
    ]
    for name, sourced in settings.values.items():
        rows.append({"setting": name, "value": sourced.value, "source": sourced.describe()})
    try:
        found = find_api_key(settings, rt.keyring, rt.messages.warn)
    except ExpctlError as exc:
        rows.append({"setting": "api_key", "value": None, "source": exc.message})
    else:
        rows.append(
            {
                "setting": "api_key",
                "value": found.secret.masked() if found else None,
                "source": found.describe() if found else "not set (run `expctl auth login`)",
            }
        )
    rows.append(
        {
            "setting": "config_file",
            "value": str(settings.config.path),
            "source": "exists" if settings.config.exists else "not created yet",
        }
    )
    out = rt.output(output, OBJECTS)

    out.data(rows, lambda data: _settings_text(data, plain=out.mode == "plain", width=rt.wrap_width))


@config_app.command("get", epilog=examples("expctl config get host", "expctl config get project"))
def get_command(ctx: typer.Context, key: KeyArg) -> None:
    """Print the effective value of one setting."""
    from expctl.errors import UsageError
    from expctl.settings.definitions import SETTINGS

    rt = runtime_of(ctx)
    if key == "profile":
        typer.echo(rt.settings.profile_name)
        return
    if key not in SETTINGS:
        from expctl.core.specs.fields import suggest

        raise UsageError(
            f"unknown setting {key!r}{suggest(key, list(SETTINGS))}", hint=f"settings: {', '.join(SETTINGS)}"
        )
    value = rt.settings.get(key)
    typer.echo("" if value is None else value)


@config_app.command(
    "set", epilog=examples("expctl config set project 12345", "expctl config set output json --profile ci")
)
def set_command(
    ctx: typer.Context,
    key: KeyArg,
    value: Annotated[str, typer.Argument(help="The new value.", metavar="VALUE", show_default=False)],
) -> None:
    """Set a value in the active profile (or --profile) of the config file.

    Setting a value in another profile (--profile prod) does not make it the active one:
    only `expctl config use NAME` (or --profile/--env on a command) changes where
    commands go.
    """
    from expctl.errors import UsageError
    from expctl.settings.definitions import SETTINGS

    rt = runtime_of(ctx)
    if key in ("api_key", "key", "token"):
        raise UsageError(
            "the API key is not set with `config set`",
            hint="use `expctl auth login` (it checks the key and uses the keyring)",
        )
    if key not in SETTINGS:
        from expctl.core.specs.fields import suggest

        raise UsageError(
            f"unknown setting {key!r}{suggest(key, list(SETTINGS))}", hint=f"settings: {', '.join(SETTINGS)}"
        )
    checked = SETTINGS[key].check(value)
    settings = rt.settings
    settings.config.set_value(settings.profile_name, key, checked)
    settings.config.save()  # the active profile stays as it was: only `config use` changes it
    rt.messages.success(f"Set {key} = {checked} in profile {settings.profile_name} ({settings.config.path})")
    overriding = [name for name in SETTINGS[key].env if rt.env.get(name)]
    if overriding:
        rt.messages.warn(f"{overriding[0]} is set in your environment and takes precedence over the config file")


@config_app.command("unset", epilog=examples("expctl config unset project"))
def unset_command(ctx: typer.Context, key: KeyArg) -> None:
    """Remove a value from the active profile, so the default (or environment) applies."""
    rt = runtime_of(ctx)
    settings = rt.settings
    if settings.config.unset_value(settings.profile_name, key):
        settings.config.save()
        rt.messages.success(f"Unset {key} in profile {settings.profile_name}")
    else:
        rt.messages.info(f"{key} was not set in profile {settings.profile_name}")


@config_app.command("profiles", epilog=examples("expctl config profiles"))
def profiles_command(ctx: typer.Context, output: ObjectOutputOpt = None) -> None:
    """List the profiles in the config file; * marks the active one."""
    rt = runtime_of(ctx)
    settings = rt.settings
    rows = [
        {
            "profile": name,
            "active": name == settings.profile_name,
            "host": (values or {}).get("host"),
            "project": (values or {}).get("project"),
        }
        for name, values in settings.config.profiles().items()
    ]
    out = rt.output(output, OBJECTS)

    def text(data: list[dict[str, Any]]) -> str:
        if not data:
            return ""
        return "".join(
            f"{'*' if r['active'] else ' '} {r['profile']}\t{r['host'] or '-'}\tproject {r['project'] or '-'}\n"
            for r in data
        )

    out.data(rows, text)
    if not rows:
        rt.messages.note("No profiles yet; `expctl auth login` creates one.")


@config_app.command("use", epilog=examples("expctl config use staging"))
def use_command(
    ctx: typer.Context,
    profile: Annotated[str, typer.Argument(help="Profile to make current.", metavar="PROFILE", show_default=False)],
) -> None:
    """Make a profile the current one."""
    from expctl.errors import UsageError

    rt = runtime_of(ctx)
    config = rt.settings.config
    if profile not in config.profiles():
        known = ", ".join(config.profiles()) or "none"
        raise UsageError(
            f"no profile named {profile!r} (profiles: {known})",
            hint=f"create it with `expctl auth login --profile {profile}`",
        )
    config.set_current_profile(profile)
    config.save()
    rt.messages.success(f"Now using profile {profile}")


@config_app.command("path", epilog=examples("expctl config path"))
def path_command(ctx: typer.Context) -> None:
    """Print the config file's path."""
    from expctl.settings.paths import config_file

    typer.echo(str(config_file(runtime_of(ctx).env)))


def _settings_text(data: list[dict[str, Any]], *, plain: bool, width: int | None) -> str:
    """`expctl config` for people (aligned; a source that does not fit goes under its
    setting) or scripts (tab-separated)."""
    if plain:
        return "".join(f"{r['setting']}\t{'' if r['value'] is None else r['value']}\t{r['source']}\n" for r in data)
    from expctl.render.words import hanging

    name_width = max(len(r["setting"]) for r in data)
    value_width = min(48, max(len(str(r["value"] if r["value"] is not None else "-")) for r in data))
    lines = []
    for r in data:
        shown = "-" if r["value"] is None else str(r["value"])
        line = f"{r['setting']:<{name_width}}  {shown:<{value_width}}  {r['source']}"
        if width is not None and len(line) > width:
            line = f"{r['setting']:<{name_width}}  {shown}\n" + hanging(
                f"{' ' * (name_width + 4)}({r['source']})", width, name_width + 5
            )
        lines.append(line + "\n")
    return "".join(lines)
