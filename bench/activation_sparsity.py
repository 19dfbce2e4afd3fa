"""Activation sparsity of a chess-dual net on real positions, and what skipping zeros buys.

After the clipped ReLU many of the accumulators' outputs are exactly zero. For each net
given, on positions from teacher data (``--data``: shards of ``scripts/chess_teacher_data.sh``,
a seeded sample of ``--positions``), this measures:

- the share of the ``2N`` activations that are non-zero (median over positions), and the
  share of the dense layer's blocks of 4 lanes (4 float inputs, or 8 int16 inputs) that
  hold a non-zero, which is what the zero-skipping kernel can skip;
- the dense layer's time per evaluation, dense kernel (``simd.dense_columns`` /
  ``short_columns``) against the zero-skipping one (``*_skip``), each called ``--repeat``
  times per position in a compiled loop, alternating which goes first; medians over
  positions, and their ratio.

    python bench/activation_sparsity.py --data /work/data/chess-sf1000 --net NET.npz [NET.npz ...] \\
        [--positions 2000] [--repeat 2000] [--out bench/results/activation_sparsity.md]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

from searchprune.config import JIT_FAST
from searchprune.evaluation import infer, simd
from searchprune.evaluation.store import read_net
from searchprune.games import get_game
from searchprune.games.chess.board import HPLY
from searchprune.nets import packed, teacher_games


@njit(**JIT_FAST)
def _kernel_loop(params, weights, pre, chunks, b2, w3, unscale, repeat, short, skip):
    """The dense layer ``repeat`` times: the dense or the zero-skipping kernel."""
    total = np.float32(0.0)
    for _ in range(repeat):
        if short and skip:
            total += simd.short_columns_skip(params, weights, pre, chunks, b2, w3, unscale)
        elif short:
            total += simd.short_columns(params, weights, pre, chunks, b2, w3, unscale)
        elif skip:
            total += simd.dense_columns_skip(params, weights, pre, chunks, b2, w3, unscale)
        else:
            total += simd.dense_columns(params, weights, pre, chunks, b2, w3, unscale)
    return total


def sample_positions(folders: list[Path], count: int, seed: int = 0) -> list[str]:
    """FENs of ``count`` records drawn (seeded) from the teacher data's shards."""
    records = teacher_games.load(folders)
    rows = np.sort(np.random.default_rng(seed).permutation(len(records))[:count])
    return [packed.unpack(record)[0].fen() for record in records[rows]]


def measure(path: Path, fens: list[str], repeat: int) -> dict:
    """Sparsity and dense / skip kernel times of the net at ``path`` over ``fens``."""
    net = read_net(path)
    params, game = infer.pack(net), get_game("chess")
    short = bool(params[infer.P_SHORT])
    fan_in, width = int(params[infer.P_L2_IN]), 32 if short else 16
    lanes_per_block = 8 if short else 4
    args = (int(params[infer.P_W2]), 0, -(-fan_in // width), int(params[infer.P_B2]), int(params[infer.P_W3]),
            np.float32(params[infer.P_AUX]) if short else np.float32(1.0))
    values = params.view(np.int16) if short else params
    nonzero, blocks, dense_us, skip_us = [], [], [], []
    for index, fen in enumerate(fens):
        state = game.parse_position(fen)
        infer.chess_dual_net_reset(state, params)
        pre = infer._acc_in(params, infer._units(params), state[HPLY], 0)
        active = np.clip(values[pre:pre + fan_in], 0, None) != 0
        nonzero.append(float(active.mean()))
        padded = np.zeros(-(-fan_in // lanes_per_block) * lanes_per_block, dtype=bool)
        padded[:fan_in] = active
        blocks.append(float(padded.reshape(-1, lanes_per_block).any(axis=1).mean()))
        call = (params, args[0], pre, *args[2:], repeat, short)
        timings = {}
        for name in (("dense", "skip") if index % 2 == 0 else ("skip", "dense")):
            start = time.perf_counter()
            _kernel_loop(*call, name == "skip")
            timings[name] = (time.perf_counter() - start) / repeat * 1e6
        dense_us.append(timings["dense"])
        skip_us.append(timings["skip"])
    return {"net": net.name, "width": net.hidden, "quant": net.quant, "format": net.format,
            "nonzero_share": statistics.median(nonzero), "nonzero_share_mean": statistics.fmean(nonzero),
            "block_nonzero_share": statistics.median(blocks), "lanes_per_block": lanes_per_block,
            "dense_us": statistics.median(dense_us), "skip_us": statistics.median(skip_us),
            "speedup": statistics.median(d / s for d, s in zip(dense_us, skip_us)), "positions": len(fens)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", required=True, type=Path)
    parser.add_argument("--net", nargs="+", required=True, type=Path)
    parser.add_argument("--positions", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not simd.HAVE_AVX512:
        print("error: this CPU lacks AVX-512: both kernels are the same portable loop here", file=sys.stderr)
        return 2
    fens = sample_positions(args.data, args.positions)
    warm = fens[:2]
    for path in args.net:
        measure(path, warm, 10)  # compile, untimed
    rows = [measure(path, fens, args.repeat) for path in args.net]
    lines = ["| net | width | quant | non-zero activations | blocks with a non-zero | dense µs | skip µs | "
             "speed-up (median) |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['net']} | {r['width']} | {r['quant'] or 'float'} | {r['nonzero_share']:.1%} | "
                     f"{r['block_nonzero_share']:.1%} (of {r['lanes_per_block']}) | {r['dense_us']:.3f} | "
                     f"{r['skip_us']:.3f} | {r['speedup']:.2f}x |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        header = (f"# Activation sparsity of chess-dual nets and the zero-skipping dense layer\n\n"
                  f"Command: `python bench/activation_sparsity.py --data {' '.join(d.name for d in args.data)} "
                  f"--net {' '.join(p.name for p in args.net)} --positions {args.positions} --repeat {args.repeat}` "
                  f"({time.strftime('%Y-%m-%d')}; {os.cpu_count()} CPUs; load average "
                  f"{os.getloadavg()[0]:.1f}).\n\n")
        args.out.write_text(header + table + "\n")
        args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
