"""The ``searchprune`` command line.

Every command validates its input and turns a ``GameError`` or a bad option into a
one-line error and a non-zero exit; results already produced are printed as they
are made, so an error later in a batch does not take them back.
"""

from __future__ import annotations

import json
import sys
import time

import click

from searchprune.games import GameError, get_game, names
from searchprune.search.limits import Limit
from searchprune.types import ALGORITHMS

ALGORITHM_CHOICE = click.Choice(sorted(ALGORITHMS))
#: FForum #21 (15 empties; OBF in lower case, which the parser accepts), a solve that runs
#: every layer of the Othello solver in milliseconds.
_OTHELLO_WARMUP = "ooooooooxooxxx--xxooxoo-xoxooo--xoooox--xooxoo--xooooo--xxxx---- o"


def _game(name: str):
    try:
        return get_game(name)
    except GameError as error:
        raise click.UsageError(str(error)) from None


def _net_option(what: str):
    return click.option("--net", "net_name", metavar="NAME|PATH",
                        help=f"Evaluate with this net (see `searchprune nets list`){what}.")


def _net(net_name: str | None, game_name: str):
    """The checked net for ``game_name``, or None; a bad net is a usage error."""
    if net_name is None:
        return None
    from searchprune.evaluation.store import NetError, load_net

    try:
        return load_net(net_name, game_name)
    except NetError as error:
        raise click.UsageError(str(error)) from None


def _limit(depth: int | None, seconds: float | None, nodes: int | None = None) -> Limit:
    """The limit the options ask for; one second a move when none is given."""
    if depth is None and seconds is None and nodes is None:
        return Limit(time=1.0)
    try:
        return Limit(depth=depth, time=seconds, nodes=nodes)
    except ValueError as error:
        raise click.UsageError(str(error)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searchprune")
def main() -> None:
    """Game-tree search engine: play, solve, benchmark."""


@main.command("games")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per game.")
def games_cmd(as_json: bool) -> None:
    """List the registered games."""
    for name in names():
        info = get_game(name).info
        if as_json:
            click.echo(json.dumps({"name": name, "players": list(info.players), "max_moves": info.max_moves,
                                   "max_plies": info.max_plies, "description": info.description}))
        else:
            click.echo(f"{name:<12} {info.description}")


@main.command()
@click.argument("game_name", metavar="GAME")
@click.option("--side", type=click.Choice(["first", "second"]), default="first", show_default=True,
              help="Which side you play.")
@click.option("--depth", type=int, help="Engine strength: search depth in plies.")
@click.option("--time", "seconds", type=float, help="Engine strength: seconds per move (default 1).")
@click.option("--algorithm", type=ALGORITHM_CHOICE, default="negascout", show_default=True)
@click.option("--hash", "tt_mb", type=float, default=16, show_default=True, help="Transposition table MiB.")
@click.option("--position", default="", help="Start from this position (the game's notation: 4453, a FEN...).")
@click.option("--color/--no-color", default=None, help="Colour the board (default: when stdout is a terminal).")
@click.option("--pgn", "record_path", type=click.Path(dir_okay=False),
              help="Chess: save the game here (default: searchprune-chess-<time>.pgn in this folder).")
@_net_option(" instead of the hand-written evaluation")
def play(game_name: str, side: str, depth: int | None, seconds: float | None, algorithm: str, tt_mb: float,
         position: str, color: bool | None, record_path: str | None, net_name: str | None) -> None:
    """Play GAME against the engine in the terminal (moves may come from stdin)."""
    from searchprune.play import PlayOptions, PlaySession

    game = _game(game_name)
    try:
        state = game.parse_position(position)
    except GameError as error:
        raise click.UsageError(str(error)) from None
    options = PlayOptions(
        human_side=0 if side == "first" else 1,
        limit=_limit(depth, seconds),
        algorithm=algorithm,
        tt_mb=tt_mb,
        color=sys.stdout.isatty() if color is None else color,
        record_path=record_path,
        net=_net(net_name, game_name),
    )
    PlaySession(game, options, sys.stdin, sys.stdout, state).run()


def _exact_solver(game_name: str):
    """The exact solver for ``game_name``, or a usage error."""
    if game_name == "connect4":
        from searchprune.solvers.connect4 import Connect4Solver

        return Connect4Solver()
    if game_name == "othello":
        from searchprune.solvers.othello import OthelloSolver

        return OthelloSolver()
    raise click.UsageError(f"no exact solver for {game_name!r}: solve supports connect4 and othello")


@main.command()
@click.argument("game_name", metavar="GAME")
@click.argument("positions", nargs=-1)
@click.option("--file", "files", type=click.File("r"), multiple=True,
              help="Positions, one per line: connect4 '<moves> [expected score]', othello OBF "
                   "('<64 squares> X; A2:+38; ...').")
@click.option("--weak", is_flag=True, help="Win/draw/loss only (score -1, 0 or 1).")
@click.option("--all-best", is_flag=True,
              help="Othello: list every optimal move, not just one (one more null-window search per move). "
                   "Connect Four always lists them.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per position.")
@_net_option(" to order moves (connect4; the scores stay exact, node counts change)")
@click.option("--net-plies", type=click.IntRange(0, 42), default=14, show_default=True,
              help="With --net: order by the net at nodes with fewer stones than this.")
def solve(game_name: str, positions: tuple[str, ...], files, weak: bool, all_best: bool, as_json: bool,
          net_name: str | None, net_plies: int) -> None:
    """Solve positions of GAME exactly (connect4, othello).

    \b
    Examples:
      searchprune solve connect4 4453
      searchprune solve othello "O--OOOOX-OOOOOOXOOXXOOOXOOXOOOXXOOOOOOXX---OOOOX----O--X-------- X"
    """
    game = _game(game_name)
    solver = _exact_solver(game_name)
    if net_name is not None:
        if game_name != "connect4":
            raise click.UsageError("--net orders the Connect Four solver only; the Othello solver keeps its own ordering")
        solver.use_net(_net(net_name, game_name), net_plies)
    extra = {"all_best": all_best} if game_name == "othello" else {}

    jobs: list[tuple[str, int | None]] = [(p, None) for p in positions]
    for handle in files:
        for line in handle:
            job = solver.parse_line(line)
            if job is not None:
                jobs.append(job)
    if not jobs:
        raise click.UsageError("give at least one position, or --file")
    failures = 0
    for text, expected in jobs:
        try:
            state = game.parse_position(text)
            solver.reset()
            result = solver.solve(state, weak=weak, **extra)
        except GameError as error:
            failures += 1
            if as_json:
                click.echo(json.dumps({"position": text, "error": str(error)}))
            else:
                click.echo(f"error: {error}", err=True)
            continue
        best = [game.format_move(state, m) for m in result.best_moves]
        record = {"position": text, "score": result.score, "best_moves": best,
                  "all_best": all_best or game_name == "connect4", "nodes": result.nodes,
                  "seconds": round(result.seconds, 6), "weak": weak}
        if expected is not None:
            record["expected"] = expected
        if as_json:
            click.echo(json.dumps(record))
        else:
            outcome = "draw" if result.score == 0 else ("win" if result.score > 0 else "loss")
            click.echo(f"{text or '(start)'}  score {result.score:+d} ({outcome} for the side to move)  "
                       f"best {' '.join(best)}  nodes {result.nodes:,}  {result.seconds:.4f} s")
    if failures:
        sys.exit(1)


@main.group(invoke_without_command=True)
@click.option("--game", "game_names", multiple=True, help="Only this game (repeatable).")
@click.option("--signature", is_flag=True, help="Print only the bench signature (node counts).")
@click.option("--algorithm", "algorithms", multiple=True, type=ALGORITHM_CHOICE, help="Only this algorithm.")
@click.option("--runs", type=click.IntRange(1), default=5, show_default=True, help="Runs per measurement.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@_net_option(" (its game only); also times one evaluation")
@click.pass_context
def bench(ctx: click.Context, game_names: tuple[str, ...], signature: bool, algorithms: tuple[str, ...], runs: int,
          as_json: bool, net_name: str | None) -> None:
    """Bench signature and nodes/s per game and algorithm (medians after warm-up).

    With --net, the searches evaluate with the net, and the report adds the time of one
    evaluation (net and hand-written) inside compiled code. `bench compression` is the
    pruning benchmark.
    """
    if ctx.invoked_subcommand is not None:
        return
    from searchprune import bench as B

    net = None
    if net_name is not None:
        from searchprune.evaluation.store import NetError, load_net

        try:
            net = load_net(net_name)
        except NetError as error:
            raise click.UsageError(str(error)) from None
        if game_names and set(game_names) != {net.game}:
            raise click.UsageError(f"{net.name} is a {net.game} net: bench it with --game {net.game}")
        game_names = (net.game,)
    selected = list(game_names) or sorted(B.SIGNATURE_POSITIONS)
    for name in selected:
        if name not in B.SIGNATURE_POSITIONS:
            raise click.UsageError(f"no bench for game {name!r}: choose from {', '.join(sorted(B.SIGNATURE_POSITIONS))}")
    signatures = {name: B.signature(name, net=net) for name in selected}
    if signature:
        if as_json:
            click.echo(json.dumps(signatures))
        else:
            for name, nodes in signatures.items():
                click.echo(f"{name:<12} {nodes}")
        return
    rows = []
    for name in selected:
        for algorithm in algorithms or sorted(B.NPS_DEPTH[name]):
            if algorithm not in B.NPS_DEPTH[name]:
                raise click.UsageError(f"no {algorithm} bench for {name}: choose from {', '.join(B.NPS_DEPTH[name])}")
            rows.append(B.nodes_per_second(name, algorithm, runs=runs, net=net))
    evals = B.evaluation_times(net) if net is not None else None
    if as_json:
        click.echo(json.dumps({"signature": signatures, "nps": [r.as_dict() for r in rows], "net": net and net.name,
                               "eval_us": evals}))
        return
    click.echo(f"{'game':<12} {'algorithm':<10} {'depth':>5} {'nodes':>12} {'median s':>9} {'M nodes/s':>10}")
    for r in rows:
        click.echo(f"{r.game:<12} {r.algorithm:<10} {r.depth:>5} {r.nodes:>12,} {r.median_seconds:>9.3f} {r.nps / 1e6:>10.2f}")
    for name, nodes in signatures.items():
        click.echo(f"signature {name}: {nodes}")
    if evals is not None:
        update = f", plus {evals['make']:.3f} us to update it per move" if "make" in evals else ""
        click.echo(f"net {net.name}: {evals['net']:.3f} us per evaluation{update} (hand-written: {evals['hand']:.3f} us), "
                   f"median over {evals['positions']} positions")


@bench.command("compression")
@click.option("--game", "game_name", required=True, type=click.Choice(["connect4", "chess", "othello"]))
@click.option("--parent", "parent_name", help="Dense net to prune (default: the game's shipped dense net).")
@click.option("--data", "data_dirs", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="Training data for fine-tuning and the validation loss (default: the parent's).")
@click.option("--limit", type=click.IntRange(1), help="Fine-tune on at most this many training positions.")
@click.option("--finetune-epochs", type=click.IntRange(0), default=3, show_default=True)
@click.option("--lr", type=float, default=3e-4, show_default=True, help="Fine-tuning learning rate.")
@click.option("--lr-schedule", type=click.Choice(["constant", "cosine"]), default="constant", show_default=True,
              help="Fine-tuning rate: constant, or annealed to zero (cosine).")
@click.option("--distil", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of the parent's own output in the fine-tuning target (knowledge distillation).")
@click.option("--variant", "only", multiple=True, help="Only these variants (repeatable; e.g. 'structured 50% int8').")
@click.option("--positions", type=click.IntRange(1), default=40, show_default=True, help="Search suite size.")
@click.option("--depth", type=click.IntRange(1), help="Depth for nodes-to-depth (default: connect4 10, chess 5, othello 6).")
@click.option("--think", type=float, default=0.05, show_default=True, help="Seconds per position for depth-in-time.")
@click.option("--eval-rounds", type=click.IntRange(1), default=3, show_default=True)
@click.option("--rounds", type=click.IntRange(0), default=50, show_default=True,
              help="Game pairs per Elo match (0: no matches).")
@click.option("--elo-variant", "elo_only", multiple=True, help="Play matches only for these variants.")
@click.option("--time", "move_time", type=float, default=0.02, show_default=True, help="Equal time: seconds a move.")
@click.option("--nodes", type=click.IntRange(1), default=5000, show_default=True, help="Equal nodes: nodes a move.")
@click.option("--concurrency", type=click.IntRange(1), default=2, show_default=True)
@click.option("--condition", "conditions", multiple=True, type=click.Choice(["time", "nodes"]),
              help="Play only these match conditions (default both; equal time wants an idle machine).")
@click.option("--openings", type=click.Path(dir_okay=False, exists=True), help="Openings for the matches.")
@click.option("--work", "work_dir", type=click.Path(file_okay=False), help="Resumable work folder.")
@click.option("--build-only", is_flag=True, help="Only build the variants and their static columns (size, loss).")
@click.option("--remeasure", is_flag=True, help="Drop the saved timings, searches and equal-time matches (after a "
              "kernel change); the variants and equal-node matches are kept.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="bench/results", show_default=True)
def bench_compression(game_name, parent_name, data_dirs, limit, finetune_epochs, lr, lr_schedule, distil, only,
                      positions, depth, think, eval_rounds, rounds, elo_only, move_time, nodes, concurrency, conditions, openings, work_dir,
                      build_only, remeasure, out_dir) -> None:
    """Prune the game's net every way (each also int8) and measure size, loss, speed, depth and Elo."""
    from pathlib import Path

    try:
        from searchprune.nets import compression as C
        from searchprune.nets.prune.schedule import tuning_data
    except ImportError as error:
        raise click.ClickException(f"the compression bench needs torch: pip install 'searchprune[nets]' ({error})") from None
    from searchprune.bench import bench_positions
    from searchprune.config import cache_dir
    from searchprune.evaluation.store import NetError, list_nets, load_net

    try:
        if parent_name:
            parent = load_net(parent_name, game_name)
        else:
            dense = [n for _, n in list_nets() if not isinstance(n, Exception) and n.game == game_name
                     and n.format == "dense" and not n.quant and not n.manifest.get("prune")]
            if len(dense) != 1:
                raise NetError(f"{len(dense)} dense {game_name} nets found: choose one with --parent")
            parent = dense[0]
    except NetError as error:
        raise click.UsageError(str(error)) from None
    folders = [Path(d) for d in data_dirs] or _parent_data(parent)
    if not folders:
        raise click.UsageError("the parent's training data is not on this machine: give --data")
    keys = [v.key for v in C.VARIANTS]
    for key in only + elo_only:
        if key not in keys:
            raise click.UsageError(f"unknown variant {key!r}: choose from {', '.join(keys)}")
    variants = [v for v in C.VARIANTS if not only or v.key in only]
    data = tuning_data(parent, folders, limit)
    work = Path(work_dir) if work_dir else cache_dir() / f"compression-{game_name}"
    try:
        bench_run = C.Bench(parent, work, data, finetune_epochs=finetune_epochs, lr=lr, distil=distil,
                            lr_schedule=lr_schedule, log=lambda text: click.echo(text, err=True))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if remeasure:
        bench_run.forget_timings([v.key for v in variants])
    nets = {v.key: bench_run.build(v) for v in variants}
    for v in variants:
        bench_run.static(v, nets[v.key])
    depth = depth or {"connect4": 10, "chess": 5, "othello": 6}[game_name]
    if not build_only:
        click.echo("timing evaluations", err=True)
        bench_run.eval_times(nets, eval_rounds)
        suite = bench_positions(game_name, count=positions, seed=1)
        for key, net in nets.items():
            click.echo(f"searching: {key}", err=True)
            bench_run.search(key, net, suite, depth, think)
    if rounds and not build_only:
        for key, net in nets.items():
            if key == "dense" or (elo_only and key not in elo_only):
                continue
            for condition, limits in (("time", {"time": move_time}), ("nodes", {"nodes": nodes})):
                if conditions and condition not in conditions:
                    continue
                click.echo(f"match: {key} vs dense, equal {condition}", err=True)
                try:
                    bench_run.elo(key, net, condition, limits, rounds, concurrency, Path(openings) if openings else None)
                except RuntimeError as error:  # one failed match loses nothing already measured
                    click.echo(f"skipped: {error}", err=True)
    settings = [
        (f"variants: one-shot pruning by magnitude (l1), then {finetune_epochs} epochs of fine-tuning (Adam, lr {lr}"
         + (", annealed to zero (cosine)" if lr_schedule == "cosine" else "")
         + (f"; target: {distil:g} x the parent's own output + {1 - distil:g} x the label (distillation)" if distil else "")
         + f") on {data.description['train_positions']:,} training positions with the masks held; int8 = the float "
         "variant quantised afterwards (int16 first layer, int8 second layer)"),
        (f"validation loss: the parent's {data.description['val_positions']:,} held-out positions (its own split), "
         "on the net as stored"),
        (f"µs/eval: compiled evaluation from the accumulators, median of {eval_rounds} interleaved rounds "
         "(speed-up against dense in brackets)"),
        (f"search: negascout, 16 MiB table cleared per position, {positions} positions of random play (seed 1); "
         f"nodes/s and mean nodes to depth {depth}; mean depth reached in {think} s"),
        ("Elo: the variant's, against the dense parent, through `searchprune tournament` (negascout, 16 MiB, "
         "openings played with colours swapped); 95 % error bars; games in brackets; the limits of each match "
         f"are in `compression_{game_name}.json` (this run: equal time {move_time} s a move, equal nodes "
         f"{nodes:,} a move, {openings or 'the game' + chr(39) + 's shipped openings'})"),
    ]
    command = f"searchprune bench compression {' '.join(sys.argv[3:])}"
    click.echo(C.write_report(bench_run, [v.key for v in variants], Path(out_dir), command, settings))


@main.command()
@click.argument("game_names", nargs=-1, metavar="[GAME]...")
def warmup(game_names: tuple[str, ...]) -> None:
    """Compile (or load from the cache) the search for each game, so play starts fast."""
    from searchprune.search.driver import Searcher

    for name in game_names or names():
        game = _game(name)
        start = time.perf_counter()
        Searcher(game).search(game.new_state(), Limit(depth=2))
        if name == "connect4":
            from searchprune.solvers.connect4 import Connect4Solver

            Connect4Solver(tt_log2=10).solve(game.parse_position("4453"))
        if name == "othello":
            from searchprune.solvers.othello import OthelloSolver

            OthelloSolver(tt_mib=1).solve(game.parse_position(_OTHELLO_WARMUP), all_best=True)
        click.echo(f"{name:<12} ready in {time.perf_counter() - start:.2f} s")


@main.command()
@click.argument("position")
@click.argument("depth", type=click.IntRange(0, 20))
@click.option("--game", "game_name", default="chess", show_default=True, help="Game of the position.")
@click.option("--divide", is_flag=True, help="Also count the leaves below each legal move.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: nodes, seconds (and divide).")
def perft(position: str, depth: int, game_name: str, divide: bool, as_json: bool) -> None:
    """Count the leaves of the legal-move tree DEPTH plies below POSITION (a FEN for chess).

    The move generator's standard correctness test. Compilation is done before the clock
    starts, so ``seconds`` is the count itself.
    """
    from searchprune.search.driver import Searcher

    game = _game(game_name)
    try:
        state = game.parse_position(position)
    except GameError as error:
        raise click.UsageError(str(error)) from None
    searcher = Searcher(game, tt_mb=0.0625)
    searcher.perft(state, 1)  # compile or load the kernels outside the timing
    start = time.perf_counter()
    parts: dict[str, int] = {}
    if divide and depth > 0:
        for move in game.legal_moves(state):
            child = state.copy()
            game.play(child, move)
            parts[game.move_name(state, move)] = searcher.perft(child, depth - 1)
        nodes = sum(parts.values())
    else:
        nodes = searcher.perft(state, depth)
    seconds = time.perf_counter() - start
    if as_json:
        out = {"nodes": nodes, "seconds": round(seconds, 6), "depth": depth}
        if divide:
            out["divide"] = parts
        click.echo(json.dumps(out))
        return
    for name, count in parts.items():
        click.echo(f"{name}: {count}")
    rate = f", {nodes / seconds / 1e6:.1f} M leaves/s" if seconds > 0 else ""
    click.echo(f"{'' if not parts else chr(10)}Nodes searched: {nodes}  ({seconds:.3f} s{rate})")


@main.command()
@click.argument("game_name", metavar="GAME")
@click.argument("position", default="")
@click.option("--depth", type=int, help="Search depth in plies.")
@click.option("--time", "seconds", type=float, help="Seconds to search.")
@click.option("--nodes", type=int, help="Nodes to search.")
@click.option("--algorithm", type=ALGORITHM_CHOICE, default="negascout", show_default=True)
@click.option("--hash", "tt_mb", type=float, default=16, show_default=True, help="Transposition table MiB.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per iteration.")
@_net_option("")
def analyse(game_name: str, position: str, depth, seconds, nodes, algorithm: str, tt_mb: float, as_json: bool,
            net_name: str | None) -> None:
    """Search POSITION of GAME and print each iteration (depth, score, nodes, PV)."""
    from searchprune.search.driver import Searcher
    from searchprune.types import format_score

    game = _game(game_name)
    try:
        state = game.parse_position(position)
        searcher = Searcher(game, algorithm=algorithm, tt_mb=tt_mb, net=_net(net_name, game_name))
    except (GameError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    limit = _limit(depth, seconds, nodes)

    def pv_text(pv: list[int]) -> str:
        work = state.copy()
        words = []
        for move in pv:
            words.append(game.format_move(work, move))
            game.play(work, move)
        return " ".join(words)

    def report(info) -> None:
        if as_json:
            click.echo(json.dumps(dict(info.as_dict(), pv=pv_text(info.pv).split())))
        else:
            click.echo(f"depth {info.depth:>3}  score {format_score(info.score):>12}  nodes {info.nodes:>12,}  "
                       f"{info.time:7.3f} s  {info.nps / 1e6:6.2f} Mn/s  tt {info.tt_hit_rate:4.0%}  "
                       f"first-cut {info.first_cutoff_rate:4.0%}  pv {pv_text(info.pv)}")

    try:
        result = searcher.search(state, limit, on_iteration=report)
    except GameError as error:
        raise click.UsageError(str(error)) from None
    if not as_json:
        click.echo(f"bestmove {game.format_move(state, result.move)}")


def _sprt_option(text: str | None):
    """``"elo0=0 elo1=5 alpha=0.05 beta=0.05"`` (commas or spaces) as an ``SprtConfig``."""
    if not text:
        return None
    from searchprune.arena.tournament import SprtConfig

    values = {}
    for item in text.replace(",", " ").split():
        key, _, value = item.partition("=")
        if key not in ("elo0", "elo1", "alpha", "beta") or not value:
            raise click.UsageError(f"bad --sprt item {item!r}: expected elo0=, elo1=, alpha=, beta=")
        try:
            values[key] = float(value)
        except ValueError:
            raise click.UsageError(f"bad --sprt value {item!r}: not a number") from None
    if "elo0" not in values or "elo1" not in values or values["elo0"] >= values["elo1"]:
        raise click.UsageError("--sprt needs elo0 < elo1, e.g. --sprt 'elo0=0 elo1=10'")
    if not all(0 < values.get(k, 0.05) < 0.5 for k in ("alpha", "beta")):
        raise click.UsageError("--sprt alpha and beta must be in (0, 0.5)")
    return SprtConfig(**values)


@main.command()
@click.argument("engine_names", nargs=-1, required=True, metavar="ENGINE...")
@click.option("--mode", type=click.Choice(["roundrobin", "gauntlet"]), default="roundrobin", show_default=True,
              help="gauntlet: the first engine against each of the others.")
@click.option("--rounds", type=click.IntRange(1), default=10, show_default=True,
              help="Game pairs per pairing (one opening each, colours swapped within the pair).")
@click.option("--openings", "openings_path", type=click.Path(dir_okay=False),
              help="Openings file, one per line (default: games/<game>/openings.txt when it exists).")
@click.option("--concurrency", type=click.IntRange(1), default=1, show_default=True, help="Games in parallel.")
@click.option("--cluster", help="Dask scheduler address (tcp://host:port) instead of local processes.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for results.jsonl and games.pgn.")
@click.option("--resume", is_flag=True, help="Continue the tournament saved in --out.")
@click.option("--sprt", "sprt_text", help="Stop early on a decision: 'elo0=0 elo1=10 alpha=0.05 beta=0.05' "
                                          "(two engines; Elo of the first over the second).")
@click.option("--max-plies", type=click.IntRange(1), help="Adjudicate a draw after this many plies.")
@click.option("--resign", "resign", nargs=2, type=int, metavar="SCORE MOVES",
              help="An engine scoring <= -SCORE for MOVES of its moves in a row loses.")
@click.option("--draw", "draw", nargs=3, type=int, metavar="SCORE PLIES AFTER",
              help="Both engines within SCORE of 0 for PLIES plies, after ply AFTER: a draw.")
@click.option("--json", "as_json", is_flag=True, help="Print the final standings as one JSON object.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
def tournament(engine_names, mode, rounds, openings_path, concurrency, cluster, out_dir, resume, sprt_text,
               max_plies, resign, draw, as_json, progress) -> None:
    """Play ENGINE specs (names in engines/ or .toml paths) against each other.

    \b
    Examples:
      searchprune tournament c4-negascout-d6 c4-alphabeta-d6 --rounds 20 --concurrency 2
      searchprune tournament c4-negascout-d8 c4-negascout-d6 --sprt 'elo0=0 elo1=50'
      searchprune tournament c4-negascout-d6 c4-random --out runs/x --resume
    """
    import datetime as _dt
    from pathlib import Path

    from searchprune.arena.executors import Executors
    from searchprune.arena.match import Adjudication
    from searchprune.arena.records import ResultsError
    from searchprune.arena.tournament import Tournament, TournamentError, print_report, read_openings, run
    from searchprune.engines.spec import SpecError, load_spec
    from searchprune.paths import repo_root

    try:
        specs = [load_spec(name) for name in engine_names]
    except SpecError as error:
        raise click.UsageError(str(error)) from None
    game_name = specs[0].game
    _game(game_name)
    sprt = _sprt_option(sprt_text)
    if sprt is not None and len(specs) != 2:
        raise click.UsageError("--sprt needs exactly two engines")
    try:
        default_openings = repo_root() / "games" / game_name / "openings.txt"
        openings = (read_openings(Path(openings_path)) if openings_path
                    else read_openings(default_openings) if default_openings.exists() else [""])
        game = _game(game_name)
        for opening in openings:
            game.parse_position(opening)
        adjudication = Adjudication(
            max_plies=max_plies,
            resign_score=resign[0] if resign else None, resign_moves=resign[1] if resign else 3,
            draw_score=draw[0] if draw else None, draw_moves=draw[1] if draw else 8,
            draw_after=draw[2] if draw else 20,
        )
        event = Tournament(game=game_name, engines=specs, openings=openings, rounds=rounds, mode=mode,
                           adjudication=adjudication)
    except (TournamentError, GameError) as error:
        raise click.UsageError(str(error)) from None
    if resume and not out_dir:
        raise click.UsageError("--resume needs --out (the folder of the tournament to continue)")
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out_dir or f"tournament-{game_name}-{stamp}")

    show = sys.stderr.isatty() if progress is None else progress
    bar = None

    def on_game(record, done, total):
        nonlocal bar
        if not show:
            return
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, initial=done, unit="game", file=sys.stderr, dynamic_ncols=True)
            return
        bar.update(1)
        bar.set_postfix_str(f"{record['first']} {record['result']} {record['second']}", refresh=False)

    try:
        executors = Executors(specs, concurrency=concurrency, cluster=cluster)
    except (RuntimeError, SpecError, GameError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    try:
        outcome = run(event, folder, executors, resume=resume, sprt=sprt, progress=on_game)
    except (TournamentError, ResultsError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: finished games are saved in {folder}; continue with "
                   f"--out {folder} --resume", err=True)
        sys.exit(130)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        click.echo(json.dumps(dict(outcome.as_dict(event), out=str(folder))))
    else:
        print_report(outcome, event)
        click.echo(f"\nresults: {folder / 'results.jsonl'}  games: {folder / 'games.pgn'}")


@main.group()
def nets() -> None:
    """List, inspect and check evaluation nets; generate their training data."""


def _net_rows() -> list[tuple]:
    from searchprune.evaluation.store import list_nets

    return list_nets()


@nets.command("list")
@click.option("--game", "game_name", help="Only nets for this game.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per net.")
def nets_list(game_name: str | None, as_json: bool) -> None:
    """Shipped nets (nets/ in the repository) and user nets ($SEARCHPRUNE_NETS or
    ~/.local/share/searchprune/nets), with size and validation metrics. Files that do not
    check out are listed with the reason."""
    from searchprune.evaluation.store import shipped_dir

    for path, net in _net_rows():
        if isinstance(net, Exception):
            if as_json:
                click.echo(json.dumps({"path": str(path), "error": str(net)}))
            else:
                click.echo(f"{path.name:<44} BAD: {net}")
            continue
        if game_name and net.game != game_name:
            continue
        row = dict(net.summary(), shipped=path.parent.resolve() == shipped_dir().resolve())
        if as_json:
            click.echo(json.dumps(row))
            continue
        loss = row["metrics"].get("loss")
        layout = row["format"] + (" int8" if row["quant"] else "")
        click.echo(f"{row['name']:<44} {row['game']:<9} {'x'.join(map(str, row['sizes'])):<14} {layout:<10} "
                   f"{row['bytes'] / 1024:>8.1f} KiB  params {row['parameters']:>8,}  non-zero {row['nonzeros']:>8,}  "
                   f"val loss {'-' if loss is None else f'{loss:.4g}'}  {'shipped' if row['shipped'] else 'user'}")


@nets.command("show")
@click.argument("net_name", metavar="NAME|PATH")
def nets_show(net_name: str) -> None:
    """Print a net's manifest (architecture, hashes, parent, training data, metrics)."""
    from searchprune.evaluation.store import NetError, load_net

    try:
        net = load_net(net_name)
    except NetError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(dict(net.manifest, path=str(net.path), bytes=net.bytes), indent=2, sort_keys=True))


@nets.command("verify")
@click.argument("paths", nargs=-1, required=True, metavar="NAME|PATH...")
@click.option("--game", "game_name", help="Also require nets for this game.")
def nets_verify(paths: tuple[str, ...], game_name: str | None) -> None:
    """Check net files (hash, architecture, game); exit 1 if any is bad, with one line each."""
    from searchprune.evaluation.store import NetError, load_net

    bad = 0
    for name in paths:
        try:
            net = load_net(name, game_name)
        except NetError as error:
            bad += 1
            click.echo(f"BAD {name}: {error}", err=True)
            continue
        click.echo(f"ok  {net.path}  {net.game} {net.manifest['arch']} sha256 {net.manifest['sha256'][:16]}")
    if bad:
        sys.exit(1)


@nets.command("data")
@click.argument("game_name", metavar="GAME")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Data folder (shards + config.json); an existing one with the same settings resumes.")
@click.option("--games", type=click.IntRange(1), required=True, help="Self-play games to play and label.")
@click.option("--shard-games", type=click.IntRange(1), default=50, show_default=True, help="Games per shard file.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--concurrency", type=click.IntRange(1), default=1, show_default=True, help="Worker processes.")
@click.option("--cluster", help="Dask scheduler address (tcp://host:port) instead of local processes.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A labelling setting (e.g. teacher_depth=8, exact_from=12); repeatable.")
def nets_data(game_name, out_dir, games, shard_games, seed, concurrency, cluster, settings) -> None:
    """Generate labelled training positions for GAME from self-play (resumable)."""
    from pathlib import Path

    from searchprune.nets.data import generate
    from searchprune.nets.dataset import DataError

    _game(game_name)
    options = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--set takes KEY=VALUE, got {item!r}")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    try:
        summary = generate(game_name, Path(out_dir), games=games, shard_games=shard_games, seed=seed,
                           concurrency=concurrency, cluster=cluster, progress=sys.stderr.isatty(), **options)
    except (DataError, TypeError, ValueError) as error:
        raise click.ClickException(" ".join(str(error).split())) from None
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: finished shards are kept in {out_dir}; run the same command to resume", err=True)
        sys.exit(130)
    click.echo(json.dumps(summary))


@main.command()
@click.argument("game_name", metavar="GAME")
@click.option("--data", "data_dirs", multiple=True, required=True, type=click.Path(file_okay=False, exists=True),
              help="Data folder made by `searchprune nets data` (repeatable).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Run folder: checkpoint, report.json/md, loss.png.")
@click.option("--hidden", type=click.IntRange(1), default=128, show_default=True, help="First hidden layer width.")
@click.option("--epochs", type=click.IntRange(1), default=30, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=1024, show_default=True)
@click.option("--lr", type=float, default=1e-3, show_default=True)
@click.option("--lr-drop", type=float, default=1.0, show_default=True,
              help="Multiply the learning rate by this after an epoch without a better validation loss.")
@click.option("--weight-decay", type=float, default=0.0, show_default=True)
@click.option("--patience", type=click.IntRange(1), default=4, show_default=True,
              help="Stop after this many epochs without a better validation loss.")
@click.option("--val-fraction", type=float, default=0.1, show_default=True, help="Share of games held out.")
@click.option("--result-weight", type=float, default=0.0, show_default=True,
              help="Blend of the game result into the target (0: labels only).")
@click.option("--mirror", is_flag=True, help="Add each training position's mirror image (connect4, othello).")
@click.option("--factorise", is_flag=True,
              help="Train shared per-piece-type weights too (folded into the first layer at export).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=click.IntRange(1), help="torch threads.")
@click.option("--resume", is_flag=True, help="Continue the run saved in --out.")
@click.option("--export-to", "export_dir", type=click.Path(file_okay=False),
              help="Folder for the trained net (default: the user's nets folder).")
@click.option("--parent", help="Name of the net this one derives from (recorded in the manifest).")
def train(game_name, data_dirs, out_dir, hidden, epochs, batch_size, lr, lr_drop, weight_decay, patience, val_fraction,
          result_weight, mirror, factorise, seed, threads, resume, export_dir, parent) -> None:
    """Train a net for GAME on labelled positions and export the best epoch's weights."""
    from pathlib import Path

    try:
        from searchprune.nets.train import TrainConfig
        from searchprune.nets.train import train as run_training
    except ImportError as error:
        raise click.ClickException(f"training needs torch: pip install 'searchprune[nets]' ({error})") from None
    from searchprune.nets.dataset import DataError
    from searchprune.evaluation.store import user_dir

    _game(game_name)
    try:
        config = TrainConfig(game=game_name, hidden=hidden, epochs=epochs, batch_size=batch_size, lr=lr,
                             weight_decay=weight_decay, seed=seed, patience=patience, val_fraction=val_fraction,
                             result_weight=result_weight, threads=threads, mirror=mirror,
                             factorise=factorise, lr_drop=lr_drop)
        result = run_training(config, [Path(d) for d in data_dirs], Path(out_dir), resume=resume,
                              progress=sys.stderr.isatty(), export_to=Path(export_dir) if export_dir else user_dir(),
                              parent=parent)
    except (DataError, ValueError) as error:
        raise click.ClickException(" ".join(str(error).split())) from None
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: the last finished epoch is saved in {out_dir}; continue with --resume",
                   err=True)
        sys.exit(130)
    click.echo(f"best epoch {result.best_epoch}: {json.dumps(result.metrics)}")
    click.echo(f"net: {result.net_path}\nreport: {result.report}")


@main.command()
@click.argument("net_name", metavar="NET")
@click.option("--method", required=True, type=click.Choice(["unstructured", "structured", "2:4", "structured+2:4"]),
              help="What is removed: single weights, whole hidden units, 2 of every 4 input weights, or units then 2:4.")
@click.option("--amount", type=float, help="Share pruned: of the weights (unstructured), of the hidden units "
              "(structured, structured+2:4); 2:4 is always 0.5.")
@click.option("--criterion", type=click.Choice(["l1", "l2", "taylor", "activation"]), default="l1", show_default=True,
              help="Importance of a weight: magnitude, |w * dL/dw|, or |w| * ||input||.")
@click.option("--scope", type=click.Choice(["local", "global"]), default="local", show_default=True,
              help="Unstructured: the same share per layer, or one threshold over both.")
@click.option("--floor", type=float, default=0.02, show_default=True, help="Global scope: share of each layer always kept.")
@click.option("--schedule", type=click.Choice(["one-shot", "iterative", "agp", "lottery"]), default="one-shot",
              show_default=True, help="How the amount is reached (lottery: rewind to the parent's weights each round).")
@click.option("--steps", type=click.IntRange(1), default=1, show_default=True, help="Steps of the schedule.")
@click.option("--finetune-epochs", type=click.IntRange(0), default=0, show_default=True,
              help="Epochs of fine-tuning after each step, with the pruned weights held at zero.")
@click.option("--lr", type=float, default=3e-4, show_default=True, help="Fine-tuning learning rate.")
@click.option("--lr-schedule", type=click.Choice(["constant", "cosine"]), default="constant", show_default=True,
              help="Keep the rate, or anneal it to zero over each step's fine-tuning (cosine).")
@click.option("--distil", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of the parent's own output in the fine-tuning target (knowledge distillation).")
@click.option("--batch-size", type=click.IntRange(1), default=1024, show_default=True)
@click.option("--data", "data_dirs", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="Training data (repeatable); default: the parent's, where it still exists.")
@click.option("--limit", type=click.IntRange(1), help="Fine-tune on at most this many training positions.")
@click.option("--format", "fmt", type=click.Choice(["dense", "2:4", "csr"]),
              help="Stored layout (default: csr for unstructured, 2:4 for the 2:4 methods, dense for structured).")
@click.option("--quant", type=click.Choice(["none", "int8"]), default="none", show_default=True,
              help="Quantise after pruning: int16 first layer, int8 second layer.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the net (default: nets/).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=click.IntRange(1), help="torch threads.")
def prune(net_name, method, amount, criterion, scope, floor, schedule, steps, finetune_epochs, lr, lr_schedule, distil,
          batch_size, data_dirs, limit, fmt, quant, out_dir, seed, threads) -> None:
    """Prune NET and write the pruned net, with its recipe in the manifest."""
    from pathlib import Path

    try:
        import torch

        from searchprune.nets.prune import PruneConfig
        from searchprune.nets.prune.schedule import prune_net, tuning_data
    except ImportError as error:
        raise click.ClickException(f"pruning needs torch: pip install 'searchprune[nets]' ({error})") from None
    from searchprune.nets.dataset import DataError
    from searchprune.evaluation.store import NetError, load_net, read_net, shipped_dir

    try:
        parent = load_net(net_name)
        config = PruneConfig(method=method, amount=amount, criterion=criterion, scope=scope, floor=floor,
                             schedule=schedule, steps=steps, finetune_epochs=finetune_epochs, lr=lr,
                             lr_schedule=lr_schedule, distil=distil, batch_size=batch_size, seed=seed)
        folders = [Path(d) for d in data_dirs] or _parent_data(parent)
        if config.needs_data and not folders:
            raise click.UsageError("this recipe fine-tunes or uses a data-aware criterion: give --data "
                                   "(the parent's training data is not on this machine)")
        if threads:
            torch.set_num_threads(threads)
        data = tuning_data(parent, folders, limit) if folders else None
        path = prune_net(parent, config, Path(out_dir) if out_dir else shipped_dir(), data=data, fmt=fmt,
                         quant=None if quant == "none" else quant, progress=sys.stderr.isatty())
        net = read_net(path)
    except (DataError, NetError, ValueError) as error:
        raise click.ClickException(" ".join(str(error).split())) from None
    sparsity = net.manifest["prune"]["sparsity"]
    loss = net.manifest["metrics"].get("loss")
    click.echo(f"net: {path}")
    click.echo(f"hidden {parent.hidden} -> {net.hidden}, prunable weights zero {sparsity['prunable']:.1%}, "
               f"non-zeros {net.nonzeros():,} of {parent.nonzeros():,}, {net.bytes:,} bytes (parent {parent.bytes:,})"
               + (f", validation loss {loss:.5g} (parent {parent.manifest['metrics'].get('loss', float('nan')):.5g})"
                  if loss is not None else ""))


def _parent_data(parent) -> list:
    """The parent's training data folders, if every one of them is still on this machine."""
    from pathlib import Path

    folders = [Path(f["path"]) for f in parent.manifest.get("training", {}).get("data", {}).get("folders", [])
               if isinstance(f, dict) and "path" in f]
    return folders if folders and all(f.is_dir() for f in folders) else []


# Registered last: the UCI engine lives with the engines, not among the commands above.
from searchprune.engines.uci import uci_command

main.add_command(uci_command)


if __name__ == "__main__":
    main()
