"""What the apply tests share, in process and end to end."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Server

SPECS = {
    "hero.yaml": """\
# yaml-language-server: $schema=./experiment.schema.json
apiVersion: expctl/v1
kind: Experiment
name: Hero banner
feature_flag_key: hero-banner
description: A bigger hero
type: product
variants:
  - key: control
    rollout_percentage: 50
  - key: big
    rollout_percentage: 50
metrics: []
state: running
archived: false
""",
    "more/two.yaml": """\
name: Search ranking
feature_flag_key: search-ranking
description: Learning to rank
variants:
  - {key: control, rollout_percentage: 34}
  - {key: ltr, rollout_percentage: 33}
  - {key: bm25, rollout_percentage: 33}
state: draft
---
name: Footer links
feature_flag_key: footer-links
state: paused
""",
}


def write_specs(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def by_key(server: Server) -> dict[str, dict]:
    return {server.fake.store.flags[e["feature_flag_id"]]["key"]: e for e in server.fake.live_experiments()}


def flag_of(server: Server, key: str) -> dict:
    return server.fake.store.flags[by_key(server)[key]["feature_flag_id"]]
