"""The YAML config file: profiles of host, project and other settings.

Layout::

    current_profile: default
    profiles:
      default:
        host: https://us.posthog.com
        project: "12345"
        # api_key: only with `auth login --insecure-storage`; the file must then be 0600

The file is always written owner-only and atomically.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Any

from expctl.errors import UsageError
from expctl.settings.atomic import write_atomic

DEFAULT_PROFILE = "default"
_HEADER = "# expctl configuration: written by `expctl auth login` and `expctl config set`.\n"


class ConfigFile:
    def __init__(
        self, path: Path, data: dict[str, Any] | None = None, exists: bool = False, mode: int | None = None
    ) -> None:
        self.path = path
        self.data: dict[str, Any] = data if data is not None else {}
        self.exists = exists
        self.mode = mode

    @classmethod
    def load(cls, path: Path) -> ConfigFile:
        """Read the file if it exists; a broken file is a usage error with its position."""
        try:
            st = path.stat()
        except FileNotFoundError:
            return cls(path=path)
        except OSError as exc:
            raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read config file {path}: {exc}") from None
        data = _parse(text, path)
        return cls(path=path, data=data, exists=True, mode=stat.S_IMODE(st.st_mode))

    @property
    def current_profile(self) -> str | None:
        value = self.data.get("current_profile")
        return str(value) if value else None

    def profiles(self) -> dict[str, dict[str, Any]]:
        raw = self.data.get("profiles")
        return raw if isinstance(raw, dict) else {}

    def profile(self, name: str) -> dict[str, Any]:
        found = self.profiles().get(name)
        return found if isinstance(found, dict) else {}

    def is_owner_only(self) -> bool:
        return self.mode is not None and self.mode & 0o077 == 0

    def set_value(self, profile: str, key: str, value: Any) -> None:
        profiles = self.data.setdefault("profiles", {})
        if not isinstance(profiles, dict):
            profiles = self.data["profiles"] = {}
        entry = profiles.setdefault(profile, {})
        if not isinstance(entry, dict):
            entry = profiles[profile] = {}
        entry[key] = value

    def unset_value(self, profile: str, key: str) -> bool:
        entry = self.profile(profile)
        if key in entry:
            del entry[key]
            return True
        return False

    def set_current_profile(self, name: str) -> None:
        self.data["current_profile"] = name

    def remove_profile(self, name: str) -> bool:
        profiles = self.profiles()
        if name not in profiles:
            return False
        del profiles[name]
        if self.current_profile == name:
            self.data.pop("current_profile", None)
        return True

    def save(self) -> None:
        """Write owner-only (0600) through a temporary file and rename."""
        import yaml

        body = yaml.safe_dump(self.data, sort_keys=False, default_flow_style=False)
        write_atomic(self.path, _HEADER + body, mode=0o600)
        self.exists = True
        self.mode = 0o600
        # Tighten the directory too: it may hold the keyring-less key file.
        with contextlib.suppress(OSError):
            os.chmod(self.path.parent, 0o700)


def _parse(text: str, path: Path) -> dict[str, Any]:
    if not text.strip():
        return {}
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise UsageError(f"{where}: {problem}", hint="fix or remove the config file") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the config file must be a mapping of settings")
    return data
