"""Deciding, end to end through the installed `expctl` (issue 37): review lists what needs
a person, decide says it in its exit code, --apply ships once. The outcomes one by one,
and review at scale, run in process (tests/cli/test_decide.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Server


def test_review_then_decide_then_ship_once(cloud: Server, tmp_path: Path) -> None:
    reviewed = cloud.run("review", "-o", "json")
    assert reviewed.returncode == 0, reviewed
    urgencies = {f["feature_flag_key"]: f["urgency"] for f in json.loads(reviewed.stdout)}
    assert urgencies["checkout-redesign"] == "ready to decide"  # the demo's checkout is mixed
    mixed = cloud.run("decide", "checkout-redesign")
    assert mixed.returncode == 21 and "review" in mixed.stdout.lower(), mixed
    policy = tmp_path / "policy.yaml"
    policy.write_text("decision:\n  primary: [Revenue per user]\n", encoding="utf-8")
    shipped = cloud.run("decide", "checkout-redesign", "--policy", str(policy), "--apply", "--yes")
    assert shipped.returncode == 0 and "Shipped test" in shipped.stderr, shipped
    again = cloud.run("decide", "checkout-redesign", "--policy", str(policy), "--apply", "--yes")
    assert again.returncode == 0 and "nothing written" in again.stderr, again
    assert len(cloud.fake.requests("POST", "/ship_variant/")) == 1
