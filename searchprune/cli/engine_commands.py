"""`searchprune engines list`: the engine specs a tournament can name."""

from __future__ import annotations

import json

import click


@click.group()
def engines() -> None:
    """List the engine specs tournaments play (TOML files in engines/ or $SEARCHPRUNE_ENGINES)."""


@engines.command("list")
@click.option("--game", "game_name", help="Only engines for this game.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per spec.")
def engines_list(game_name: str | None, as_json: bool) -> None:
    """Every spec with its game, kind (searchprune, uci or python), algorithm and limits;
    a spec that does not load is listed with the reason."""
    from searchprune.engines.spec import SpecError, available, engines_dir, load_spec

    rows = []
    for name in available():
        try:
            spec = load_spec(str(engines_dir() / f"{name}.toml"))
        except SpecError as error:
            rows.append({"name": name, "error": str(error)})
            continue
        if not game_name or spec.game == game_name:
            rows.append({"name": spec.name, "game": spec.game, "kind": spec.kind, "engine": _engine(spec),
                         "limits": spec.limits, "source": spec.source})
    if as_json:
        for row in rows:
            click.echo(json.dumps(row))
        return
    _print_table(rows)


def _print_table(rows: list[dict]) -> None:
    """One line a spec, under a header; the columns as wide as their longest entry."""
    good = [row for row in rows if "error" not in row]
    name_w = max([len("name")] + [len(row["name"]) for row in rows])
    engine_w = max([len("engine")] + [len(row["engine"]) for row in good])
    click.echo(f"{'name':<{name_w}}  {'game':<10} {'kind':<12} {'engine':<{engine_w}}  limits")
    for row in rows:
        if "error" in row:
            click.echo(f"{row['name']:<{name_w}}  BAD: {row['error']}")
            continue
        limits = " ".join(f"{key}={value}" for key, value in row["limits"].items()) or "-"
        click.echo(f"{row['name']:<{name_w}}  {row['game']:<10} {row['kind']:<12} "
                   f"{row['engine']:<{engine_w}}  {limits}")


def _engine(spec) -> str:
    """What plays: the algorithm (and net), the UCI command, or the Python class."""
    if spec.kind == "uci":
        return spec.command or "?"
    if spec.kind == "python":
        return spec.engine_class or "?"
    return spec.algorithm + (" + net" if spec.net else "")
