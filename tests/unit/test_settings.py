"""Settings resolution, hosts, config file and credentials (no network)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from expctl.errors import AuthError, UsageError
from expctl.settings.config_file import ConfigFile
from expctl.settings.credentials import find_api_key, require_api_key
from expctl.settings.hosts import normalize_host
from expctl.settings.keyring_store import KeyringStore
from expctl.settings.resolve import Source, resolve_settings
from tests.support.keyrings import LockedKeyring, MemoryKeyring, SlowKeyring


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://us.posthog.com", "https://us.posthog.com"),
        ("https://EU.posthog.com/", "https://eu.posthog.com"),
        ("http://127.0.0.1:8010", "http://127.0.0.1:8010"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("https://posthog.example.com:8443", "https://posthog.example.com:8443"),
    ],
)
def test_valid_hosts(raw: str, expected: str) -> None:
    assert normalize_host(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("us.posthog.com", "not an absolute URL"),
        ("ftp://x.example", "must start with https://"),
        ("https://me:secret@x.example", "user name or password"),
        ("https://x.example/api/projects", "has a path"),
        ("https://x.example/?a=1", "query or fragment"),
        ("http://x.example", "refusing to send the API key over plain http"),
        ("https://us.i.posthog.com", "only accepts events"),
    ],
)
def test_invalid_hosts(raw: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        normalize_host(raw)
    assert message in caught.value.message
    assert "secret" not in caught.value.message


def test_insecure_http_needs_the_flag() -> None:
    assert normalize_host("http://x.example", allow_insecure_http=True) == "http://x.example"


def test_precedence(tmp_path: Path) -> None:
    config = ConfigFile(
        tmp_path / "c.yaml", {"current_profile": "p", "profiles": {"p": {"project": "7", "timeout": 9}}}
    )
    settings = resolve_settings({}, {}, config)
    assert settings.project == "7" and settings.values["project"].source is Source.CONFIG
    assert settings.timeout == 9.0
    assert settings.host == "https://us.posthog.com" and settings.values["host"].source is Source.DEFAULT
    settings = resolve_settings({}, {"POSTHOG_PROJECT_ID": "8"}, config)
    assert settings.project == "8" and settings.values["project"].detail == "POSTHOG_PROJECT_ID"
    settings = resolve_settings({"project": "9"}, {"EXPCTL_PROJECT": "8"}, config)
    assert settings.project == "9" and settings.values["project"].source is Source.FLAG
    settings = resolve_settings({"profile": "other"}, {}, config)
    assert settings.project == "@current" and settings.profile_name == "other"


def test_invalid_values_name_their_source(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_settings({}, {"EXPCTL_PROJECT": "abc"}, ConfigFile(tmp_path / "c.yaml"))
    assert "must be a number or @current" in caught.value.message and "EXPCTL_PROJECT" in caught.value.message


def test_config_file_is_written_owner_only_and_atomically(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "config.yaml"
    config = ConfigFile.load(path)
    config.set_value("default", "host", "https://eu.posthog.com")
    config.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config.yaml"], "no temporary file left behind"
    assert ConfigFile.load(path).profile("default") == {"host": "https://eu.posthog.com"}


def test_broken_config_file_points_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("profiles:\n  default:\n    host: [unclosed\n")
    with pytest.raises(UsageError) as caught:
        ConfigFile.load(path)
    assert f"{path}:" in caught.value.message


def _settings(tmp_path: Path, env: dict[str, str], profile_values: dict[str, str], mode: int = 0o600):
    path = tmp_path / "config.yaml"
    config = ConfigFile(path, {"profiles": {"default": profile_values}})
    if profile_values:
        config.save()
        os.chmod(path, mode)
        config = ConfigFile.load(path)
    return resolve_settings({}, env, config)


def test_key_from_env_beats_keyring_and_file(tmp_path: Path) -> None:
    backend = MemoryKeyring()
    backend.set_password("expctl", "default", "phx_fromkeyring0000")
    settings = _settings(tmp_path, {"EXPCTL_API_KEY": "phx_fromenv000000"}, {"api_key": "phx_fromfile00000"})
    found = find_api_key(settings, KeyringStore(backend=backend), lambda _: None)
    assert found is not None and found.source is Source.ENV and found.secret.reveal() == "phx_fromenv000000"
    settings = _settings(tmp_path, {}, {"api_key": "phx_fromfile00000"})
    found = find_api_key(settings, KeyringStore(backend=backend), lambda _: None)
    assert found is not None and found.source is Source.KEYRING
    found = find_api_key(settings, KeyringStore(backend=MemoryKeyring()), lambda _: None)
    assert found is not None and found.source is Source.CONFIG


def test_key_in_group_readable_file_is_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path, {}, {"api_key": "phx_fromfile00000"}, mode=0o640)
    with pytest.raises(AuthError) as caught:
        require_api_key(settings, None, lambda _: None)
    assert caught.value.hint == f"run: chmod 600 {tmp_path / 'config.yaml'}"


def test_unusable_keyrings_are_skipped_with_one_warning_when_the_key_is_nowhere_else(tmp_path: Path) -> None:
    in_file = _settings(tmp_path, {}, {"api_key": "phx_fromfile00000"})
    warnings: list[str] = []
    found = find_api_key(in_file, KeyringStore(backend=LockedKeyring()), warnings.append)
    assert found is not None and found.source is Source.CONFIG
    assert warnings == []  # `auth login --insecure-storage` said it once; not on every command
    nowhere = _settings(tmp_path / "other", {}, {})
    assert find_api_key(nowhere, KeyringStore(backend=LockedKeyring()), warnings.append) is None
    assert warnings == ["keyring skipped: the keyring is locked"]


@pytest.mark.timed_thread_wait
def test_a_keyring_that_never_answers_is_skipped_after_its_timeout(tmp_path: Path) -> None:
    warnings: list[str] = []
    nowhere = _settings(tmp_path, {}, {})
    assert find_api_key(nowhere, KeyringStore(backend=SlowKeyring(), timeout=0.2), warnings.append) is None
    assert warnings == ["keyring skipped: the keyring did not answer within 0.2 s (locked?)"]


def test_project_keys_are_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path, {"EXPCTL_API_KEY": "phc_projectkey0000"}, {})
    with pytest.raises(AuthError) as caught:
        require_api_key(settings, None, lambda _: None)
    assert "project API key" in caught.value.message
    assert caught.value.hint and "https://us.posthog.com/settings/user-api-keys" in caught.value.hint


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expctl.settings import atomic

    folder = tmp_path / "cfg"
    folder.mkdir()
    target = folder / "config.yaml"
    target.write_text("old: content\n")

    def explode(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", explode)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(target, "new: content\n")
    assert target.read_text() == "old: content\n"
    assert sorted(p.name for p in folder.iterdir()) == ["config.yaml"]


def test_a_localhost_name_is_loopback_only_when_it_resolves_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from expctl.settings.hosts import is_loopback

    answers = {"localhost": "127.0.0.1", "app.localhost": "127.0.0.1", "evil.localhost": "203.0.113.7"}

    def resolve(host: str, port: object) -> list[tuple[object, ...]]:
        if host not in answers:
            raise socket.gaierror("unknown")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert (
        is_loopback("127.0.0.1") and is_loopback("[::1]") and is_loopback("localhost") and is_loopback("app.localhost")
    )
    assert not is_loopback("evil.localhost"), "a localhost name that reaches another machine is not loopback"
    assert not is_loopback("nowhere.localhost") and not is_loopback("example.com")
