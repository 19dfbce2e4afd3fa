"""Strength of a net against the hand-written evaluator: matches at equal nodes and at
equal time, and (Connect Four) the share of perfect moves on fixed positions.

    python bench/nets_strength.py --game connect4 --net NAME [--nodes 20000] [--time 0.05]
                                  [--rounds 50] [--concurrency 2] [--perfect 300] [--openings FILE]
                                  [--out FILE]

Matches go through ``searchprune tournament`` (the project's arena): two engine specs
that differ only in the evaluator (``net = ...`` or none), negascout, 16 MiB, the
game's shipped openings or ``--openings`` (e.g. ``bench/openings/connect4-400.txt``, from
``bench/wide_openings.py``), each played twice with colours swapped (``--rounds`` pairs;
the openings wrap around). Elo is the net's, against the hand-written engine, with the
95 % error bars of ``searchprune.arena.stats`` (trinomial, game by game; and the
pentanomial estimate over game pairs, which accounts for the opening).

The perfect-move share (Connect Four): on the first ``--perfect`` positions of Pons'
Middle-Medium (``Test_L2_R2``) and Begin-Medium (``Test_L1_R2``) sets, half each, each
engine searches the position with the node limit; a move is perfect when the exact
solver lists it among the best moves.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine_info import describe, emit

from searchprune.games import get_game
from searchprune.evaluation.store import load_net
from searchprune.paths import shared_data_dir
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit


def spec_text(game: str, limits: dict, net: str | None) -> str:
    lines = [f'game = "{game}"', 'algorithm = "negascout"', "hash_mb = 16"]
    if net:
        lines.append(f'net = "{net}"')
    lines.append("[limits]")
    lines += [f"{k} = {v}" for k, v in limits.items()]
    return "\n".join(lines) + "\n"


def match(game: str, net_path: str, limits: dict, label: str, rounds: int, concurrency: int, folder: Path,
          openings: Path | None = None) -> dict:
    """Net vs hand-written evaluator under ``limits``; the tournament's JSON standings."""
    specs = folder / f"{label}-specs"
    specs.mkdir(parents=True, exist_ok=True)
    (specs / "net.toml").write_text(spec_text(game, limits, net_path))
    (specs / "hand.toml").write_text(spec_text(game, limits, None))
    out = folder / label
    cmd = [sys.executable, "-m", "searchprune.cli", "tournament", str(specs / "net.toml"), str(specs / "hand.toml"),
           "--rounds", str(rounds), "--concurrency", str(concurrency), "--out", str(out), "--json", "--no-progress"]
    if openings:
        cmd += ["--openings", str(openings)]
    if (out / "results.jsonl").exists():
        cmd.append("--resume")
    start = time.time()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"tournament failed: {done.stderr.strip()[-500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = round(time.time() - start, 1)
    result["command"] = " ".join(cmd[1:])
    return result


def perfect_positions(count: int) -> list[str]:
    folder = shared_data_dir() / "connect4"
    half = count // 2
    return ([line.split()[0] for line in (folder / "Test_L2_R2").read_text().splitlines()[:half]]
            + [line.split()[0] for line in (folder / "Test_L1_R2").read_text().splitlines()[:count - half]])


def perfect_share(net, nodes: int, count: int) -> dict:
    from searchprune.solvers.connect4 import Connect4Solver

    game = get_game("connect4")
    solver = Connect4Solver()
    texts = perfect_positions(count)
    best = []
    for text in texts:
        solver.reset()
        best.append(set(solver.solve(game.parse_position(text)).best_moves))
    shares = {}
    for name, searcher_net in (("net", net), ("hand", None)):
        searcher = Searcher(game, net=searcher_net)
        hits = 0
        for text, good in zip(texts, best):
            searcher.clear()
            hits += searcher.search(game.parse_position(text), Limit(nodes=nodes)).move in good
        shares[name] = hits / len(texts)
    return {"positions": len(texts), "nodes": nodes, **shares}


def _elo(estimate: dict | None) -> str:
    """``+12 ± 34``, or n/a when a one-sided score has no finite estimate."""
    if not estimate or estimate.get("elo") is None or estimate.get("error") is None:
        return "n/a"
    return f"{estimate['elo']:+.0f} ± {estimate['error']:.0f}"


def row(label: str, result: dict) -> str:
    net = next(e for e in result["engines"] if e["name"] == "net")
    return (f"| {label} | {result['games']} | {net['wins']} | {net['draws']} | {net['losses']} | {net['score']:.3f} | "
            f"{_elo(net)} | {_elo(result.get('elo_pentanomial'))} | {result['seconds']:.0f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--game", required=True, choices=["connect4", "chess", "othello"])
    parser.add_argument("--net", required=True, help="net name or path")
    parser.add_argument("--nodes", type=int, default=20000, help="node limit per move (equal nodes)")
    parser.add_argument("--time", type=float, default=0.05, help="seconds per move (equal time)")
    parser.add_argument("--rounds", type=int, default=50, help="game pairs per match")
    parser.add_argument("--time-rounds", type=int, help="game pairs of the equal-time match (default: --rounds)")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--perfect", type=int, default=300, help="Connect Four positions for the perfect-move share")
    parser.add_argument("--openings", type=Path, help="openings file (default: the game's shipped openings)")
    parser.add_argument("--work", type=Path, help="folder for the tournaments (resumable); default a temporary one")
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    args = parser.parse_args()

    net = load_net(args.net, args.game)
    folder = args.work or Path(tempfile.mkdtemp(prefix="nets-strength-"))
    results = {
        f"equal nodes ({args.nodes:,} a move)": match(args.game, str(net.path), {"nodes": args.nodes}, "nodes",
                                                     args.rounds, args.concurrency, folder, args.openings),
        f"equal time ({args.time} s a move)": match(args.game, str(net.path), {"time": args.time}, "time",
                                                   args.time_rounds or args.rounds, args.concurrency, folder, args.openings),
    }
    lines = [f"# {args.game}: net {net.name} against the hand-written evaluator", "",
             f"- command: `python bench/nets_strength.py {' '.join(sys.argv[1:])}`",
             f"- machine: {describe()}",
             f"- net: {net.name} ({net.manifest['sizes']}, {net.bytes:,} bytes), validation "
             f"{json.dumps(net.manifest.get('metrics', {}))}",
             f"- both engines: negascout, 16 MiB table, {args.openings or 'the game' + chr(39) + 's shipped openings'} "
             "with colours swapped; Elo is the net engine's (95 % error bars)", "",
             "| condition | games | net won | drawn | net lost | net score | Elo (trinomial) | Elo (pentanomial) | wall |",
             "|---|---|---|---|---|---|---|---|---|"]
    lines += [row(label, result) for label, result in results.items()]
    lines += ["", "Tournament commands (from the repository root):", ""]
    lines += [f"- `{r['command']}`" for r in results.values()]
    if args.game == "connect4" and args.perfect:
        share = perfect_share(net, args.nodes, args.perfect)
        lines += ["", f"## Perfect moves ({share['positions']} positions: Pons' Test_L2_R2 and Test_L1_R2, "
                      f"{share['nodes']:,} nodes a move)", "",
                  "| evaluator | perfect-move share |", "|---|---|",
                  f"| net | {share['net']:.1%} |", f"| hand-written | {share['hand']:.1%} |"]
    text = "\n".join(lines) + "\n"
    emit(text, args.out)


if __name__ == "__main__":
    main()
