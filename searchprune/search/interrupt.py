"""Ctrl-C during a compiled search: stop it through its flag, keep what it found.

Python runs a signal handler only in the main thread and only between bytecodes, so
a SIGINT that arrives while the main thread is inside a compiled kernel waits until
the kernel returns: a deep search iteration or an endgame solve then ignores Ctrl-C
for seconds or for ever. ``run_interruptibly`` runs the call in a worker thread
instead (the kernels release the GIL) while the main thread waits in short slices,
so the ``KeyboardInterrupt`` is raised at once; it then sets the search's stop flag,
which the kernel polls (every ``POLL_INTERVAL`` nodes), and returns the call's own
result, the best found so far, marked as interrupted.

Commands that stop this way exit with ``INTERRUPTED_EXIT``, the shell's code for a
process ended by SIGINT, through ``exit_interrupted``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import NoReturn, TypeVar

__all__ = ["INTERRUPTED_EXIT", "exit_interrupted", "run_interruptibly"]

#: Exit status after Ctrl-C: 128 + SIGINT, what a shell reports for a process it killed.
INTERRUPTED_EXIT = 130
#: Seconds between two checks for a signal in the waiting main thread.
_WAIT_SLICE = 0.02
#: Seconds to wait for a stopped call to return before giving up on it.
_STOP_GRACE = 5.0

T = TypeVar("T")


def run_interruptibly(call: Callable[[], T], stop: Callable[[], None] | None = None, *,
                      tick: Callable[[], None] | None = None, every: float = 0.5) -> tuple[T, bool]:
    """``(call(), interrupted)``: run ``call`` so that Ctrl-C stops it through ``stop``.

    ``interrupted`` is True when a ``KeyboardInterrupt`` arrived while ``call`` ran; ``stop``
    was then called (from the main thread) and ``call``'s own result, its best so far, is
    returned. Further Ctrl-Cs while it winds down are ignored. A call that does not
    return within ``_STOP_GRACE`` seconds of ``stop`` re-raises the ``KeyboardInterrupt``
    (its daemon thread is abandoned). Without ``stop`` (work that cannot be stopped, such
    as compiling the kernels) Ctrl-C raises ``KeyboardInterrupt`` here at once and the
    worker is abandoned: a Numba compile that the signal interrupts in its own thread
    breaks with a traceback, while one left running is harmless (its cache files are
    written atomically). Exceptions of ``call`` are raised here. Outside the
    main thread, where no signal arrives, ``call`` simply runs here. ``tick`` (progress
    output) is called from the waiting thread every ``every`` seconds while ``call`` runs.
    """
    if threading.current_thread() is not threading.main_thread():
        return call(), False
    outcome: dict[str, object] = {}
    # Waited on rather than Thread.join: a join that Ctrl-C interrupts can mark a running
    # thread as finished (CPython gh-90882, Python 3.11).
    done = threading.Event()

    def work() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=work, name="searchprune-search", daemon=True).start()
    interrupted = False
    next_tick = time.monotonic() + every
    while not done.is_set():
        try:
            done.wait(_WAIT_SLICE)
            if tick is not None and time.monotonic() >= next_tick and not done.is_set():
                tick()
                next_tick = time.monotonic() + every
        except KeyboardInterrupt:
            if stop is None:
                raise
            if not interrupted:
                interrupted = True
                stop()
                _wait_after_stop(done)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"], interrupted  # type: ignore[return-value]


def _wait_after_stop(done: threading.Event) -> None:
    """Wait for a stopped worker, ignoring further Ctrl-Cs; raise KeyboardInterrupt if it hangs."""
    deadline = time.monotonic() + _STOP_GRACE
    while not done.is_set() and time.monotonic() < deadline:
        try:
            done.wait(_WAIT_SLICE)
        except KeyboardInterrupt:
            pass
    if not done.is_set():
        raise KeyboardInterrupt


def exit_interrupted() -> NoReturn:
    """End the process after Ctrl-C with ``INTERRUPTED_EXIT``, once what it printed is flushed.

    The interpreter's teardown is skipped (``os._exit``): with the compiled kernels loaded
    it takes 0.3-0.5 s here, most of the time from Ctrl-C to exit, and there is nothing
    left for it to do (results are printed, games saved). Where the standard streams are
    not the process's own (a test's in-process runner) it raises ``SystemExit`` instead.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    if sys.stdout is not sys.__stdout__ or sys.stderr is not sys.__stderr__:
        raise SystemExit(INTERRUPTED_EXIT)
    os._exit(INTERRUPTED_EXIT)
