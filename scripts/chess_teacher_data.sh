#!/usr/bin/env bash
# Rebuild the chess training data of issue 17: Stockfish (Debian's 15.1) plays itself at
# 1000 nodes a move and labels what it plays (searchprune/nets/teacher_games.py).
# 200,000 games, about 80 quiet positions a game: about 16 M positions, 510 MB (more
# games extend the run on resume: raise games= to pass 20 M).
# Resumable: run it again and it continues from the shards already written.
# Measured here (2 cores, nice'd, beside other work): see bench/results/chess_data.md.
set -euo pipefail
out=${1:-/work/data/chess-sf1000}
cd "$(dirname "$0")/.."
exec nice -n 10 .venv/bin/python -c "
import json, sys
from searchprune.nets import teacher_games
summary = teacher_games.generate('$out', games=200_000, shard_games=100, seed=1, concurrency=2, nodes=1000)
print(json.dumps(summary))
"
