"""What the credentials tests share, in process and end to end."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from tests.conftest import Server

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
