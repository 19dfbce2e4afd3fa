"""Train the two-perspective chess NNUE on packed teacher data and export it.

    .venv/bin/python scripts/train_chess_nnue.py --data /work/data/chess-sf1000 --out runs/nnue-256 \
        --width 256 --epochs 8 [--resume] [--stop-after BATCHES] [--export-to nets/]

Pruning inside the run (issue 18): ``--sparse-l2 AMOUNT`` trains the dense layer to that
sparsity, ``--sparse-schedule gradual`` (magnitude, rising along AGP's cubic over the first
half of the run; the default) or ``dynamic`` (sparse from the start, the mask moving by
RigL's drop-and-regrow until three quarters of the run); the net is exported as CSR.
A resumed sparse run takes its mask back from the checkpoint's zeros (with ``dynamic``, weights
regrown in the very step of a checkpoint start at zero and are lost on resume).

Resumable: the run folder holds the checkpoint; ``--resume`` goes on from it, and
``--stop-after`` bounds one sitting (a session's share of a long run). The trained net
is exported when the run is complete, into ``--export-to`` (default: the user's nets
folder), float and int8.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from searchprune.evaluation.store import user_dir
from searchprune.nets import nnue, teacher_games
from searchprune.paths import portable_path


def sparse_schedule(args, config: nnue.NnueConfig, positions: int):
    """The ``after_step`` of ``--sparse-l2`` (None without it)."""
    if not args.sparse_l2:
        return None
    from searchprune.nets.prune import dual

    train_rows = positions - max(1, int(positions * config.val_fraction))
    steps = -(-train_rows // config.batch_size) * config.epochs
    if args.sparse_schedule == "gradual":
        return dual.GradualMagnitude(args.sparse_l2, start=0, end=max(1, steps // 2), every=max(1, steps // 100))
    return dual.DynamicSparse(args.sparse_l2, end=max(1, 3 * steps // 4), every=max(1, steps // 100), seed=config.seed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=16384)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--wdl", type=float, default=0.3)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--limit", type=int, help="Train on the first this many positions only.")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--stop-after", type=int)
    parser.add_argument("--export-to", type=Path, default=None)
    parser.add_argument("--sparse-l2", type=float, help="Prune the dense layer to this share of zeros while training.")
    parser.add_argument("--sparse-schedule", choices=["gradual", "dynamic"], default="gradual")
    args = parser.parse_args()
    start = time.perf_counter()
    records = teacher_games.load(args.data)
    if args.limit:
        records = records[:args.limit]
    config = nnue.NnueConfig(width=args.width, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             wdl=args.wdl, threads=args.threads)
    run = nnue.train(config, records, args.out, resume=args.resume, progress=sys.stderr.isatty(),
                     stop_after=args.stop_after, after_step=sparse_schedule(args, config, len(records)))
    summary = {"positions": len(records), "step": run["step"], "steps": run["steps"],
               "positions_per_second": run["positions_per_second"], "history": run["history"],
               "seconds": round(time.perf_counter() - start, 1)}
    if run["step"] == run["steps"]:
        training = {"data": [portable_path(folder) for folder in args.data], "positions": len(records),
                    "config": {k: v for k, v in vars(config).items()},
                    "sparse_l2": {"amount": args.sparse_l2, "schedule": args.sparse_schedule} if args.sparse_l2 else None}
        metrics = {"val_loss": run["history"][-1]["val_loss"]}
        folder = args.export_to or user_dir()
        fmt = "csr" if args.sparse_l2 else "dense"
        summary["nets"] = [str(nnue.export(run["model"], folder, training=training, metrics=metrics, quant=quant,
                                           fmt=fmt)) for quant in (None, "int8")]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
