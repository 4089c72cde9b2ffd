"""The environment as settings read it: the config file it points at, the variables an
``--env`` profile overrides, and the numeric variables that tune the client."""

from __future__ import annotations

from collections.abc import Mapping

from expctl.settings.config_file import ConfigFile


def config_of(env: Mapping[str, str]) -> ConfigFile:
    from expctl.settings.paths import config_file

    return ConfigFile.load(config_file(env))


def variables_for_environment(env: Mapping[str, str], name: str, config: ConfigFile) -> Mapping[str, str]:
    """For --env NAME with a profile of that name: the profile decides host, project and
    key, not variables set for another environment (a shell's EXPCTL_PROJECT must not send
    `apply --env prod` to staging). Without such a profile the variables stay: a CI job
    gives host, project and key that way and --env only picks the overlays."""
    from expctl.settings.definitions import API_KEY_ENV, SETTINGS

    if name not in config.profiles():
        return env
    chosen = {*API_KEY_ENV, *SETTINGS["host"].env, *SETTINGS["project"].env, "EXPCTL_PROFILE"}
    return {key: value for key, value in env.items() if key not in chosen}


def int_variable(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    return int(raw) if raw.isdigit() else default


def float_variable(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return float(env[name]) if env.get(name) else default
    except ValueError:
        return default
