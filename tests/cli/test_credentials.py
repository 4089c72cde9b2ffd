"""Where the key, host and project come from.

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_credentials.py.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from tests.conftest import Server
from tests.fakeposthog import FULL_KEY
from tests.support.area_credentials import config_path, keyring_env, settings, write_config


def test_precedence_flag_over_env_over_config_over_default(cloud: Server) -> None:
    env = {"EXPCTL_HOST": "", "EXPCTL_PROJECT": ""}
    assert settings(cloud, env=env)["project"]["value"] == "@current"
    assert settings(cloud, env=env)["project"]["source"] == "default"
    write_config(cloud, {"profiles": {"default": {"project": "3", "host": "https://eu.posthog.com"}}})
    rows = settings(cloud, env=env)
    assert rows["project"]["value"] == "3" and rows["project"]["source"].startswith("config file")
    assert rows["host"]["value"] == "https://eu.posthog.com"
    rows = settings(cloud, env={**env, "POSTHOG_PROJECT_ID": "4"})
    assert rows["project"]["value"] == "4" and rows["project"]["source"] == "environment (POSTHOG_PROJECT_ID)"
    rows = settings(cloud, env={**env, "POSTHOG_PROJECT_ID": "4", "EXPCTL_PROJECT": "5"})
    assert rows["project"]["value"] == "5" and rows["project"]["source"] == "environment (EXPCTL_PROJECT)"
    rows = settings(cloud, "--project", "6", env={**env, "EXPCTL_PROJECT": "5"})
    assert rows["project"]["value"] == "6" and rows["project"]["source"] == "flag (--project)"


def test_profiles_select_settings(cloud: Server) -> None:
    write_config(
        cloud,
        {
            "current_profile": "a",
            "profiles": {"a": {"project": "1"}, "b": {"project": "2"}},
        },
    )
    env = {"EXPCTL_PROJECT": ""}
    assert settings(cloud, env=env)["project"]["value"] == "1"
    assert settings(cloud, env={**env, "EXPCTL_PROFILE": "b"})["project"]["value"] == "2"
    assert settings(cloud, "--profile", "a", env={**env, "EXPCTL_PROFILE": "b"})["project"]["value"] == "1"
    switched = cloud.run("config", "use", "b", env=env)
    assert switched.returncode == 0, switched
    assert settings(cloud, env=env)["project"]["value"] == "2"


def test_login_checks_the_key_before_saving(cloud: Server, home: Path) -> None:
    env = {**keyring_env(home), "EXPCTL_API_KEY": ""}
    bad = cloud.run("auth", "login", "--with-token", env=env, input="phx_wrongwrongwrongwrongwrongwrong\n")
    assert bad.returncode == 4, bad
    assert not (home / "keyring.json").exists()
    assert not config_path(cloud).exists()


def test_login_without_keyring_needs_insecure_storage(cloud: Server) -> None:
    env = {"EXPCTL_API_KEY": ""}
    refused = cloud.run("auth", "login", "--with-token", env=env, input=FULL_KEY)
    assert refused.returncode == 2, refused
    assert "--insecure-storage" in refused.stderr
    assert not config_path(cloud).exists()
    stored = cloud.run("auth", "login", "--with-token", "--insecure-storage", env=env, input=FULL_KEY)
    assert stored.returncode == 0, stored
    path = config_path(cloud)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text())["profiles"]["default"]["api_key"] == FULL_KEY
    assert "no usable keyring" in stored.stderr  # said once, at login
    works = cloud.run("list", "-o", "ids", env=env)
    assert works.returncode == 0, works
    assert works.stderr == ""  # not again on every command
    doctor = cloud.run("doctor", env=env)
    assert "not needed: the key is kept in the config file" in doctor.stdout


def test_world_readable_config_with_key_is_refused_with_chmod(cloud: Server) -> None:
    path = write_config(cloud, {"profiles": {"default": {"api_key": FULL_KEY}}}, mode=0o644)
    result = cloud.run("list", env={"EXPCTL_API_KEY": ""})
    assert result.returncode == 4, result
    assert f"run: chmod 600 {path}" in result.stderr
    assert FULL_KEY not in result.output


def test_prompt_needs_a_terminal(cloud: Server, home: Path) -> None:
    result = cloud.run("auth", "login", env={**keyring_env(home), "EXPCTL_API_KEY": ""})
    assert result.returncode == 2, result
    assert "--with-token" in result.stderr


@pytest.mark.parametrize("host", ["https://user:pw@eu.posthog.com", "https://eu.posthog.com/api", "eu.posthog.com"])
def test_bad_hosts_are_rejected_clearly(cloud: Server, host: str) -> None:
    result = cloud.run("list", "--host", host)
    assert result.returncode == 2, result
    assert "pw" not in result.stderr
    assert result.stderr.startswith("error: host")


def test_the_key_never_appears_in_output_even_with_debug(server: Server) -> None:
    outputs = []
    for args in (
        ["--debug", "list"],
        ["--debug", "get", "checkout-redesign", "-o", "json"],
        ["--debug", "create", "--name", "Secret test", "--flag-key", "secret-test"],
        ["--debug", "get", "404404"],
        ["config"],
        ["auth", "status", "-o", "json"],
    ):
        result = server.run(*args)
        outputs.append(result.output)
    joined = "\n".join(outputs)
    assert "Authorization: Bearer [REDACTED]" in joined or "authorization: Bearer [REDACTED]" in joined
    assert FULL_KEY not in joined
    assert FULL_KEY[4:] not in joined


def test_setting_or_logging_in_to_a_profile_does_not_make_it_the_active_one(cloud: Server, home: Path) -> None:
    """A first `config set … --profile prod` once made prod current, and every later
    command went to production. Only `config use` changes the active profile."""
    env = {**keyring_env(home), "EXPCTL_API_KEY": "", "EXPCTL_HOST": "", "EXPCTL_PROJECT": ""}
    assert cloud.run("config", "set", "host", cloud.url, "--profile", "prod", env=env).returncode == 0
    assert cloud.run("config", "set", "project", "2", "--profile", "prod", env=env).returncode == 0
    login = cloud.run(
        "auth", "login", "--with-token", "--insecure-storage", "--profile", "prod", env=env, input=FULL_KEY + "\n"
    )
    assert login.returncode == 0, login
    assert cloud.run("config", "get", "profile", env=env).stdout == "default\n"
    assert "current_profile" not in yaml.safe_load(config_path(cloud).read_text())
    assert settings(cloud, env=env)["project"]["value"] != "2", "commands still go where they went"
    assert cloud.run("config", "use", "prod", env=env).returncode == 0
    assert cloud.run("config", "get", "profile", env=env).stdout == "prod\n"
    assert settings(cloud, env=env)["project"]["value"] == "2"
    helped = cloud.run("config", "set", "--help").stdout
    assert "does not make it the active one" in " ".join(helped.split())
