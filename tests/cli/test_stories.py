"""The end-to-end stories on the late-2024 self-hosted release, in process: the installed
entry point tells each story once, on current Cloud (tests/e2e); the other era's run
needs no process of its own to prove what the release changes."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import InProcessServer
from tests.e2e.test_apply_story import apply_story
from tests.e2e.test_crud_story import experiment_crud_story
from tests.e2e.test_lifecycle_story import lifecycle_story
from tests.e2e.test_metrics_resources import a_holdout_two_shared_metrics_and_an_experiment_from_nothing


def test_crud_story_on_the_older_release(legacy: InProcessServer) -> None:
    experiment_crud_story(legacy)


def test_lifecycle_story_on_the_older_release(legacy: InProcessServer) -> None:
    lifecycle_story(legacy)


def test_apply_story_on_the_older_release(legacy: InProcessServer, tmp_path: Path) -> None:
    apply_story(legacy, tmp_path)


def test_holdout_and_shared_metrics_story_on_the_older_release(legacy: InProcessServer, tmp_path: Path) -> None:
    a_holdout_two_shared_metrics_and_an_experiment_from_nothing(legacy, tmp_path)
