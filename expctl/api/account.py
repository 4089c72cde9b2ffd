"""Who the key belongs to and which project it reaches: what `auth` needs to check a key.

Each answer is optional: ``users/@me`` needs the key's ``user:read`` scope and
``projects/@current`` its ``project:read``, which the least-scope keys lack, so a
refusal means "unknown", never a failure.
"""

from __future__ import annotations

from expctl.api.client import PostHogClient
from expctl.errors import ExpctlError


class AccountApi:
    def __init__(self, client: PostHogClient) -> None:
        self.client = client

    def check_experiments(self) -> None:
        """Raise what PostHog says when the key may not read this project's experiments."""
        self.client.get(self.client.project_path("experiments/"), {"limit": 1})

    def email(self) -> str | None:
        """The key owner's email, when the key may read it."""
        try:
            me = self.client.get("/api/users/@me/")
        except ExpctlError:
            return None
        return str(me.get("email")) if isinstance(me, dict) and me.get("email") else None

    def project_number(self, project: str) -> str:
        """``@current`` as the project's number, when the key may read projects."""
        if project != "@current":
            return project
        try:
            data = self.client.get("/api/projects/@current/")
        except ExpctlError:
            return project
        return str(data["id"]) if isinstance(data, dict) and isinstance(data.get("id"), int) else project
