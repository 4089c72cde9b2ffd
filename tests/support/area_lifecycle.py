"""What the lifecycle tests share, in process and end to end."""

from __future__ import annotations

from tests.conftest import Server


def status_of(server: Server, exp_id: int) -> str:
    result = server.run("get", str(exp_id), "--columns", "status", "-o", "plain")
    assert result.returncode == 0, result
    return result.stdout.strip()
