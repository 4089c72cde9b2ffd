"""Links into the PostHog web app."""

from __future__ import annotations

from typing import Any


def experiment_url(host: str, project: str, experiment_id: Any) -> str:
    return f"{host.rstrip('/')}/project/{project}/experiments/{experiment_id}"
