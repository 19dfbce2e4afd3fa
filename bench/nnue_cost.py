"""What a chess-dual net costs the search, per width: µs per evaluation and per update,
the net's share of a node, nodes/s, and the depth reached in 1 s.

The cost of a dense net does not depend on what it learnt (every kernel does the same
work whatever the weights), so the nets here have random weights, seeded; the widths
are the ones issue 17 asks to compare. The hand-written evaluation is measured in the
same run.

    .venv/bin/python bench/nnue_cost.py --out bench/results/nnue_cost.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import torch

from searchprune.bench import evaluation_times, nodes_per_second
from searchprune.evaluation.store import read_net
from searchprune.games import get_game
from searchprune.nets import nnue
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit

POSITIONS = ("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3",
             "r1b2rk1/1pqn1pbp/p2pp1p1/8/2PNP3/1PN3P1/P2BQPBP/R4RK1 w - - 0 1",
             "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
             "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1")


def depth_in(seconds: float, net) -> float:
    game = get_game("chess")
    depths = [Searcher(game, net=net).search(game.parse_position(fen), Limit(time=seconds)).info.depth
              for fen in POSITIONS]
    return statistics.mean(depths)


def row(label: str, net) -> dict:
    nps = nodes_per_second("chess", "negascout", runs=3, net=net)
    times = evaluation_times(net) if net is not None else None
    node_us = 1e6 / nps.nps
    eval_us = (times["net"] + times.get("make", 0.0)) if times else None
    return {"net": label, "eval_us": times["net"] if times else None, "update_us": times.get("make") if times else None,
            "hand_us": times["hand"] if times else None, "node_us": node_us,
            "share": eval_us / node_us if eval_us else None, "mnps": nps.nps / 1e6, "depth_1s": depth_in(1.0, net)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 256, 512, 1024])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = [row("hand-written", None)]
    with tempfile.TemporaryDirectory() as folder:
        for width in args.widths:
            torch.manual_seed(width)
            model = nnue.ChessNnue(width)
            for quant in ("int8", None):
                net = read_net(nnue.export(model, Path(folder), quant=quant))
                rows.append(row(f"N={width} {quant or 'float'}", net))
                print(rows[-1], flush=True)

    def cell(value, form):
        return "-" if value is None else format(value, form)

    lines = ["# chess-dual: what the net costs the search, per width", "",
             "- command: `.venv/bin/python bench/nnue_cost.py" + (f" --widths {' '.join(map(str, args.widths))}"
                                                                  if args.widths != [128, 256, 512, 1024] else "")
             + "` (random weights, seeded: a dense net's cost does not depend on its weights)",
             "- negascout, 16 MiB table; nodes/s: median of 3 runs over the chess bench positions at depth 8; "
             "depth in 1 s: mean over 4 positions; µs: compiled calls over 200 positions, median of 5 runs",
             "- share: (evaluation + update) / time per node", "",
             "| net | µs / eval | µs / update | µs / node | share of node | M nodes/s | depth in 1 s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['net']} | {cell(r['eval_us'], '.3f')} | {cell(r['update_us'], '.3f')} | "
                     f"{r['node_us']:.3f} | {cell(r['share'], '.0%')} | {r['mnps']:.2f} | {r['depth_1s']:.2f} |")
    hand = rows[0]["hand_us"] or rows[1]["hand_us"]
    lines += ["", f"Hand-written evaluation: {hand:.3f} µs a call (same run)."]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
