"""The start-up garbage-collection policy leaves the collector working afterwards."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from expctl import gcpolicy


@pytest.fixture
def pristine_gc() -> Iterator[tuple[int, ...]]:
    normal = gc.get_threshold()
    yield normal
    gc.unfreeze()
    gc.set_threshold(*normal)


def test_startup_defers_then_freezes_and_restores(pristine_gc: tuple[int, ...]) -> None:
    gcpolicy.defer_during_startup()
    assert gc.isenabled()  # deferred, never switched off
    assert gc.get_threshold()[0] > pristine_gc[0]
    gcpolicy.startup_over()
    assert gc.get_threshold() == pristine_gc
    assert gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    gcpolicy.startup_over()  # a second client in the same run changes nothing
    assert gc.get_freeze_count() == frozen


def test_cycles_made_after_startup_are_collected(pristine_gc: tuple[int, ...]) -> None:
    gcpolicy.defer_during_startup()
    gcpolicy.startup_over()

    class Node:
        partner: object = None

    a, b = Node(), Node()
    a.partner, b.partner = b, a
    del a, b
    assert gc.collect() >= 2


def test_main_returns_with_the_normal_thresholds() -> None:
    probe = (
        "import gc, json, sys\n"
        "from expctl.main import main\n"
        "normal = gc.get_threshold()\n"
        "code = main(['--help'])\n"
        "sys.stderr.write(json.dumps([code, normal, gc.get_threshold(), gc.isenabled()]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    code, normal, after, enabled = json.loads(done.stderr.strip().splitlines()[-1])
    assert code == 0
    assert after == normal
    assert enabled is True
