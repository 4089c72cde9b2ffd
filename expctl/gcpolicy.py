"""Cyclic garbage collection tuned for a command that starts, works and exits.

Why: start-up creates some 40,000 objects that live as long as the process (modules,
classes, typer's command tree, httpx), and the collector would walk them again and
again while they are being created, and once more at exit, for nothing. Measured on
`expctl list -o json`: about 15% of the run (tests/benchmarks).

So the first collection is put off during start-up (a high threshold rather than
``gc.disable()``: a command that never reaches :func:`startup_over` is still
collected once it allocates 100,000 objects), and when start-up is over the survivors
are frozen out of the collector's sight and the normal thresholds come back, so long
runs (``--watch``, ``--all``, ``apply``) are collected as usual. At the end, what is
left is frozen too: the process is about to exit, and nothing needs collecting.
"""

from __future__ import annotations

import gc

_NORMAL = gc.get_threshold()
_STARTUP_FIRST_GENERATION = 100_000


def defer_during_startup() -> None:
    gc.set_threshold(_STARTUP_FIRST_GENERATION, *_NORMAL[1:])


def startup_over() -> None:
    """Freeze what start-up built and collect normally from here on (idempotent)."""
    if gc.get_threshold()[0] == _STARTUP_FIRST_GENERATION:
        gc.freeze()
        gc.set_threshold(*_NORMAL)


def finish() -> None:
    """The command is done: restore the thresholds, and freeze what is left so the
    interpreter's final collection at exit does not walk it all once more."""
    gc.freeze()
    gc.set_threshold(*_NORMAL)
