"""Evaluation cost of nets inside the compiled search: µs per evaluation and nodes/s,
net against the game's hand-written evaluator, measured in one run.

    python bench/nets_eval.py NET [NET...] [--runs 5] [--out FILE]

- µs per evaluation: ``searchprune.bench.evaluation_times``: both evaluators score the
  same 200 positions of random play in one compiled loop, median of ``--runs``. For a
  net with accumulators (chess, Connect Four) the time is the evaluation from its
  accumulator, and "µs/make" the update after a move (both run at most nodes).
- nodes/s: ``searchprune.bench.nodes_per_second`` over the bench signature positions at
  the bench depths, median run of ``--runs``, once with the hand-written evaluator and
  once with the net. The trees differ (the evaluations differ), so nodes/s is the
  comparable figure, not time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine_info import describe, emit

from searchprune import bench as B
from searchprune.evaluation.store import load_net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("nets", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    lines = ["# Net evaluation cost inside the compiled search", "",
             f"- command: `python bench/nets_eval.py {' '.join(sys.argv[1:])}`", f"- machine: {describe()}", "",
             "| net | sizes | µs/eval net | µs/make net | µs/eval hand | ratio | algorithm | depth | M nodes/s hand | M nodes/s net "
             "| nodes/s ratio |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in args.nets:
        net = load_net(name)
        times = B.evaluation_times(net, runs=args.runs)
        for algorithm in sorted(B.NPS_DEPTH[net.game]):
            hand = B.nodes_per_second(net.game, algorithm, runs=args.runs)
            with_net = B.nodes_per_second(net.game, algorithm, runs=args.runs, net=net)
            make = f"{times['make']:.3f}" if "make" in times else "-"
            lines.append(f"| {net.name} | {'x'.join(map(str, net.manifest['sizes']))} | {times['net']:.3f} | {make} | "
                         f"{times['hand']:.3f} | {times['net'] / times['hand']:.1f}x | {algorithm} | {hand.depth} | "
                         f"{hand.nps / 1e6:.2f} | {with_net.nps / 1e6:.2f} | {with_net.nps / hand.nps:.2f} |")
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    emit(text, args.out)


if __name__ == "__main__":
    main()
