"""Where the key, host and project come from, through the installed `expctl`.

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_credentials.py.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.conftest import Server
from tests.fakeposthog import FULL_KEY, READ_ONLY_KEY
from tests.support.area_credentials import config_path, keyring_env, settings, write_config


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
    result = cloud.run("list", env=env, timeout=120)
    assert result.returncode == 4, result
    assert "keyring skipped: the keyring did not answer within 0.5 s" in result.stderr
    assert "Traceback" not in result.stderr
