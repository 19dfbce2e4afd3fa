"""How good a static evaluator is, without search: on held-out Connect Four positions
with a non-zero exact score, the share where the evaluation's sign is the score's sign,
for the hand-written evaluator and each net, by ply range.

    python bench/nets_static.py --data data/connect4 --data data/connect4-b --data data/connect4-c \\
        NET [NET...] [--val-fraction 0.1] [--seed 0]

The positions are the validation split of ``searchprune train`` with the same data,
``--val-fraction`` and ``--seed`` (``split_by_game``): the games a net trained that way
never saw. A net trained on other data or with another split may have seen some.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchprune.games import get_game
from searchprune.evaluation import infer
from searchprune.nets.dataset import load_dataset, split_by_game
from searchprune.evaluation.store import load_net

PLY_RANGES = ((0, 12), (12, 16), (16, 20), (20, 26), (26, 42))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("nets", nargs="+")
    parser.add_argument("--data", type=Path, action="append", required=True)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    game = get_game("connect4")
    _, val = split_by_game(load_dataset(args.data, game="connect4"), args.val_fraction, args.seed)
    rows = np.flatnonzero(val.score != 0)
    truth, ply = np.sign(val.score[rows]), val.ply[rows]
    nets = [load_net(name, "connect4") for name in args.nets]
    params = [infer.pack(net) for net in nets]
    values = {"hand-written": [], **{net.name: [] for net in nets}}
    for r in rows:
        state = game.parse_position(str(val.position[r]))
        values["hand-written"].append(game.kernels.evaluate(state, params[0]))
        for net, p in zip(nets, params):
            infer.connect4_net_reset(state, p)
            values[net.name].append(infer.connect4_net(state, p))
    print(f"| plies | positions | {' | '.join(values)} |")
    print("|---|---|" + "---|" * len(values))
    for lo, hi in ((0, 42), *PLY_RANGES):
        m = (ply >= lo) & (ply < hi)
        shares = [f"{np.mean(np.sign(np.array(v)[m]) == truth[m]):.1%}" for v in values.values()]
        print(f"| {'all' if hi - lo == 42 else f'{lo}-{hi - 1}'} | {m.sum():,} | {' | '.join(shares)} |")


if __name__ == "__main__":
    main()
