"""What a game's registration holds: the ``GameBundle`` record and its optional parts.

Each game module defines its ``BUNDLE`` beside its kernels and ``Game`` class, and
``searchprune.games.registry`` lists it by one line. Parts that live in layers above
the games are named by ``"package.module:attribute"`` strings, imported only when used
(``registry.load``), so the games import nothing above the vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NetParts:
    """A game's evaluation net: the record ``searchprune.evaluation.arch.Arch`` is built from.

    The net is ``inputs -> hidden -> 32 -> 1`` over 0/1 features; ``features`` writes
    the active input indices of a state (side to move's view) into an int64 buffer of
    ``max_active`` slots and returns how many it wrote.
    """

    #: Architecture name, recorded in manifests.
    arch: str
    #: The evaluator's id hashed into every net's architecture hash (``Arch.kernel``).
    #: Fixed once nets exist: changing it orphans them. Not an import path.
    kernel_id: str
    #: ``module:function`` of the compiled evaluator ``f(state, params) -> score``.
    evaluator: str
    #: ``module:function`` of the compiled ``active(state, out) -> n``.
    features: str
    #: Number of inputs, and the most that can be active at once.
    inputs: int
    max_active: int
    #: Raw net output ``y`` to the evaluator's score: ``round(y * output_scale)``.
    output_scale: float
    #: ``"mse"`` on ``label / label_scale``, or ``"wdl"`` (centipawn labels compared as
    #: win probabilities; ``label_scale`` then only converts to pawns for reports).
    loss: str
    #: Raw label units per unit of net output (Connect Four's Pons scores: 22).
    label_scale: float
    #: Raw label units, for reports.
    label_unit: str
    #: Inputs per factor group (training only; see ``Arch.factor_block``).
    factor_block: int
    #: The evaluator keeps per-ply accumulators: its module defines ``<function>_reset``
    #: and ``<function>_make`` (the search's ``eval_reset``/``eval_make`` hooks), and
    #: ``evaluation.infer.pack`` reserves their ring in ``params``.
    incremental: bool = False
    #: ``module:function`` mapping ``[N, K]`` index rows (-1 padded) to those of the
    #: mirrored positions, where the game has a symmetry to augment training data with.
    mirror: str | None = None
    #: The evaluator keeps an int8 net's accumulators in int16 (its first layer's stored
    #: integers, added and subtracted exactly) and reads them with the integer kernels.
    short_accumulators: bool = False
    #: Accumulators feeding the second layer: 1, the side to move's; 2, the side to
    #: move's and the opponent's, concatenated (the second layer's fan-in is ``2 * hidden``).
    perspectives: int = 1


@dataclass(frozen=True)
class BenchParts:
    """A game's share of the bench signature (``searchprune.bench``).

    Changing ``positions`` or ``depth`` changes the signature.
    """

    #: Positions in the game's notation (``Game.parse_position``).
    positions: tuple[str, ...]
    #: Depth of the negascout searches the signature counts.
    depth: int
    #: Depth per algorithm for the nodes/s measurement (an algorithm left out is not run).
    nps_depth: Mapping[str, int] = field(default_factory=dict)
    #: Depth of the compression study's nodes-to-depth search (``searchprune.compression``):
    #: one the game's dense net reaches in well under a second a position. None: no study.
    study_depth: int | None = None


@dataclass(frozen=True)
class DataParts:
    """How ``searchprune.nets.data`` makes labelled training positions for a game."""

    #: ``module:function`` ``label(game, positions, games, settings, timer) -> (score, source, stats)``.
    labeller: str
    #: The game's data settings and their defaults (every key is an accepted option).
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: ``module:function`` ``text(game, state) -> str`` of a recorded position when the
    #: game's own ``format_position`` is not canonical (transposed move orders); None: it is.
    position_text: str | None = None


@dataclass(frozen=True)
class GameBundle:
    """Everything one game is made of, by name (see the module docstring)."""

    name: str
    #: ``"package.module:Class"`` of the ``Game`` subclass.
    game: str
    net: NetParts | None = None
    bench: BenchParts | None = None
    data: DataParts | None = None
    #: ``"package.module:Class"`` of the exact solver, constructed without arguments.
    solver: str | None = None
    #: Openings file (one position a line, ``#`` comments), relative to the repository root.
    openings: str | None = None
    #: ``"package.module:Class"`` of the opening book of proven moves; its ``default()``
    #: is the shipped book, or None where none is shipped (``searchprune.engines.exact``).
    book: str | None = None

    #: Further net architectures the runtime loads for this game (a newer one, or an older
    #: one whose shipped nets must keep loading); ``net`` is the one ``searchprune train``
    #: builds. They share ``net``'s features.
    other_nets: tuple[NetParts, ...] = ()

    @property
    def nets(self) -> tuple[NetParts, ...]:
        """Every net architecture of the game, ``net`` first."""
        return ((self.net,) if self.net else ()) + self.other_nets

    def paths(self) -> list[str]:
        """Every ``"package.module:attribute"`` the bundle names."""
        paths = [self.game, self.solver, self.book]
        for net in self.nets:
            paths += [net.evaluator, net.features, net.mirror]
        if self.data:
            paths += [self.data.labeller, self.data.position_text]
        return [p for p in paths if p is not None]

    def __post_init__(self) -> None:
        for path in self.paths():
            if ":" not in path:
                raise ValueError(f"{self.name}: expected 'package.module:attribute', got {path!r}")
