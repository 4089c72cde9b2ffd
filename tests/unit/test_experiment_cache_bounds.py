"""The experiment cache stays readable however many experiments a project has."""

from __future__ import annotations

from pathlib import Path

import pytest

from expctl.cli.state import experiment_cache
from expctl.cli.state.experiment_cache import ExperimentCache, seal_key


def _experiment(number: int) -> dict[str, object]:
    return {"id": number, "updated_at": "2026-01-01T00:00:00Z", "filters": {}, "saved_metrics": [], "pad": "x" * 500}


def test_ten_thousand_experiments_are_all_kept(tmp_path: Path) -> None:
    """A project of 10,000 experiments re-applies from the cache: when only 5,000 were kept,
    every run sent a GET for each of the other 5,000."""
    path = tmp_path / "experiments.json"
    cache = ExperimentCache(path, host="h", project="1", seal=seal_key("phx_a"))
    for number in range(1, 10_001):
        cache.remember({**_experiment(number), "pad": ""})
    cache.save()
    again = ExperimentCache(path, host="h", project="1", seal=seal_key("phx_a"))
    kept = [n for n in range(1, 10_001) if again.full({"id": n, "updated_at": "2026-01-01T00:00:00Z"}) is not None]
    assert len(kept) == 10_000


def test_a_cache_that_would_outgrow_a_state_file_keeps_the_newest_that_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over the size a state file may have is never read back: rather than write
    one, the oldest entries go."""
    monkeypatch.setattr(experiment_cache, "MAX_STATE_BYTES", 64 * 1024)
    path = tmp_path / "experiments.json"
    cache = ExperimentCache(path, host="h", project="1", seal=seal_key("phx_a"))
    for number in range(1, 301):  # ~170 KB of experiments
        cache.remember(_experiment(number))
    cache.save()
    assert path.stat().st_size <= 64 * 1024
    again = ExperimentCache(path, host="h", project="1", seal=seal_key("phx_a"))
    assert again.full({"id": 300, "updated_at": "2026-01-01T00:00:00Z"}) is not None, "the newest is kept"
    assert again.full({"id": 1, "updated_at": "2026-01-01T00:00:00Z"}) is None, "the oldest went"
