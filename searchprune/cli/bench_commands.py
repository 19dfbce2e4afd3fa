"""`searchprune bench`: the bench signature, nodes/s, and the compression study."""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import click

from searchprune.cli.options import (
    ALGORITHM_CHOICE,
    finetune_options,
    needs_torch,
    net_option,
    tuning_folders,
)


@click.group(invoke_without_command=True)
@click.option("--game", "game_names", multiple=True, help="Only this game (repeatable).")
@click.option("--signature", is_flag=True, help="Print only the bench signature (node counts).")
@click.option("--algorithm", "algorithms", multiple=True, type=ALGORITHM_CHOICE, help="Only this algorithm.")
@click.option("--runs", type=click.IntRange(1), default=5, help="Runs per measurement.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@net_option(" (its game only); also times one evaluation")
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
    from searchprune import bench as benchmark

    net = _bench_net(net_name, game_names)
    selected = _bench_games((net.game,) if net else game_names, benchmark.SIGNATURE_POSITIONS)
    signatures = {name: benchmark.signature(name, net=net) for name in selected}
    if signature:
        return _print_bench(signatures, None, net, None, as_json)
    asked = _bench_runs(selected, algorithms, benchmark.NPS_DEPTH)
    rows = [benchmark.nodes_per_second(name, algorithm, runs=runs, net=net) for name, algorithm in asked]
    _print_bench(signatures, rows, net, benchmark.evaluation_times(net) if net else None, as_json)


def _bench_net(net_name: str | None, game_names: tuple[str, ...]):
    """The net ``--net`` names (of any game), or None; it must be of the ``--game`` asked for."""
    if net_name is None:
        return None
    from searchprune.evaluation.store import NetError, load_net, with_article

    try:
        net = load_net(net_name)
    except NetError as error:
        raise click.UsageError(str(error)) from None
    if game_names and set(game_names) != {net.game}:
        raise click.UsageError(f"{net.name} is {with_article(net.game)} net: bench it with --game {net.game}")
    return net


def _bench_games(game_names: tuple[str, ...], benched) -> list[str]:
    for name in game_names:
        if name not in benched:
            raise click.UsageError(f"no bench for game {name!r}: choose from {', '.join(sorted(benched))}")
    return list(game_names) or sorted(benched)


def _bench_runs(games: list[str], algorithms: tuple[str, ...], depths) -> list[tuple[str, str]]:
    """(game, algorithm) of every nodes/s measurement, all checked before the first one runs."""
    runs = [(name, a) for name in games for a in algorithms or sorted(depths[name])]
    for name, algorithm in runs:
        if algorithm not in depths[name]:
            raise click.UsageError(f"no {algorithm} bench for {name}: choose from {', '.join(depths[name])}")
    return runs


def _print_bench(signatures: dict[str, int], rows: list | None, net, evals: dict | None, as_json: bool) -> None:
    """The signatures alone (``rows`` None), or the nodes/s table, the signatures and the net's times."""
    if as_json:
        click.echo(json.dumps(signatures if rows is None else {
            "signature": signatures, "nps": [r.as_dict() for r in rows], "net": getattr(net, "name", None),
            "eval_us": evals}))
        return
    if rows is None:
        click.echo("\n".join(f"{name:<12} {nodes}" for name, nodes in signatures.items()))
        return
    click.echo(f"{'game':<12} {'algorithm':<10} {'depth':>5} {'nodes':>12} {'median s':>9} {'M nodes/s':>10}")
    for r in rows:
        click.echo(f"{r.game:<12} {r.algorithm:<10} {r.depth:>5} {r.nodes:>12,} {r.median_seconds:>9.3f} "
                   f"{r.nps / 1e6:>10.2f}")
    click.echo("\n".join(f"signature {name}: {nodes}" for name, nodes in signatures.items()))
    if evals:
        update = f", plus {evals['make']:.3f} us to update it per move" if "make" in evals else ""
        click.echo(f"net {net.name}: {evals['net']:.3f} us per evaluation{update} (hand-written: "
                   f"{evals['hand']:.3f} us), median over {evals['positions']} positions")


@bench.command("compression")
@click.option("--game", required=True, help="The nets' game: connect4, chess or othello.")
@click.option("--parent", help="Dense net to prune (default: the game's one dense net).")
@finetune_options(epochs=3)
@click.option("--variant", "variants", multiple=True, help="Only these variants (repeatable): 'structured 50% int8'...")
@click.option("--positions", type=click.IntRange(1), default=40, help="Search suite size.")
@click.option("--depth", type=click.IntRange(1), help="Depth for nodes-to-depth (default: the game's, 5 to 10).")
@click.option("--think", type=float, default=0.05, help="Seconds per position for depth-in-time.")
@click.option("--eval-rounds", type=click.IntRange(1), default=3)
@click.option("--rounds", type=click.IntRange(0), default=50, help="Game pairs per Elo match (0: no matches).")
@click.option("--elo-variant", "elo_variants", multiple=True, help="Play matches only for these variants.")
@click.option("--time", "move_time", type=float, default=0.02, help="Equal time: seconds a move.")
@click.option("--nodes", type=click.IntRange(1), default=5000, help="Equal nodes: nodes a move.")
@click.option("--concurrency", type=click.IntRange(1), default=2)
@click.option("--condition", "conditions", multiple=True, type=click.Choice(["time", "nodes"]),
              help="Play only these match conditions (default both; equal time wants an idle machine).")
@click.option("--openings", type=click.Path(dir_okay=False, exists=True), help="Openings for the matches.")
@click.option("--work", type=click.Path(file_okay=False), help="Resumable work folder.")
@click.option("--build-only", is_flag=True, help="Only build the variants and their static columns (size, loss).")
@click.option("--remeasure", is_flag=True, help="Drop the saved timings, searches and equal-time matches (after a "
              "kernel change); the variants and equal-node matches are kept.")
@click.option("--out", type=click.Path(file_okay=False), default="bench/results")
def bench_compression(**options) -> None:
    """Prune the game's net every way (each also int8) and measure size, loss, speed, depth and Elo."""
    try:
        from searchprune import compression
    except ImportError as error:
        raise needs_torch("the compression bench", error) from None
    from searchprune.evaluation.store import NetError

    command = f"searchprune bench compression {' '.join(sys.argv[3:])}"
    try:
        study = compression.StudyOptions(**options)
        parent = compression.choose_parent(study.game, study.parent)
        study = replace(study, parent=str(parent.path), data=tuple(map(str, tuning_folders(parent, study.data))))
        report = compression.run_study(study, command=command,
                                       log=lambda line: click.echo(line, err=True))
    except (compression.StudyError, NetError) as error:
        raise click.UsageError(str(error)) from None
    click.echo(report)
