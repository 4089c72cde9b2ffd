"""What the metrics resources tests share, in process and end to end."""

from __future__ import annotations

from pathlib import Path

# A holdout, two shared metrics and an experiment using both, from nothing.
FROM_NOTHING = """\
kind: Holdout
name: Q4 holdout
percentage: 5
description: Long-term effect of Q4 launches
---
kind: SharedMetric
name: Order value
metric: {mean: {event: purchase, avg: revenue}, goal: increase}
tags: [revenue]
---
kind: SharedMetric
name: Page load time
metric: {mean: {event: $pageview, avg: load_ms}, goal: decrease, outliers: {upper: 0.99}}
---
kind: Experiment
name: Search v2
feature_flag_key: search-v2
allow_unknown_events: true          # the test project has no search events yet
holdout: Q4 holdout
metrics:
  - funnel: [{event: search, where: {source: header}}, purchase]
    name: Search to purchase
    window: 14d
  - {ratio: {numerator: {event: purchase, sum: revenue}, denominator: search}, name: Revenue per search}
shared_metrics:
  - Order value
  - {name: Page load time, type: secondary}
"""


def _write(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "specs.yaml").write_text(text)
    return directory
