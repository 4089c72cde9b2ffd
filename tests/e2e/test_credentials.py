"""Where the key, host and project come from, through the installed `expctl`."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import yaml

from tests.conftest import Server
from tests.fakeposthog import FULL_KEY, READ_ONLY_KEY

FILE_KEYRING = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring"}


def keyring_env(home: Path) -> dict[str, str]:
    return {**FILE_KEYRING, "EXPCTL_TEST_KEYRING_FILE": str(home / "keyring.json")}


def config_path(server: Server) -> Path:
    return Path(server.env["XDG_CONFIG_HOME"]) / "expctl" / "config.yaml"


def write_config(server: Server, data: dict, mode: int = 0o600) -> Path:
    path = config_path(server)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    os.chmod(path, mode)
    return path


def settings(server: Server, *args: str, env: dict[str, str] | None = None) -> dict[str, dict]:
    result = server.run(*args, "config", "-o", "json", env=env)
    assert result.returncode == 0, result
    return {row["setting"]: row for row in json.loads(result.stdout)}


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


def test_key_precedence_env_then_keyring_then_file(cloud: Server, home: Path) -> None:
    env = {**keyring_env(home), "EXPCTL_API_KEY": ""}
    write_config(cloud, {"profiles": {"default": {"api_key": READ_ONLY_KEY}}})
    rows = settings(cloud, env=env)
    assert rows["api_key"]["source"].startswith("config file")
    (home / "keyring.json").write_text(json.dumps({"expctl/default": FULL_KEY}))
    rows = settings(cloud, env=env)
    assert rows["api_key"]["source"].startswith("keyring")
    assert rows["api_key"]["value"].endswith(FULL_KEY[-4:])
    rows = settings(cloud, env={**env, "POSTHOG_PERSONAL_API_KEY": READ_ONLY_KEY})
    assert rows["api_key"]["source"] == "environment (POSTHOG_PERSONAL_API_KEY)"


def test_login_with_token_then_status_reports_keyring_then_logout(cloud: Server, home: Path) -> None:
    env = {**keyring_env(home), "EXPCTL_API_KEY": ""}
    login = cloud.run("auth", "login", "--with-token", env=env, input=FULL_KEY + "\n")
    assert login.returncode == 0, login
    assert "Logged in to" in login.stderr and "hedgehog@example.com" in login.stderr
    config_text = config_path(cloud).read_text()
    assert FULL_KEY not in config_text, "with a keyring, the key never goes to the config file"
    assert json.loads((home / "keyring.json").read_text()) == {"expctl/default": FULL_KEY}
    assert stat.S_IMODE(config_path(cloud).stat().st_mode) == 0o600

    status = cloud.run("auth", "status", "-o", "json", env=env)
    assert status.returncode == 0, status
    info = json.loads(status.stdout)
    assert info["key_source"].startswith("keyring")
    assert info["key"] == "phx_****" + FULL_KEY[-4:]
    assert info["valid"] is True
    human = cloud.run("auth", "status", env=env)
    assert "the key works for hedgehog@example.com" in human.stdout

    logout = cloud.run("auth", "logout", env=env)
    assert logout.returncode == 0, logout
    assert json.loads((home / "keyring.json").read_text()) == {}
    after = cloud.run("auth", "status", env=env)
    assert after.returncode == 4
    assert "no PostHog API key found" in after.stderr


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


def test_locked_keyring_is_reported_in_one_line_and_skipped(cloud: Server) -> None:
    write_config(cloud, {"profiles": {"default": {"api_key": FULL_KEY}}})
    env = {"EXPCTL_API_KEY": "", "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.LockedKeyring"}
    result = cloud.run("list", "-o", "ids", env=env)
    assert result.returncode == 0, result
    assert result.stderr == ""  # the key is in the file: the keyring was not needed
    write_config(cloud, {"profiles": {"default": {"host": cloud.url}}})
    without = cloud.run("list", "-o", "ids", env=env)
    assert without.returncode == 4, without
    assert without.stderr.startswith("warning: keyring skipped: the keyring is locked\n"), without.stderr


@pytest.mark.timed_thread_wait
def test_slow_keyring_is_time_boxed(cloud: Server) -> None:
    env = {
        "EXPCTL_API_KEY": "",
        "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.SlowKeyring",
        "EXPCTL_KEYRING_TIMEOUT": "0.5",
    }
    result = cloud.run("list", env=env, timeout=15)
    assert result.returncode == 4, result
    assert "keyring skipped: the keyring did not answer within 0.5 s" in result.stderr
    assert "Traceback" not in result.stderr


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
