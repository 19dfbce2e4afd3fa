"""What a net is, without torch: its architecture record and hash, per game.

Every net is ``inputs -> hidden -> 32 -> 1`` with clipped ReLU (``clamp(x, 0, 1)``)
after both hidden layers, NNUE-style; the inputs are the game's 0/1 features
(``searchprune.evaluation.features``). The chess and Connect Four nets keep their first
layer as accumulators updated after each move; Othello's computes it from the bitboards.
Each game's architecture is declared by its registration (``NetParts`` in
``searchprune.games.registry``); ``ARCHS`` is a view of them.

The net's raw output ``y`` becomes the evaluator's score as ``round(y * output_scale)``,
clamped below the mate scores. What ``y`` is trained to be (``target``) is per game
(``label_scale``, ``loss``):

- connect4: the exact (solver) score in Pons' convention divided by 22, so a win on the
  last move is 1/22 and a win at once is 21/22; search values where the solver is too slow.
- othello: the final disc difference (perfect endgame play from the labelled point on)
  divided by 64.
- chess: a centipawn score divided by 100 (pawns), trained in win-probability space:
  the loss compares ``sigmoid(y * 100 / 400)`` with ``sigmoid(cp / 400)``, optionally
  blended with the game's result (``result_weight``), as NNUE trainers do.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

import numpy as np

from searchprune.games.registry import GameBundle, NetParts, PerGame, bundle

#: Width of the second hidden layer, fixed by the issue's architecture.
HIDDEN2 = 32
#: Version of the feature definitions; bump it when ``features`` changes meaning.
FEATURES_VERSION = 1
#: Centipawns per unit of the chess win-probability logistic (sigmoid(cp / 400)).
CP_SCALE = 400.0


@dataclass(frozen=True)
class Arch:
    game: str
    name: str
    #: The evaluator's id, recorded in every net's manifest and hashed into ``hash``. The
    #: ids are the evaluators' import paths when the first nets were made (under
    #: ``searchprune.nets``): names now, kept so that those nets keep their hashes.
    kernel: str
    #: ``module:function`` of the compiled evaluator that runs this architecture today.
    evaluator: str
    output_scale: float
    #: ``"mse"`` on the target, or ``"wdl"``: squared error of win probabilities.
    loss: str
    #: Raw label units, for reports.
    label_unit: str
    #: Inputs per factor group: consecutive blocks of this many inputs that share a
    #: "virtual" training weight (one piece type of one side, one player's stones).
    #: Training only: the export folds it into the first layer (``EvalNet(factorise=True)``).
    factor_block: int
    #: Raw label units per unit of net output for the ``"mse"`` loss (the target is
    #: ``label / label_scale``).
    label_scale: float
    #: Number of inputs (the first layer's fan-in).
    n_inputs: int
    #: Accumulators concatenated into the second layer (``NetParts.perspectives``).
    perspectives: int = 1

    @classmethod
    def of(cls, game: GameBundle, net: NetParts | None = None) -> Arch | None:
        """The architecture ``net`` of a game's registration declares, by default its main
        one (``GameBundle.net``; None: the game has no net)."""
        net = net or game.net
        if net is None:
            return None
        return cls(game.name, net.arch, net.kernel_id, net.evaluator, output_scale=net.output_scale, loss=net.loss,
                   label_unit=net.label_unit, factor_block=net.factor_block, label_scale=net.label_scale,
                   n_inputs=net.inputs, perspectives=net.perspectives)

    def sizes(self, hidden: int) -> list[int]:
        """``[inputs, hidden, 32, 1]``, and for a two-perspective net a fifth entry, 2 (the
        second layer reads ``2 * hidden`` inputs): what manifests record and formats read."""
        return [self.n_inputs, int(hidden), HIDDEN2, 1] + ([self.perspectives] if self.perspectives > 1 else [])

    def hash(self, hidden: int) -> str:
        """Digest of everything that decides how stored arrays are read."""
        record = {"name": self.name, "sizes": self.sizes(hidden), "activation": "crelu",
                  "features": FEATURES_VERSION, "kernel": self.kernel, "output_scale": self.output_scale}
        return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]

    def target(self, score: np.ndarray, result: np.ndarray, result_weight: float = 0.0) -> np.ndarray:
        """Training target for raw labels ``score`` and game results (-1/0/1, side to move)."""
        score = np.asarray(score, dtype=np.float64)
        result = np.asarray(result, dtype=np.float64)
        if self.loss == "wdl":
            p = 1.0 / (1.0 + np.exp(-score / CP_SCALE))
            return ((1 - result_weight) * p + result_weight * (result + 1) / 2).astype(np.float32)
        label = score / self.label_scale
        return ((1 - result_weight) * label + result_weight * result).astype(np.float32)


#: The architecture of every registered game with a net (``NetParts`` in its registration).
ARCHS: PerGame[Arch] = PerGame(Arch.of, "net architecture")


def arch_for(game: str, name: str | None = None) -> Arch:
    """Game ``game``'s architecture called ``name`` (a manifest's ``arch``), by default its
    main one; ``ValueError`` (one line) where there is none."""
    if game not in ARCHS:
        raise ValueError(f"no net architecture for game {game!r}: choose from {', '.join(ARCHS)}")
    if name is None:
        return ARCHS[game]
    registered = bundle(game)
    for net in registered.nets:
        if net.arch == name:
            return Arch.of(registered, net)
    known = ", ".join(net.arch for net in registered.nets)
    raise ValueError(f"no {game} net architecture {name!r} in this version (it knows {known})")


def wdl(y_pawns: float) -> float:
    return 1.0 / (1.0 + math.exp(-y_pawns * 100.0 / CP_SCALE))
