"""The names of the spec kinds beside Experiment, shared by the spec reader (core) and the
API side of `apply` (api), which may not import core: one definition, no copy to keep equal."""

from __future__ import annotations

SHARED_METRIC = "SharedMetric"
HOLDOUT = "Holdout"
