"""What the environment tests share, in process and end to end: spec trees with
overlays, and two environments in two organisations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

BASE = {
    "checkout.yaml": """\
name: Checkout v2
feature_flag_key: checkout-v2
description: Checkout, one page
variants:
- {key: control, rollout_percentage: 50}
- {key: test, rollout_percentage: 50}
metrics:
- name: Purchases
  funnel: [$pageview, purchase]
metrics_secondary:
- name: Revenue
  mean: {event: purchase, sum: revenue}
""",
}

README = Path(__file__).resolve().parents[2] / "README.md"
README_OVERLAY_HEAD = "```yaml\n# specs/environments/prod/checkout.yaml\n"


def readme_overlay() -> str:
    """The README's overlay example, as written there: the tests apply exactly it."""
    text = README.read_text(encoding="utf-8")
    start = text.index(README_OVERLAY_HEAD) + len("```yaml\n")
    return text[start : text.index("```", start)]


PROD_OVERLAY = {
    "environments/prod/checkout.yaml": readme_overlay(),
    "environments/prod/holdout.yaml": """\
kind: Holdout
name: Prod holdout
filters:
- properties: []
  rollout_percentage: 5
""",
}


def add_environment(server: Any, name: str, project: str, key: str) -> None:
    """A profile: host and project in the config file, the key stored for it (owner-only
    file: the test machine has no keyring)."""
    for setting, value in (("host", server.url), ("project", project)):
        done = server.run("config", "set", setting, value, "--profile", name)
        assert done.returncode == 0, done
    login = server.run("auth", "login", "--env", name, "--with-token", "--insecure-storage", input=key)
    assert login.returncode == 0, login


def prod_experiment(server: Any, key: str) -> dict[str, Any]:
    (found,) = [
        e for e in server.fake.live_experiments(3) if server.fake.store.flags[e["feature_flag_id"]]["key"] == key
    ]
    return dict(found)
