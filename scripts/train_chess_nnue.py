"""Train the two-perspective chess NNUE on packed teacher data and export it.

    .venv/bin/python scripts/train_chess_nnue.py --data /work/data/chess-sf1000 --out runs/nnue-256 \
        --width 256 --epochs 8 [--resume] [--stop-after BATCHES] [--export-to nets/]

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
    args = parser.parse_args()
    start = time.perf_counter()
    records = teacher_games.load(args.data)
    if args.limit:
        records = records[:args.limit]
    config = nnue.NnueConfig(width=args.width, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             wdl=args.wdl, threads=args.threads)
    run = nnue.train(config, records, args.out, resume=args.resume, progress=sys.stderr.isatty(),
                     stop_after=args.stop_after)
    summary = {"positions": len(records), "step": run["step"], "steps": run["steps"],
               "positions_per_second": run["positions_per_second"], "history": run["history"],
               "seconds": round(time.perf_counter() - start, 1)}
    if run["step"] == run["steps"]:
        training = {"data": [str(folder) for folder in args.data], "positions": len(records),
                    "config": {k: v for k, v in vars(config).items()}}
        metrics = {"val_loss": run["history"][-1]["val_loss"]}
        folder = args.export_to or user_dir()
        summary["nets"] = [str(nnue.export(run["model"], folder, training=training, metrics=metrics, quant=quant))
                           for quant in (None, "int8")]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
