"""The report's files are safe to share and never clobber one another (issues 31 and 32):
the umask's mode on every file of a set, one page per experiment named by a safe slug and
its id, never written outside the folder, and one line and exit 11 when writing fails.

In process; writing to a full standard output is in tests/e2e/test_hostile.py."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from expctl.standin.demo import call
from tests.cli.conftest import InProcessServer


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def rename_flag(server: InProcessServer, experiment: str, key: str) -> None:
    """What a hostile (or merely odd) server could answer: the experiment's flag key is ``key``."""
    store = server.fake.store
    with store.lock:
        store.flags[store.experiments[server.ids[experiment]]["feature_flag_id"]]["key"] = key


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_file_of_a_set_gets_the_umasks_mode(cloud: InProcessServer, tmp_path: Path, umask_022: None) -> None:
    out = tmp_path / "reports"
    assert cloud.run("report", "--all", "-f", str(out)).returncode == 0
    assert {path.name: _mode(path) for path in out.iterdir()} == {
        name: 0o644 for name in (path.name for path in out.iterdir())
    }
    single = tmp_path / "one.html"
    assert cloud.run("report", "checkout-redesign", "-f", str(single)).returncode == 0
    assert _mode(single) == 0o644
    exported = tmp_path / "specs"
    assert cloud.run("export", "--all", "-f", str(exported)).returncode == 0
    assert {_mode(path) for path in exported.iterdir()} == {0o644}
    os.umask(0o077)
    private = tmp_path / "private"
    assert cloud.run("report", "--all", "-f", str(private)).returncode == 0
    assert {_mode(path) for path in private.iterdir()} == {0o600}


@pytest.mark.parametrize("target", ["reports/index.html", "existing-file"])
def test_with_all_f_names_a_folder(cloud: InProcessServer, tmp_path: Path, target: str) -> None:
    (tmp_path / "existing-file").write_text("mine")
    result = cloud.run("report", "--all", "-f", str(tmp_path / target))
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and "-f names a folder here" in result.stderr
    assert "unexpected" not in result.stderr and (tmp_path / "existing-file").read_text() == "mine"
    assert cloud.fake.requests() == [], "refused before anything was asked of PostHog"


def test_two_experiments_sharing_a_flag_get_two_pages(cloud: InProcessServer, tmp_path: Path) -> None:
    copy = cloud.run("duplicate", "checkout-redesign", "-o", "json")
    assert copy.returncode == 0, copy
    copied = json.loads(copy.stdout)
    call(cloud.fake, "POST", f"/api/projects/{{project}}/experiments/{copied['id']}/launch/")
    out = tmp_path / "reports"
    assert cloud.run("report", "--all", "-f", str(out)).returncode == 0
    pages = sorted(p.name for p in out.iterdir() if p.name.startswith("checkout-redesign"))
    assert pages == sorted(
        [f"checkout-redesign-{cloud.ids['checkout-redesign']}.html", f"checkout-redesign-{copied['id']}.html"]
    )
    index = (out / "index.html").read_text()
    assert all(f'href="{page}"' in index for page in pages)


@pytest.mark.parametrize("key", ["index", "../../outside", "/tmp/abs", ".hidden", "a" * 231])
def test_a_flag_key_cannot_overwrite_the_index_or_leave_the_folder(
    cloud: InProcessServer, tmp_path: Path, key: str
) -> None:
    """A hostile (or merely odd) flag key from the server names a page only through a slug."""
    rename_flag(cloud, "checkout-redesign", key)
    out = tmp_path / "deep" / "reports"
    result = cloud.run("report", "--all", "-f", str(out))
    assert result.returncode == 0, result
    written = sorted(p.name for p in out.iterdir())
    assert "index.html" in written and len(written) == 3, written
    assert all(not name.startswith(".") and "/" not in name and len(name) <= 100 for name in written)
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["reports"], "nothing beside the folder"
    assert not Path("/tmp/abs-1.html").exists()
    index = (out / "index.html").read_text()
    assert index.count("<a ") >= 2 and "../" not in index


def test_a_folder_that_cannot_be_written_is_one_line_and_exit_11(cloud: InProcessServer, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        locked = tmp_path / "a-file" / "reports"  # root may write anywhere: a file where a folder should be
        (tmp_path / "a-file").write_text("x")
    else:
        locked = tmp_path / "locked" / "reports"
        (tmp_path / "locked").mkdir(mode=0o500)
    result = cloud.run("report", "--all", "-f", str(locked))
    assert result.returncode == 11, result
    assert result.stderr.startswith("error: could not make the folder") and result.stderr.count("\n") == 1


def test_stopped_half_way_the_index_lists_what_was_written(cloud: InProcessServer, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    blocker = out / f"checkout-redesign-{cloud.ids['checkout-redesign']}.html"
    blocker.mkdir()  # a folder where the second page (newest first) should go
    result = cloud.run("report", "--all", "-f", str(out))
    assert result.returncode == 11, result
    assert f"could not write {blocker}" in result.stderr and "unexpected" not in result.stderr
    index = (out / "index.html").read_text()
    assert f"onboarding-checklist-{cloud.ids['onboarding-checklist']}.html" in index
    assert blocker.name not in index


def test_export_names_files_by_a_safe_slug_inside_the_folder(cloud: InProcessServer, tmp_path: Path) -> None:
    rename_flag(cloud, "pricing-copy", "../../escaped")
    out = tmp_path / "deep" / "specs"
    result = cloud.run("export", "--all", "-f", str(out))
    assert result.returncode == 0, result
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["specs"]
    assert "escaped.yaml" in {p.name for p in out.iterdir()}
