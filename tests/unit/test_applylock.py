"""One apply at a time per project on a machine (expctl/cli/state/apply_lock.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from expctl.cli.state.apply_lock import apply_lock, lock_path
from expctl.errors import UnavailableError


def test_a_second_apply_waits_and_gives_up_saying_who_holds_it(tmp_path: Path) -> None:
    path = lock_path({"EXPCTL_CACHE_DIR": str(tmp_path)}, "https://eu.posthog.com", "7")
    said: list[str] = []
    with (
        apply_lock(path, target="project 7", say=said.append),
        pytest.raises(UnavailableError) as refused,
        apply_lock(path, target="project 7", say=said.append, wait_seconds=0.3),
    ):
        pytest.fail("entered a lock another apply holds")
    assert said and said[0].startswith("waiting for another expctl apply to project 7 to finish (pid ")
    assert "still running after 0 s" in refused.value.message
    with apply_lock(path, target="project 7", say=said.append):
        pass  # released when the first block ended
    assert len(said) == 1


def test_no_lock_where_none_can_be_taken(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    said: list[str] = []
    with apply_lock(blocked / "apply.lock", target="p", say=said.append):
        pass  # the cache directory cannot be made: the apply goes ahead, and says so
    assert len(said) == 1 and said[0].startswith("not using the apply lock") and "not serialised" in said[0]


def test_a_symlink_planted_at_the_lock_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    lock = tmp_path / "cache" / "apply-x.lock"
    lock.parent.mkdir()
    lock.symlink_to(victim)
    said: list[str] = []
    with apply_lock(lock, target="p", say=said.append):
        pass
    assert victim.read_text() == "keep me", "the target of a planted symlink is left alone"
    assert said and "not serialised" in said[0]


def test_the_lock_file_is_owner_only(tmp_path: Path) -> None:
    import stat

    lock = tmp_path / "cache" / "apply-x.lock"
    with apply_lock(lock, target="p", say=pytest.fail):
        pass
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
