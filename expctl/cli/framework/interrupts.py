"""Ctrl-C during a job that writes: stop starting, finish what runs, then say what happened.

Python turns Ctrl-C into KeyboardInterrupt wherever the main thread happens to be, and a
second press while the job waits for its writes in flight could cut off the wait or the
summary (a thread join interrupted twice may also stop waiting). While a job runs, the
first Ctrl-C only sets the job's ``stop`` event instead; later presses are ignored, as
the note says. The note is printed from a helper thread: a signal handler must not take
the locks the output takes, and ``SimpleQueue.put`` is the one hand-over Python documents
as safe to call from a signal handler.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

CTRL_C_NOTE = (
    "Ctrl-C: starting nothing new; waiting for the writes in flight to finish (another Ctrl-C will not cut them off)"
)


@contextlib.contextmanager
def ctrl_c_stops(stop: threading.Event, say: Callable[[], None]) -> Iterator[None]:
    """While the block runs, the first Ctrl-C sets ``stop`` and calls ``say`` (from a
    helper thread); later ones are ignored. Where no handler can be set (not the main
    thread), Python's KeyboardInterrupt stays, which the job handles too."""
    import signal

    pressed: queue.SimpleQueue[bool] = queue.SimpleQueue()

    def handler(signum: int, frame: Any) -> None:
        if not stop.is_set():
            stop.set()
            pressed.put(True)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield
        return

    def tell() -> None:
        if pressed.get():
            say()

    teller = threading.Thread(target=tell, name="expctl-ctrl-c", daemon=True)
    teller.start()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        pressed.put(False)
        teller.join()
