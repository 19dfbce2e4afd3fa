"""The Connect Four opening book: exact scores and optimal moves of the early positions.

The solver proves a position in well under a second from about eight stones on
(``bench/results/exact_threshold.md``), but the empty board takes minutes. The book
holds what the solver proved, ahead of time, for every position the engine can meet
before that: built by ``searchprune.arena.book_build`` (``searchprune book build``),
shipped in ``games/connect4/book.npz`` with its manifest ``book.json``.

A position and its mirror image (columns reversed) have the same score, so the book
keeps one of them: the one whose key (Pons' ``current + mask``) is smaller, the
*canonical* one, with its optimal columns. The engine's book move is chosen in the
canonical orientation (``book_move``: the most central optimal column) and mirrored
back, so the engine plays mirror-image moves in mirror-image positions and never leaves
the positions the builder expanded.

File: a NumPy ``.npz`` with ``keys`` (uint64, sorted, canonical keys), ``scores`` (int8,
Pons' score from the side to move), ``best`` (uint8, bit ``c`` set when column ``c``
is optimal in the canonical orientation) and ``moves`` (the canonical position as moves,
1-based columns: what ``book verify`` re-solves).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from searchprune.games.base import GameError
from searchprune.games.connect4 import CURRENT, MASK
from searchprune.paths import repo_root

__all__ = ["BookError", "OpeningBook", "book_move", "canonical_key", "mirror_key"]

WIDTH = 7
#: Columns from the centre out: the book move is the first optimal one in this order.
CENTRE_OUT = (3, 2, 4, 1, 5, 0, 6)
_COLUMN_BITS = 7
_COLUMN = (1 << _COLUMN_BITS) - 1


class BookError(ValueError):
    """A book file that is missing, truncated or not a book; the message is one line."""


def mirror_key(key: int) -> int:
    """The key of the mirror image: the seven 7-bit column fields in reverse order."""
    out = 0
    for column in range(WIDTH):
        field = (key >> (_COLUMN_BITS * column)) & _COLUMN
        out |= field << (_COLUMN_BITS * (WIDTH - 1 - column))
    return out


def position_key(state) -> int:
    """Pons' key of a Connect Four state: ``current + mask`` (unique per position)."""
    return int(state[CURRENT]) + int(state[MASK])


def canonical_key(state) -> tuple[int, bool]:
    """(the book's key of ``state``, whether ``state`` is the mirror image of the stored one)."""
    key = position_key(state)
    flipped = mirror_key(key)
    return (flipped, True) if flipped < key else (key, False)


def book_move(best: list[int]) -> int:
    """The book's choice among the optimal columns ``best`` (canonical orientation): the
    most central one."""
    return next(column for column in CENTRE_OUT if column in best)


class OpeningBook:
    """A loaded book; ``lookup(state)`` gives a stored position's score and optimal columns."""

    def __init__(self, keys: np.ndarray, scores: np.ndarray, best: np.ndarray, moves: np.ndarray,
                 manifest: dict | None = None, path: Path | None = None) -> None:
        self.keys, self.scores, self.best, self.moves = keys, scores, best, moves
        self.manifest = manifest or {}
        self.path = path

    def __len__(self) -> int:
        return len(self.keys)

    @staticmethod
    def default_path() -> Path:
        return repo_root() / "games" / "connect4" / "book.npz"

    @classmethod
    def default(cls) -> OpeningBook | None:
        """The shipped book, or None where it is not there."""
        path = cls.default_path()
        return cls.load(path) if path.exists() else None

    @classmethod
    def load(cls, path: str | Path) -> OpeningBook:
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, scores, best, moves = data["keys"], data["scores"], data["best"], data["moves"]
        except FileNotFoundError:
            raise BookError(f"no opening book at {path}") from None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise BookError(f"{path} is not an opening book ({type(error).__name__}: {error})") from None
        if not (keys.dtype == np.uint64 and scores.dtype == np.int8 and best.dtype == np.uint8
                and moves.dtype.kind == "U" and keys.shape == scores.shape == best.shape == moves.shape
                and keys.ndim == 1):
            raise BookError(f"{path} is not an opening book: wrong arrays")
        if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
            raise BookError(f"{path} is not an opening book: its keys are not sorted")
        manifest_path = path.with_suffix(".json")
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        return cls(keys, scores, best, moves, manifest, path)

    def save(self, path: str | Path, manifest: dict) -> dict:
        """Write the arrays to ``path`` and ``manifest`` (with the file's sha256 added) beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            np.savez_compressed(handle, keys=self.keys, scores=self.scores, best=self.best, moves=self.moves)
        manifest = dict(manifest, entries=len(self), sha256=hashlib.sha256(path.read_bytes()).hexdigest())
        path.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n")
        self.manifest, self.path = manifest, path
        return manifest

    @classmethod
    def from_entries(cls, entries: dict[int, tuple[int, list[int], str]]) -> OpeningBook:
        """A book of ``{canonical key: (score, optimal columns, moves)}``."""
        order = sorted(entries)
        keys = np.array(order, dtype=np.uint64)
        scores = np.array([entries[k][0] for k in order], dtype=np.int8)
        best = np.array([sum(1 << c for c in entries[k][1]) for k in order], dtype=np.uint8)
        moves = np.array([entries[k][2] for k in order], dtype="<U42")
        return cls(keys, scores, best, moves)

    def lookup(self, state) -> tuple[int, list[int], int] | None:
        """(score, optimal columns, the book move) of ``state``, in its own orientation;
        None for a position the book does not hold."""
        key, mirrored = canonical_key(state)
        index = int(np.searchsorted(self.keys, np.uint64(key)))
        if index == len(self.keys) or int(self.keys[index]) != key:
            return None
        canonical = [c for c in range(WIDTH) if int(self.best[index]) >> c & 1]
        if not canonical:
            raise GameError(f"opening book entry {key} lists no optimal column")
        choice = book_move(canonical)
        if mirrored:
            return int(self.scores[index]), sorted(WIDTH - 1 - c for c in canonical), WIDTH - 1 - choice
        return int(self.scores[index]), canonical, choice
