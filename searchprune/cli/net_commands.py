"""The commands that make and inspect nets: nets list/show/verify/data, train, prune."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from searchprune.cli.options import (
    finetune_options,
    game_or_usage,
    needs_torch,
    tuning_folders,
)
from searchprune.search.interrupt import exit_interrupted


@click.group()
def nets() -> None:
    """List, inspect and check evaluation nets; generate their training data."""


@nets.command("list")
@click.option("--game", "game_name", help="Only nets for this game.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per net.")
def nets_list(game_name: str | None, as_json: bool) -> None:
    """Shipped nets (nets/ in the repository) and user nets ($SEARCHPRUNE_NETS or
    ~/.local/share/searchprune/nets), with size and validation metrics. Files that do not
    check out are listed with the reason."""
    from searchprune.evaluation.store import list_nets, shipped_dir

    if not as_json:
        click.echo(_NETS_HEADER)
    for path, net in list_nets():
        if isinstance(net, Exception):
            click.echo(json.dumps({"path": str(path), "error": str(net)}) if as_json else f"{path.name:<44} BAD: {net}")
        elif not game_name or net.game == game_name:
            row = dict(net.summary(), shipped=path.parent.resolve() == shipped_dir().resolve())
            click.echo(json.dumps(row) if as_json else _net_line(row))


_NETS_HEADER = (f"{'name':<44} {'game':<9} {'sizes':<14} {'layout':<10} {'file':>12}  "
                "weights (all, non-zero), validation loss, shipped or user")


def _net_line(row: dict) -> str:
    loss = row["metrics"].get("loss")
    layout = row["format"] + (" int8" if row["quant"] else "")
    return (f"{row['name']:<44} {row['game']:<9} {'x'.join(map(str, row['sizes'])):<14} {layout:<10} "
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
        raise click.UsageError(str(error)) from None
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
@click.option("--shard-games", type=click.IntRange(1), default=50, help="Games per shard file.")
@click.option("--seed", type=int, default=0)
@click.option("--concurrency", type=click.IntRange(1), default=1, help="Worker processes.")
@click.option("--cluster", help="Dask scheduler address (tcp://host:port) instead of local processes.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A labelling setting (e.g. teacher_depth=8, exact_from=12); repeatable.")
def nets_data(game_name, out_dir, settings, **options) -> None:
    """Generate labelled training positions for GAME from self-play (resumable)."""
    from searchprune.nets.data import generate
    from searchprune.nets.dataset import DataError

    game_or_usage(game_name)
    try:
        summary = generate(game_name, Path(out_dir), progress=sys.stderr.isatty(), **options, **_settings(settings))
    except (DataError, TypeError, ValueError) as error:
        raise click.ClickException(" ".join(str(error).split())) from None
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: finished shards are kept in {out_dir}; run the same command to resume", err=True)
        exit_interrupted()
    click.echo(json.dumps(summary))


def _settings(items: tuple[str, ...]) -> dict:
    """``KEY=VALUE`` items as a dict, each value read as JSON where it is JSON, else as a string."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--set takes KEY=VALUE, got {item!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


@click.command()
@click.argument("game_name", metavar="GAME")
@click.option("--data", "data_dirs", multiple=True, required=True, type=click.Path(file_okay=False, exists=True),
              help="Data folder made by `searchprune nets data` (repeatable).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Run folder: checkpoint, report.json/md, loss.png.")
@click.option("--hidden", type=click.IntRange(1), default=128, help="First hidden layer width.")
@click.option("--epochs", type=click.IntRange(1), default=30)
@click.option("--batch-size", type=click.IntRange(1), default=1024)
@click.option("--lr", type=float, default=1e-3)
@click.option("--lr-drop", type=float, default=1.0,
              help="Multiply the learning rate by this after an epoch without a better validation loss.")
@click.option("--weight-decay", type=float, default=0.0)
@click.option("--patience", type=click.IntRange(1), default=4,
              help="Stop after this many epochs without a better validation loss.")
@click.option("--val-fraction", type=float, default=0.1, help="Share of games held out.")
@click.option("--result-weight", type=float, default=0.0,
              help="Blend of the game result into the target (0: labels only).")
@click.option("--mirror", is_flag=True, help="Add each training position's mirror image (connect4, othello).")
@click.option("--factorise", is_flag=True,
              help="Train shared per-piece-type weights too (folded into the first layer at export).")
@click.option("--seed", type=int, default=0)
@click.option("--threads", type=click.IntRange(1), help="torch threads.")
@click.option("--resume", is_flag=True, help="Continue the run saved in --out.")
@click.option("--export-to", "export_dir", type=click.Path(file_okay=False),
              help="Folder for the trained net (default: the user's nets folder).")
@click.option("--parent", help="Name of the net this one derives from (recorded in the manifest).")
def train(game_name, data_dirs, out_dir, resume, export_dir, parent, **config) -> None:
    """Train a net for GAME on labelled positions and export the best epoch's weights."""
    try:
        from searchprune.nets.train import TrainConfig
        from searchprune.nets.train import train as run_training
    except ImportError as error:
        raise needs_torch("training", error) from None
    from searchprune.evaluation.store import user_dir
    from searchprune.nets.dataset import DataError

    game_or_usage(game_name)
    try:
        result = run_training(TrainConfig(game=game_name, **config), [Path(d) for d in data_dirs], Path(out_dir),
                              resume=resume, progress=sys.stderr.isatty(), parent=parent,
                              export_to=Path(export_dir) if export_dir else user_dir())
    except (DataError, ValueError) as error:
        raise click.ClickException(" ".join(str(error).split())) from None
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: the last finished epoch is saved in {out_dir}; continue with --resume", err=True)
        exit_interrupted()
    click.echo(f"best epoch {result.best_epoch}: {json.dumps(result.metrics)}")
    click.echo(f"net: {result.net_path}\nreport: {result.report}")


@click.command()
@click.argument("net_name", metavar="NET")
@click.option("--method", required=True,
              type=click.Choice(["unstructured", "structured", "2:4", "structured+2:4", "hybrid"]),
              help="What is removed: single weights, hidden units, 2 of every 4 input weights, units then 2:4, "
                   "or (hybrid, chess-dual nets) single weights then the units left mostly empty.")
@click.option("--amount", type=float, help="Share pruned: of the weights (unstructured), of the hidden units "
              "(structured, structured+2:4); 2:4 is always 0.5.")
@click.option("--criterion", type=click.Choice(["l1", "l2", "taylor", "obd", "activation", "random", "obs"]),
              default="l1", help="Importance of a weight: magnitude, |w * dL/dw|, Optimal Brain Damage, "
              "|w| * ||input||, random (the baseline), or (chess-dual nets) layer-wise Optimal Brain Surgeon.")
@click.option("--scope", type=click.Choice(["local", "global"]), default="local",
              help="Unstructured: the same share per layer, or one threshold over both.")
@click.option("--floor", type=float, default=0.02, help="Global scope: share of each layer always kept.")
@click.option("--schedule", type=click.Choice(["one-shot", "iterative", "agp", "lottery"]), default="one-shot",
              help="How the amount is reached (lottery: rewind to the parent's weights each round).")
@click.option("--steps", type=click.IntRange(1), default=1, help="Steps of the schedule.")
@finetune_options(epochs=0)
@click.option("--batch-size", type=click.IntRange(1), default=1024)
@click.option("--format", "fmt", type=click.Choice(["dense", "2:4", "csr"]),
              help="Stored layout (default: csr for unstructured, 2:4 for the 2:4 methods, dense for structured).")
@click.option("--quant", type=click.Choice(["none", "int8"]), default="none",
              help="Quantise after pruning: int16 first layer, int8 second layer.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the net (default: nets/).")
@click.option("--seed", type=int, default=0)
@click.option("--threads", type=click.IntRange(1), help="torch threads.")
def prune(net_name, data, limit, fmt, quant, out_dir, threads, **recipe) -> None:
    """Prune NET and write the pruned net, with its recipe in the manifest."""
    try:
        import torch
    except ImportError as error:
        raise needs_torch("pruning", error) from None
    from searchprune.evaluation.store import NetError, load_net, read_net, shipped_dir
    from searchprune.nets.dataset import DataError

    try:
        parent = load_net(net_name)
        run = _prune_dual if parent.manifest.get("arch") == "chess-dual" else _prune_single
        if threads:
            torch.set_num_threads(threads)
        net = read_net(run(parent, recipe, data, limit, fmt, None if quant == "none" else quant,
                           Path(out_dir) if out_dir else shipped_dir()))
    except (DataError, NetError, ValueError) as error:
        raise click.ClickException(" ".join(str(error).split())) from None
    click.echo(_pruned_summary(parent, net, bool(data)))


def _pruned_summary(parent, net, own_data: bool) -> str:
    """What ``prune`` made: sizes, sparsity, bytes and validation loss beside the parent's."""
    loss = net.manifest["metrics"].get("loss")
    own = "" if own_data or parent.training_folders() else " on its own data; this one on the small tuning set"
    parent_loss = parent.manifest.get("metrics", {}).get("loss", float("nan"))
    recipe = net.manifest["prune"]
    zero = recipe["sparsity"]["prunable"] if "sparsity" in recipe else recipe["l2_zero"]
    return (f"net: {net.path}\nhidden {parent.hidden} -> {net.hidden}, prunable weights zero {zero:.1%}, "
            f"non-zeros {net.nonzeros():,} of {parent.nonzeros():,}, {net.bytes:,} bytes (parent {parent.bytes:,})"
            + (f", validation loss {loss:.5g} (parent {parent_loss:.5g}{own})" if loss is not None else ""))


def _prune_single(parent, recipe: dict, data, limit, fmt, quant, folder: Path) -> Path:
    """``prune`` for a single-perspective net (``searchprune.nets.prune.schedule``)."""
    from searchprune.nets.prune import PruneConfig
    from searchprune.nets.prune.schedule import prune_net

    config = PruneConfig(**recipe)
    return prune_net(parent, config, folder, fmt=fmt, data=_tuning_data(parent, config, data, limit), quant=quant,
                     progress=sys.stderr.isatty())


def _prune_dual(parent, recipe: dict, data, limit, fmt, quant, folder: Path) -> Path:
    """``prune`` for a two-perspective chess net (``searchprune.nets.prune.dual``)."""
    from searchprune.nets.prune.dual import DualRecipe, prune_dual_net

    unsupported = {"scope": "local", "floor": 0.02, "schedule": "one-shot", "steps": 1, "lr_schedule": "constant"}
    for name, default in unsupported.items():
        if recipe[name] != default:
            raise ValueError(f"--{name.replace('_', '-')} is not supported for chess-dual nets yet")
    dual = DualRecipe(**{k: v for k, v in recipe.items() if k not in unsupported})
    if dual.needs_data and not data:
        raise ValueError("this recipe needs the parent's training data: give --data (a folder of "
                         "scripts/chess_teacher_data.sh)")
    return prune_dual_net(parent, dual, folder, data=[Path(d) for d in data], limit=limit, fmt=fmt, quant=quant)


def _tuning_data(parent, config, data: tuple[str, ...], limit: int | None):
    """Fine-tuning data (``tuning_folders``); None where the recipe needs none and none is given."""
    from searchprune.nets.prune.schedule import tuning_data

    if not config.needs_data and not data and not parent.training_folders():
        return None
    return tuning_data(parent, tuning_folders(parent, data), limit)
