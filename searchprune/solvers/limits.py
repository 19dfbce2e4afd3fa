"""Limits and the stop flag of an exact solve, kept in the solver's node-count array.

A solver's kernels already carry a small int64 array whose slot 0 counts the nodes;
its next slots hold the limits, so no kernel signature grows. Search nodes call
``halted`` after counting themselves: every ``POLL_NODES`` nodes it reads the stop flag
(set from another thread: ``Solver.stop``), the node limit and the monotonic clock, as
the generic search polls its own (``searchprune.search.context.count_node``). Once a
solve is stopped, ``ABORTED`` stays set, every node returns at once and stores nothing
in the table; what the root had proven so far is the solver's to keep (its own slots
from ``FIRST_FREE`` on).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.clock import monotonic_ns
from searchprune.search.limits import Limit

NODES = 0  # nodes so far
STOP = 1  # set to 1 from another thread to stop the solve
NODE_LIMIT = 2  # stop once NODES reaches this (0: none)
DEADLINE = 3  # stop once the monotonic clock passes this, in ns (0: none)
NEXT_POLL = 4  # NODES at which the flags and the clock are read next
ABORTED = 5  # 1 once the solve was stopped: results from then on are meaningless
#: The first slot a solver may use for its own bookkeeping.
FIRST_FREE = 6
#: Nodes between two reads of the stop flag and the clock (well under a millisecond).
POLL_NODES = 1024


@njit(**JIT)
def halted(nodes: np.ndarray) -> bool:
    """Whether the solve must stop: the stop flag, the node limit or the deadline, read
    every ``POLL_NODES`` nodes (``ABORTED`` stays set once it is)."""
    if nodes[ABORTED]:
        return True
    if nodes[NODES] >= nodes[NEXT_POLL]:
        nodes[NEXT_POLL] = nodes[NODES] + POLL_NODES
        if (nodes[STOP] or (nodes[NODE_LIMIT] and nodes[NODES] >= nodes[NODE_LIMIT])
                or (nodes[DEADLINE] and monotonic_ns() >= nodes[DEADLINE])):
            nodes[ABORTED] = 1
            return True
    return False


def arm(nodes: np.ndarray, limit: Limit | None) -> None:
    """Clear the count and the flags of ``nodes`` and set ``limit``'s nodes and time."""
    nodes[:] = 0
    nodes[NODE_LIMIT] = (limit.nodes or 0) if limit else 0
    nodes[DEADLINE] = monotonic_ns() + int(limit.time * 1e9) if limit and limit.time else 0


def stop_reason(nodes: np.ndarray) -> str | None:
    """Why the solve stopped (``SolveResult.stopped``): ``"interrupted"``, ``"nodes"``,
    ``"time"``; None if it was not."""
    if not nodes[ABORTED]:
        return None
    if nodes[STOP]:
        return "interrupted"
    return "nodes" if nodes[NODE_LIMIT] and nodes[NODES] >= nodes[NODE_LIMIT] else "time"
