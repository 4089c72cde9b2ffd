"""auth login / status / logout against a real Secret Service (gnome-keyring on a private D-Bus).

`.ci/run` installs gnome-keyring and dbus and sets EXPCTL_REQUIRE_REAL_KEYRING=1, so in CI
a missing daemon fails this test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Server
from tests.fakeposthog import FULL_KEY
from tests.support.cli import EXPCTL

pytestmark = pytest.mark.keyring_real

SESSION = r"""
set -u
printf '%s' "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
step() { name=$1; shift; "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"; echo $? > "$OUT/$name.rc"; }
step login sh -c 'printf "%s\n" "$KEY" | "$EXPCTL" auth login --with-token'
unset KEY
step status "$EXPCTL" auth status -o json
step list "$EXPCTL" list -o ids
step logout "$EXPCTL" auth logout
step status_after "$EXPCTL" auth status
"""


def _require_tools() -> None:
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        message = f"needs {', '.join(missing)} (apt-get install gnome-keyring dbus; .ci/run does this)"
        if os.environ.get("EXPCTL_REQUIRE_REAL_KEYRING"):
            pytest.fail(message)
        pytest.skip(message)


def test_login_status_logout_with_gnome_keyring(cloud: Server, tmp_path: Path) -> None:
    _require_tools()
    out = tmp_path / "out"
    out.mkdir()
    script = tmp_path / "session.sh"
    script.write_text(SESSION)
    env = dict(cloud.env)
    env.pop("EXPCTL_API_KEY")
    env.update(
        {
            "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
            "KEYRING_PASSWORD": "expctl-test",
            "KEY": FULL_KEY,
            "EXPCTL": str(EXPCTL),
            "OUT": str(out),
        }
    )
    subprocess.run(
        ["dbus-run-session", "--", "bash", str(script)], env=env, timeout=120, check=False, capture_output=True
    )

    def step(name: str) -> tuple[int, str, str]:
        return (
            int((out / f"{name}.rc").read_text()),
            (out / f"{name}.out").read_text(),
            (out / f"{name}.err").read_text(),
        )

    rc, _, err = step("login")
    assert rc == 0, err
    assert "Key stored in the OS keyring" in err
    config = (Path(cloud.env["XDG_CONFIG_HOME"]) / "expctl" / "config.yaml").read_text()
    assert FULL_KEY not in config

    rc, stdout, err = step("status")
    assert rc == 0, err
    info = json.loads(stdout)
    assert info["key_source"].startswith("keyring")
    assert info["valid"] is True

    rc, stdout, err = step("list")
    assert rc == 0, err
    assert stdout.split()

    rc, _, err = step("logout")
    assert rc == 0, err
    assert "removed the key from the OS keyring" in err

    rc, _, err = step("status_after")
    assert rc == 4
    assert "no PostHog API key found" in err
    for name in ("login", "status", "list", "logout", "status_after"):
        assert FULL_KEY not in (out / f"{name}.out").read_text() + (out / f"{name}.err").read_text()
