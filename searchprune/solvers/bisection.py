"""The null-window bisection of an exact score, on one thread or several sharing one table.

An exact solver narrows the score ``[lo, hi]`` with null-window tests: a test at point
``p`` asks whether the score exceeds ``p``; its value ``v`` says ``score <= v`` when
``v <= p`` and ``score >= v`` otherwise. Pons' solver picks the next point from
``[lo, hi]`` alone (``pons_point``). With several threads, each runs its own test at
once, all on one transposition table (lock-free entries: ``solvers.connect4_table``), so
a bound one thread proves helps the others. Each idle thread takes the middle of the
widest stretch of points that no running test decides, so at the end two threads test
both sides of the score at once: proving "better than ``s - 1``" and "not better than
``s``" are the two last and most expensive tests of a solve, and they are independent.
A test that the others have made pointless (its point fell outside ``[lo, hi)``) is
stopped and its thread given a new point. With one thread this is exactly Pons'
sequence of tests.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from numba import njit

from searchprune.config import JIT

__all__ = ["bisect", "pons_point"]


@njit(**JIT)
def _tdiv2(x):
    """``x / 2`` rounded toward zero, as C's integer division (Python's ``//`` floors)."""
    if x < 0:
        return -((-x) // 2)
    return x // 2


@njit(**JIT)
def pons_point(lo, hi):
    """Pons' next test point in ``[lo, hi - 1]`` (``Solver::solve``): the middle, moved to
    half of the bound on its side of 0 when that is nearer 0 than the bound. Compiled,
    so that the Connect Four solver's own one-thread loop (``_solve``) uses it too."""
    med = lo + (hi - lo) // 2
    if med <= 0 and _tdiv2(lo) < med:
        med = _tdiv2(lo)
    elif med >= 0 and _tdiv2(hi) > med:
        med = _tdiv2(hi)
    return med


def next_point(lo: int, hi: int, taken: set[int]) -> int | None:
    """The point for an idle thread: Pons' point of the widest run of untested points of
    ``[lo, hi - 1]`` between the points in ``taken``; None if every point is taken."""
    best: tuple[int, int] | None = None
    start = lo
    for cut in sorted(p for p in taken if lo <= p < hi) + [hi]:
        if cut > start and (best is None or cut - start > best[1] - best[0]):
            best = (start, cut)
        start = cut + 1
    return None if best is None else int(pons_point(*best))


def bisect(lo: int, hi: int, test: Callable[[int, int], int | None], cancel: Callable[[int], None],
           threads: int, on_bounds: Callable[[int, int], None] | None = None,
           arm: Callable[[int], None] | None = None) -> tuple[int, int, bool]:
    """Narrow ``[lo, hi]`` to the exact score: ``(lo, hi, complete)``.

    ``test(worker, point)`` runs a null-window test on worker ``worker`` (0 ..
    ``threads - 1``) and returns its value, or None if it was stopped, by ``cancel(worker)``
    or by the solve's own limits; ``cancel`` must make that worker's running test return
    soon. ``arm(worker)`` readies the worker for its next test; it is called before the
    test's thread starts, so a ``cancel`` that comes before the test begins still holds. When a test comes back None that this function did not cancel, the solve was
    stopped: the others are cancelled and ``complete`` is False, ``[lo, hi]`` the bounds
    proven so far. ``on_bounds`` is told every narrowing.
    """
    if threads == 1:  # no threads to start: Pons' loop as it is
        while lo < hi:
            point = int(pons_point(lo, hi))
            if arm is not None:
                arm(0)
            value = test(0, point)
            if value is None:
                return lo, hi, False
            lo, hi = (lo, value) if value <= point else (value, hi)
            if on_bounds is not None:
                on_bounds(lo, hi)
        return lo, hi, True
    done: queue.Queue[tuple[int, int, int | None]] = queue.Queue()
    running: dict[int, int] = {}
    cancelled: set[int] = set()
    complete = True

    def work(worker: int, point: int) -> None:
        try:
            value = test(worker, point)
        except BaseException:  # noqa: BLE001 - reported as a stop; re-raised by nobody
            value = None
        done.put((worker, point, value))

    while (complete and lo < hi) or running:
        while complete and lo < hi and len(running) < threads:
            point = next_point(lo, hi, set(running.values()))
            if point is None:
                break  # every point is being tested (a second thread on one test gained nothing)
            worker = min(set(range(threads)) - set(running))
            running[worker] = point
            if arm is not None:
                arm(worker)
            threading.Thread(target=work, args=(worker, point), daemon=True, name=f"bisect-{worker}").start()
        worker, point, value = done.get()
        del running[worker]
        if worker in cancelled:
            cancelled.discard(worker)
            continue
        if value is None:  # the solve was stopped: stop the rest and keep what is proven
            complete = False
            for other in running:
                cancel(other)
            cancelled.update(running)
            continue
        lo, hi = (lo, min(hi, value)) if value <= point else (max(lo, value), hi)
        if on_bounds is not None:
            on_bounds(lo, hi)
        for other, other_point in running.items():
            if not lo <= other_point < hi and other not in cancelled:
                cancel(other)
                cancelled.add(other)
    return lo, hi, complete
