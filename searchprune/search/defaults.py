"""Defaults of the optional game kernels and evaluator hooks, for games that lack them.

What each kernel and hook means is documented once, with the protocol, in
``searchprune.games.base`` (``OPTIONAL``, and the evaluator hooks ``eval_reset`` /
``eval_make``); every function here is the "does nothing" answer that keeps a game
without it correct.

TEMPLATE MODULE: ``searchprune.search.build`` pastes the defaults a game lacks into the
generated search module, beside the game's own kernels bound by import. ``terminal`` is
the game's kernel, bound as a global. The docstring of this module is not pasted.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.types import ONGOING


@njit(**JIT)
def in_check(state: np.ndarray) -> bool:
    return False


@njit(**JIT)
def gen_tactical(state: np.ndarray, buf: np.ndarray) -> int:
    return 0


@njit(**JIT)
def is_tactical(state: np.ndarray, move: int) -> bool:
    return False


@njit(**JIT)
def make_null(state: np.ndarray) -> None:
    pass


@njit(**JIT)
def unmake_null(state: np.ndarray) -> None:
    pass


@njit(**JIT)
def null_ok(state: np.ndarray) -> bool:
    return False


@njit(**JIT)
def perft_over(state: np.ndarray) -> bool:
    """By default a finished game (by any of its rules) has no leaves below it."""
    return terminal(state) != ONGOING  # noqa: F821


@njit(**JIT)
def eval_reset(state: np.ndarray, params: np.ndarray) -> None:
    pass


@njit(**JIT)
def eval_make(state: np.ndarray, params: np.ndarray) -> None:
    pass
