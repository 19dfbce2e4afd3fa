"""Engine specs: what an engine is, as a TOML file in the top-level ``engines/`` folder.

A spec names one engine a tournament (or ``play``) can run::

    name = "c4-negascout-d8"          # optional; defaults to the file name
    game = "connect4"
    kind = "searchprune"              # "searchprune" (default), "uci" or "python"
    algorithm = "negascout"           # minimax | alphabeta | negascout
    hash_mb = 16
    evaluator = "pkg.module:evaluate" # optional, default the game's own evaluation
    net = "chess-nnue-h128-..."       # optional: a net (name or .npz path) evaluates instead

    [limits]                          # any of: depth, nodes, time (s a move),
    depth = 8                         # clock = base seconds, increment = s a move

    [search]                          # switches of searchprune.search.driver.Searcher
    killers = false

    [exact]                           # games with an exact solver (connect4, othello):
    book = true                       # play the opening book's proven move (connect4)
    solver = true                     # solve when the move's budget allows
    solver_empties = 16               # (searchprune.engines.exact); optional: solve only
                                      # at this many empties or fewer (default: measured)

Exact play needs a time budget (``time`` or ``clock``): a move limited only by depth or
nodes is the search's alone, so fixed-depth and fixed-node specs stay reproducible. The
book and the solver are on by default for a game that has them, whenever the spec has a
time budget.

A ``uci`` spec runs an external UCI engine through ``chess.engine`` (chess only)::

    kind = "uci"
    command = "/usr/games/stockfish"
    [uci_options]
    UCI_LimitStrength = true
    UCI_Elo = 1500

A ``python`` spec loads an engine class, ``class = "package.module:Class"`` (see
``searchprune.engines.engine.Engine``), with ``[params]`` passed to its constructor.

``load_spec(name_or_path)`` accepts a path to a ``.toml`` file or the name of one in
the engines folder; every problem is a ``SpecError`` with a one-line message.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from searchprune.paths import repo_root
from searchprune.types import ALGORITHMS

KINDS = ("searchprune", "uci", "python")
LIMIT_KEYS = ("depth", "nodes", "time", "clock", "increment")
#: ``[search]`` switches: the driver's own, then its selective components (``Searcher.COMPONENTS``;
#: spelled out here so that reading a spec does not import the compiled search).
SEARCH_SWITCHES = ("tt", "hints", "killers", "history", "aspiration",
                   "qsearch", "check_extension", "null_move", "lmr", "futility", "mate_distance")
#: ``[exact]`` keys (``searchprune.engines.exact``): two switches and the solve threshold.
EXACT_SWITCHES = ("book", "solver")
EXACT_KEYS = (*EXACT_SWITCHES, "solver_empties")


class SpecError(ValueError):
    """A spec file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class EngineSpec:
    name: str
    game: str
    kind: str = "searchprune"
    algorithm: str = "negascout"
    hash_mb: float = 16
    evaluator: str | None = None
    net: str | None = None
    limits: dict = field(default_factory=dict)
    search: dict = field(default_factory=dict)
    #: ``[exact]``: book, solver (switches), solver_empties; empty: the defaults.
    exact: dict = field(default_factory=dict)
    command: str | None = None
    uci_options: dict = field(default_factory=dict)
    engine_class: str | None = None
    params: dict = field(default_factory=dict)
    source: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def engines_dir() -> Path:
    """The folder of shipped specs (``SEARCHPRUNE_ENGINES`` overrides it)."""
    return Path(os.environ.get("SEARCHPRUNE_ENGINES") or repo_root() / "engines")


def available() -> list[str]:
    folder = engines_dir()
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def load_spec(name_or_path: str) -> EngineSpec:
    """The spec in file ``name_or_path``, or named so in the engines folder."""
    path = Path(name_or_path)
    if path.suffix != ".toml" or not path.exists():
        candidate = engines_dir() / f"{name_or_path}.toml"
        if not candidate.exists():
            if path.suffix == ".toml":
                raise SpecError(f"engine spec file {name_or_path!r} does not exist")
            names = ", ".join(available()) or "none"
            raise SpecError(f"unknown engine {name_or_path!r}: give a .toml path or one of: {names}")
        path = candidate
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"cannot read engine spec {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"engine spec {path} is not valid TOML: {error}") from None
    return spec_from_dict(data, default_name=path.stem, source=str(path))


def _check_net(net, game: str, where: str, source: str) -> str:
    """The net's file path (a relative path is read from the spec's folder), checked now so
    a tournament never starts with an engine that cannot load its net."""
    from searchprune.evaluation.store import NetError, find_net, load_net

    if not isinstance(net, str) or not net:
        raise SpecError(f"engine spec {where}: net must be a net name or a .npz path, got {net!r}")
    candidate = Path(source).parent / net if source and not Path(net).is_absolute() else Path(net)
    try:
        path = candidate if candidate.is_file() else find_net(net)
        load_net(path, game)
    except NetError as error:
        raise SpecError(f"engine spec {where}: {error}") from None
    return str(path.resolve())


def _check_exact(table, game: str, kind: str, limits: dict, where: str) -> dict:
    """The ``[exact]`` table, checked: known keys, true/false switches, a whole number of
    empties, a game with a solver, and a time budget for whatever is switched on."""
    from searchprune.games.registry import solver_path

    if not isinstance(table, dict):
        raise SpecError(f"engine spec {where}: [exact] must be a table (book, solver, solver_empties)")
    if not table:
        return {}
    for key, value in table.items():
        if key not in EXACT_KEYS:
            raise SpecError(f"engine spec {where}: unknown [exact] key {key!r} (known: {', '.join(EXACT_KEYS)})")
        if key in EXACT_SWITCHES and not isinstance(value, bool):
            raise SpecError(f"engine spec {where}: [exact] {key} must be true or false, got {value!r}")
    empties = table.get("solver_empties")
    if empties is not None and (not isinstance(empties, int) or isinstance(empties, bool) or empties < 0):
        raise SpecError(f"engine spec {where}: [exact] solver_empties must be a whole number >= 0, got {empties!r}")
    if kind != "searchprune":
        raise SpecError(f"engine spec {where}: [exact] is for searchprune engines, not {kind}")
    try:
        has_solver = solver_path(game) is not None
    except ValueError as error:  # GameError: an unknown game
        raise SpecError(f"engine spec {where}: {error}") from None
    if not has_solver:
        raise SpecError(f"engine spec {where}: [exact] needs a game with an exact solver (connect4, othello), "
                        f"not {game}")
    switched_on = any(table.get(key, True) for key in EXACT_SWITCHES)
    if switched_on and "time" not in limits and "clock" not in limits:
        raise SpecError(f"engine spec {where}: [exact] play needs a time budget: give [limits] time or clock "
                        "(or book = false and solver = false)")
    return dict(table)


def spec_from_dict(data: dict, *, default_name: str = "engine", source: str = "") -> EngineSpec:
    """Validate ``data`` (a parsed TOML table) into an ``EngineSpec``."""
    where = source or default_name
    known = {"name", "game", "kind", "algorithm", "hash_mb", "evaluator", "net", "limits", "search", "exact",
             "command", "uci_options", "class", "params"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(f"engine spec {where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    kind = data.get("kind", "searchprune")
    if kind not in KINDS:
        raise SpecError(f"engine spec {where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    game = data.get("game", "chess" if kind == "uci" else None)
    if not isinstance(game, str):
        raise SpecError(f"engine spec {where}: 'game' is required (e.g. game = \"connect4\")")
    algorithm = data.get("algorithm", "negascout")
    if algorithm not in ALGORITHMS:
        raise SpecError(f"engine spec {where}: algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
    limits = dict(data.get("limits", {}))
    for key, value in limits.items():
        if key not in LIMIT_KEYS:
            raise SpecError(f"engine spec {where}: unknown limit {key!r} (known: {', '.join(LIMIT_KEYS)})")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or (value == 0 and key != "increment"):
            raise SpecError(f"engine spec {where}: limit {key} must be a positive number, got {value!r}")
    if "increment" in limits and "clock" not in limits:
        raise SpecError(f"engine spec {where}: 'increment' needs 'clock'")
    if not limits and kind != "python":
        raise SpecError(f"engine spec {where}: give at least one limit under [limits] (depth, nodes, time or clock)")
    search = dict(data.get("search", {}))
    for key, value in search.items():
        if key not in SEARCH_SWITCHES or not isinstance(value, bool):
            raise SpecError(f"engine spec {where}: [search] takes true/false switches {', '.join(SEARCH_SWITCHES)}, "
                            f"got {key} = {value!r}")
    exact = _check_exact(data.get("exact", {}), game, kind, limits, where)
    hash_mb = data.get("hash_mb", 16)
    if not isinstance(hash_mb, (int, float)) or not 0 < hash_mb <= 65536:
        raise SpecError(f"engine spec {where}: hash_mb must be in (0, 65536], got {hash_mb!r}")
    if kind == "uci" and not data.get("command"):
        raise SpecError(f"engine spec {where}: a uci engine needs command = \"/path/to/engine\"")
    net = data.get("net")
    if net is not None:
        if data.get("evaluator"):
            raise SpecError(f"engine spec {where}: give net or evaluator, not both")
        net = _check_net(net, game, where, source)
    if kind == "python" and not isinstance(data.get("class"), str):
        raise SpecError(f"engine spec {where}: a python engine needs class = \"package.module:Class\"")
    return EngineSpec(
        name=str(data.get("name", default_name)),
        game=game,
        kind=kind,
        algorithm=algorithm,
        hash_mb=float(hash_mb),
        evaluator=data.get("evaluator"),
        net=net,
        limits=limits,
        search=search,
        exact=exact,
        command=data.get("command"),
        uci_options=dict(data.get("uci_options", {})),
        engine_class=data.get("class"),
        params=dict(data.get("params", {})),
        source=source,
    )
