"""Round robins and gauntlets of game pairs, run on any ``submit()``-style executor.

Schedule: every pairing (all pairs of engines for a round robin; the first engine
against each other one for a gauntlet) plays ``rounds`` game pairs; pair ``r`` starts
from opening ``r`` (cycling through the list), and its two games swap who moves first.
Pairs are interleaved across pairings so that partial results stay balanced.

The unit of work is one game (``searchprune.arena.match.play_game``): a finished game is
saved the moment it comes back, so an interrupted run loses only games in flight, and
``resume=True`` plays exactly the games not yet saved. A resumed run may ask for more
rounds than the saved one (the first rounds' schedule does not depend on the count, so
the saved games stay where they are) and then plays the new ones; an SPRT saved with
the run goes on with it until it decides. Anything else that differs is refused.

A worker process that dies takes only its game with it; the pool is rebuilt and that
game is played again (``MAX_ATTEMPTS`` times at most), so nothing is lost or counted
twice. An engine's own fault (a crash, an illegal move, a time forfeit, a failure to
start) is no such failure: it loses that game (``match``), and the standings count
those games per engine (``Standing.faults``).
"""

from __future__ import annotations

import sys
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from searchprune.arena import stats
from searchprune.arena.executors import Executors
from searchprune.arena.match import Adjudication, GameTask, fault, play_game, points
from searchprune.arena.records import RESULTS, append_game, append_header, pgn_text, read_results, write_header
from searchprune.engines.spec import EngineSpec, load_spec
from searchprune.games import get_game
from searchprune.games.registry import openings_path

MAX_ATTEMPTS = 3


class TournamentError(RuntimeError):
    """The run cannot go on (one-line message); games already saved stay saved."""


@dataclass(frozen=True)
class SprtConfig:
    """Stop a two-engine run once the SPRT of H0 (Elo ``elo0``) against H1 (Elo ``elo1``)
    decides, with error rates ``alpha`` and ``beta``."""

    elo0: float
    elo1: float
    alpha: float = 0.05
    beta: float = 0.05

    def __post_init__(self) -> None:
        if self.elo0 >= self.elo1:
            raise ValueError(f"SPRT needs elo0 < elo1 (e.g. elo0=0 elo1=10), "
                             f"got elo0={self.elo0:g} elo1={self.elo1:g}")
        if not (0 < self.alpha < 0.5 and 0 < self.beta < 0.5):
            raise ValueError("SPRT alpha and beta must be in (0, 0.5)")


@dataclass
class Standing:
    name: str
    games: int = 0
    wins: int = 0
    draws: int = 0
    losses: int = 0
    #: Games lost to a fault of this engine, by kind (``match.FAULTS``): crashes, illegal
    #: moves, time forfeits, failures to start.
    faults: dict[str, int] = field(default_factory=dict)

    @property
    def points(self) -> float:
        return self.wins + 0.5 * self.draws

    def as_dict(self) -> dict:
        estimate = stats.elo_wdl(self.wins, self.draws, self.losses)
        return {"name": self.name, "games": self.games, "wins": self.wins, "draws": self.draws,
                "losses": self.losses, "points": self.points, "faults": sum(self.faults.values()),
                "fault_kinds": dict(self.faults),
                "score": round(self.points / self.games, 4) if self.games else None,
                "elo": _finite(estimate.elo), "error": _finite(estimate.error), "los": _finite(estimate.los)}


def _finite(x: float) -> float | None:
    return round(x, 2) if x == x and abs(x) != float("inf") else None


@dataclass
class Tournament:
    game: str
    engines: list[EngineSpec]
    openings: list[str]
    rounds: int = 1
    mode: str = "roundrobin"
    adjudication: Adjudication = field(default_factory=Adjudication)
    #: Names of openings (the PGN ``Opening`` tag), by opening text; not part of the header.
    opening_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [e.name for e in self.engines]
        if len(self.engines) < 2:
            raise TournamentError("a tournament needs at least two engines")
        if len(set(names)) != len(names):
            raise TournamentError(f"engine names must differ, got {', '.join(names)}")
        for spec in self.engines:
            if spec.game != self.game:
                raise TournamentError(f"engine {spec.name} plays {spec.game}, the tournament plays {self.game}")
        if self.mode not in ("roundrobin", "gauntlet"):
            raise TournamentError(f"mode must be roundrobin or gauntlet, got {self.mode!r}")
        if not self.openings:
            self.openings = [""]

    def pairings(self) -> list[tuple[int, int]]:
        n = len(self.engines)
        if self.mode == "gauntlet":
            return [(0, j) for j in range(1, n)]
        return [(i, j) for i in range(n) for j in range(i + 1, n)]

    def schedule(self) -> list[GameTask]:
        tasks = []
        pair = 0
        for r in range(self.rounds):
            opening = self.openings[r % len(self.openings)]
            for i, j in self.pairings():
                for leg in (0, 1):
                    tasks.append(GameTask(pair=pair, leg=leg, round=r, game=self.game, opening=opening,
                                          engines=(self.engines[i], self.engines[j]), adjudication=self.adjudication,
                                          opening_name=self.opening_names.get(opening, "")))
                pair += 1
        return tasks

    def header(self) -> dict:
        """What a resumed run must agree with."""
        return {"game": self.game, "mode": self.mode, "rounds": self.rounds, "openings": self.openings,
                "engines": [e.as_dict() for e in self.engines],
                "adjudication": self.adjudication.__dict__}


@dataclass
class Outcome:
    records: list[dict]
    standings: list[Standing]
    sprt: stats.SprtResult | None = None
    complete: bool = True

    def as_dict(self, tournament: Tournament) -> dict:
        out = {"game": tournament.game, "games": len(self.records), "complete": self.complete,
               "engines": [s.as_dict() for s in self.standings]}
        if len(tournament.engines) == 2:
            counts = pair_counts(self.records, tournament.engines[0].name)
            estimate = stats.elo_pentanomial(counts) if sum(counts) else None
            out["pentanomial"] = counts
            if estimate is not None:
                out["elo_pentanomial"] = {"elo": _finite(estimate.elo), "error": _finite(estimate.error)}
        if self.sprt is not None:
            out["sprt"] = {"llr": round(self.sprt.llr, 3), "lower": round(self.sprt.lower, 3),
                           "upper": round(self.sprt.upper, 3), "decision": self.sprt.decision}
        return out


def standings(engines: list[EngineSpec], games: list[dict]) -> list[Standing]:
    table = {e.name: Standing(e.name) for e in engines}
    for record in games:
        for name, p in points(record).items():
            s = table[name]
            s.games += 1
            s.wins += p == 1.0
            s.draws += p == 0.5
            s.losses += p == 0.0
        lost = fault(record)
        if lost is not None and lost[0] in table:
            kinds = table[lost[0]].faults
            kinds[lost[1]] = kinds.get(lost[1], 0) + 1
    return sorted(table.values(), key=lambda s: (-s.points, s.name))


def crosstable(engines: list[EngineSpec], games: list[dict]) -> str:
    """Points of each row engine against each column engine."""
    names = [e.name for e in engines]
    score = {(a, b): [0.0, 0] for a in names for b in names}
    for record in games:
        p = points(record)
        a, b = record["first"], record["second"]
        score[a, b][0] += p[a]
        score[a, b][1] += 1
        score[b, a][0] += p[b]
        score[b, a][1] += 1
    width = max(len(n) for n in names)
    cells = [[f"{score[a, b][0]:g}/{score[a, b][1]}" if a != b else "-" for b in names] for a in names]
    col = max(9, *(len(c) for row in cells for c in row))
    lines = [" " * (width + 2) + " ".join(f"{i + 1:>{col}}" for i in range(len(names)))]
    for i, (name, row) in enumerate(zip(names, cells)):
        lines.append(f"{i + 1}. {name:<{width}}"[: width + 3].ljust(width + 2) + " ".join(f"{c:>{col}}" for c in row))
    return "\n".join(lines)


def pair_counts(games: list[dict], engine: str) -> list[int]:
    """Pentanomial counts of finished pairs, from ``engine``'s side."""
    by_pair: dict[int, list[dict]] = {}
    for record in games:
        by_pair.setdefault(record["pair"], []).append(record)
    pair_scores = [sum(points(r)[engine] for r in pair) for pair in by_pair.values()
                   if len(pair) == 2 and all(engine in points(r) for r in pair)]
    return stats.pentanomial(pair_scores)


def run(tournament: Tournament, folder: Path, executors: Executors, *, resume: bool = False,
        sprt: SprtConfig | None = None, progress=None) -> Outcome:
    """Play every scheduled game not yet saved in ``folder``; save each as it ends.

    ``progress(record, done, total)`` is called after each saved game.
    """
    tasks = tournament.schedule()
    if resume:
        saved, sprt = _resume(tournament, folder, sprt)
    else:
        if (folder / RESULTS).exists() and (folder / RESULTS).stat().st_size:
            raise TournamentError(f"{folder / RESULTS} exists: pass --resume to continue it or choose another --out")
        write_header(folder, {**tournament.header(), "sprt": asdict(sprt) if sprt else None})
        saved = []
    games = list(saved)
    done = {f"{r['pair']}.{r['leg']}" for r in games}
    pending = [t for t in tasks if t.key not in done]
    decision = _sprt(tournament, games, sprt)
    if progress:
        progress(None, len(games), len(tasks))
    attempts: dict[str, int] = {}
    futures: dict = {}  # future -> (task, pool generation it was submitted to)
    generation = 0
    queue = list(pending) if decision is None or decision.decision is None else []
    try:
        while queue or futures:
            while queue and len(futures) < executors.capacity:
                try:
                    future = executors.submit(play_game, queue[0])
                except BrokenProcessPool:  # a worker died since the last submit
                    executors.restart()
                    generation += 1
                    continue
                futures[future] = (queue.pop(0), generation)
            finished, _ = wait(list(futures), return_when=FIRST_COMPLETED)
            for future in finished:
                task, born = futures.pop(future)
                try:
                    record = future.result()
                except Exception as error:  # the worker died, or the cluster lost the game
                    attempts[task.key] = attempts.get(task.key, 0) + 1
                    if attempts[task.key] >= MAX_ATTEMPTS:
                        raise TournamentError(f"game {task.key} failed {MAX_ATTEMPTS} times "
                                              f"({type(error).__name__}: {error}); saved games are kept, "
                                              f"rerun with --resume") from None
                    if isinstance(error, BrokenProcessPool) and born == generation:
                        executors.restart()  # the games in flight on it come back as errors too
                        generation += 1
                    queue.insert(0, task)
                    continue
                append_game(folder, record, pgn_text(record))
                games.append(record)
                if progress:
                    progress(record, len(games), len(tasks))
                decision = _sprt(tournament, games, sprt)
                if decision is not None and decision.decision is not None:
                    queue.clear()
                    for other in futures:
                        other.cancel()
                    futures.clear()
                    break
    finally:
        executors.shutdown()
    complete = len(games) == len(tasks) or (decision is not None and decision.decision is not None)
    return Outcome(records=games, standings=standings(tournament.engines, games), sprt=decision, complete=complete)


def _resume(tournament: Tournament, folder: Path, sprt: SprtConfig | None) -> tuple[list[dict], SprtConfig | None]:
    """(saved games, the SPRT to go on with) of the run saved in ``folder``, after checking
    that ``tournament`` continues it: the same header but for more rounds, and the same
    SPRT (none given: the saved one). A new header line records an extension."""
    header, saved = read_results(folder)
    mine = tournament.header()
    for key in ("game", "mode", "openings", "engines", "adjudication"):
        if header.get(key) != mine[key]:
            raise TournamentError(f"cannot resume {folder}: its {key} differ from this run's")
    if mine["rounds"] < header.get("rounds", 0):
        raise TournamentError(f"cannot resume {folder}: it has {header['rounds']} rounds, more than this run's "
                              f"{mine['rounds']} (rounds may grow on resume, not shrink)")
    changed = mine["rounds"] != header.get("rounds")
    if "sprt" in header:  # runs saved before the SPRT was kept in the header take the one given
        if sprt is None and header["sprt"] is not None:
            sprt = SprtConfig(**header["sprt"])
        elif sprt is not None and header["sprt"] != asdict(sprt):
            was = " ".join(f"{k}={v:g}" for k, v in header["sprt"].items()) if header["sprt"] else "none"
            raise TournamentError(f"cannot resume {folder}: its SPRT ({was}) differs from this run's")
    elif sprt is not None:
        changed = True
    if changed:
        append_header(folder, {**mine, "sprt": asdict(sprt) if sprt else None})
    return saved, sprt


def _sprt(tournament: Tournament, games: list[dict], sprt: SprtConfig | None) -> stats.SprtResult | None:
    if sprt is None:
        return None
    counts = pair_counts(games, tournament.engines[0].name)
    return stats.sprt(counts, sprt.elo0, sprt.elo1, sprt.alpha, sprt.beta)


def read_openings(path: Path) -> list[str]:
    """Openings file: one position per line in the game's notation (a chess line may be a
    FEN or ``startpos moves ...``); ``#`` comments and blank lines skipped."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as error:
        raise TournamentError(f"cannot read openings {path}: {error.strerror}") from None
    out = []
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if text:
            out.append(text)
    return out


def opening_names(path: Path) -> dict[str, str]:
    """The names an openings file gives its lines, by opening text: a line's comment up to
    its first ``;`` (``startpos moves e2e4 c7c5 ...  # Sicilian, Najdorf; e4 c5 ...``).
    Lines without a comment have no name; an unreadable file gives none."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return {}
    names = {}
    for line in lines:
        text, _, comment = line.partition("#")
        name = comment.split(";", 1)[0].strip()
        if text.strip() and name:
            names[text.strip()] = name
    return names


def load_openings(game_name: str, path: Path | None = None) -> list[str]:
    """The openings in ``path``; without one, the game's shipped ``games/<game>/openings.txt``
    where it exists, else the start position alone. Each is checked against the game's
    rules now (``GameError``), so that no game of a run fails on its opening."""
    shipped = openings_path(game_name)
    if path is None and (shipped is None or not shipped.exists()):
        return [""]
    openings = read_openings(Path(path) if path is not None else shipped)
    game = get_game(game_name)
    for opening in openings:
        game.parse_position(opening)
    return openings


def make_tournament(engines: list[str], *, rounds: int = 1, mode: str = "roundrobin", openings: Path | None = None,
                    max_plies: int | None = None, resign: tuple[int, int] | None = None,
                    draw: tuple[int, int, int] | None = None) -> Tournament:
    """A tournament of the engine specs ``engines`` (names in the engines folder or ``.toml``
    paths), in the first one's game, from ``load_openings``.

    ``resign`` is ``(score, moves)`` and ``draw`` is ``(score, plies, after ply)`` of
    ``Adjudication``; None leaves that rule off. Raises ``SpecError``, ``GameError`` or
    ``TournamentError`` with a one-line message.
    """
    specs = [load_spec(name) for name in engines]
    game = specs[0].game
    get_game(game)
    rules = Adjudication(max_plies=max_plies)
    if resign:
        rules = replace(rules, resign_score=resign[0], resign_moves=resign[1])
    if draw:
        rules = replace(rules, draw_score=draw[0], draw_moves=draw[1], draw_after=draw[2])
    names = {}
    if game == "chess":  # only chess openings files name their lines; the others' comments are evaluations
        source = Path(openings) if openings is not None else openings_path(game)
        names = opening_names(source) if source is not None else {}
    return Tournament(game=game, engines=specs, openings=load_openings(game, openings), rounds=rounds, mode=mode,
                      adjudication=rules, opening_names=names)


def print_report(outcome: Outcome, tournament: Tournament, out=None) -> None:
    """Standings with Elo, the crosstable and (for two engines) pentanomial and SPRT, on
    ``out`` (default: ``sys.stdout`` as it is at the call, so a redirected stdout gets it)."""
    out = out if out is not None else sys.stdout
    rows = [s.as_dict() for s in outcome.standings]
    width = max(len(r["name"]) for r in rows)
    print(f"{'rank':<5}{'engine':<{width + 2}}{'games':>6}{'W':>6}{'D':>6}{'L':>6}{'points':>8}{'score':>8}"
          f"{'Elo':>9}{'+/-':>8}", file=out)
    for rank, r in enumerate(rows, 1):
        elo = f"{r['elo']:+.1f}" if r["elo"] is not None else "-"
        err = f"{r['error']:.1f}" if r["error"] is not None else "-"
        score = f"{100 * r['score']:.1f}%" if r["score"] is not None else "-"
        print(f"{rank:<5}{r['name']:<{width + 2}}{r['games']:>6}{r['wins']:>6}{r['draws']:>6}{r['losses']:>6}"
              f"{r['points']:>8g}{score:>8}{elo:>9}{err:>8}", file=out)
    print("(Elo: each engine's score against the whole field, 95% error.)", file=out)
    for s in outcome.standings:
        if s.faults:
            kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(s.faults.items()))
            print(f"FAULTS: {s.name} lost {sum(s.faults.values())} of its {s.games} games to faults ({kinds}); "
                  f"see the terminations in results.jsonl", file=out)
    print(file=out)
    print(crosstable(tournament.engines, outcome.records), file=out)
    info = outcome.as_dict(tournament)
    if "pentanomial" in info:
        print(f"\nPairs {tournament.engines[0].name} vs {tournament.engines[1].name}: "
              f"pentanomial [0, 0.5, 1, 1.5, 2] = {info['pentanomial']}", file=out)
    if outcome.sprt is not None:
        s = outcome.sprt
        print(f"SPRT: LLR {s.llr:.2f} ({s.lower:.2f}, {s.upper:.2f}): "
              f"{'accept H1' if s.decision == 'H1' else 'accept H0' if s.decision == 'H0' else 'undecided'}", file=out)
