"""Tournament results on disk: a JSON-lines file that is the source of truth, and PGN.

``results.jsonl``: the first line describes the tournament (``"type": "tournament"``:
game, engines, openings, schedule), every further line is one finished game's record
(``"type": "game"``). A resumed run that extends the rounds appends a new header line;
the last one holds. Each line is written whole, flushed and fsync'ed as its game
ends, so killing the process loses nothing finished; a torn last line (killed in the
middle of a write) is ignored on reading. ``--resume`` reads it back.

``games.pgn``: the same games as PGN, for people and PGN tools. Chess games are real
PGN, written by python-chess: the seven tag roster, ``FEN`` and ``SetUp`` when the
opening does not start from the initial position, ``Opening`` (the opening's name, e.g.
``Sicilian, Najdorf``, where its openings file names it: the shipped file does, in
each line's comment; no tag otherwise, since the moves are in the movetext and a
position in ``FEN``), ``Termination`` and ``PlyCount``; the opening's
moves are in the movetext marked ``{book}``, then every game move carries a
``{+0.35/12 0.520s}`` comment (score in pawns from the mover's side, ``+M3``/``-M3``
for mates in moves, search depth, time) as cutechess writes them. For other games it
is PGN-like: the seven tag roster plus ``Variant``, ``Opening``, ``Termination`` and
``PlyCount``; the moves are the game's own notation, numbered by ply pairs, with the
same comments in the game's own score units.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from searchprune.types import MATE, MATE_BOUND

RESULTS = "results.jsonl"
PGN = "games.pgn"


class ResultsError(ValueError):
    """A results file that cannot be resumed; one-line message."""


def _append_line(path: Path, text: str) -> None:
    with open(path, "a") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def write_header(folder: Path, header: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RESULTS
    path.write_text("")
    (folder / PGN).write_text("")
    _append_line(path, json.dumps({"type": "tournament", **header}))


def append_header(folder: Path, header: dict) -> None:
    """Record a changed header (a resumed run that extends the rounds): the last header
    line of the file is the one that holds."""
    _append_line(folder / RESULTS, json.dumps({"type": "tournament", **header}))


def append_game(folder: Path, record: dict, pgn: str) -> None:
    """Save one finished game: first the JSON line (the truth), then its PGN."""
    _append_line(folder / RESULTS, json.dumps({"type": "game", **record}))
    _append_line(folder / PGN, pgn)


def read_results(folder: Path) -> tuple[dict, list[dict]]:
    """(tournament header, game records) from ``folder``; the records deduplicated by game key."""
    path = folder / RESULTS
    if not path.exists():
        raise ResultsError(f"no {RESULTS} in {folder} to resume")
    header = None
    games: dict[str, dict] = {}
    lines = path.read_text().split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            if number >= len(lines) - 1:
                break  # a torn last line: the process died while writing it
            raise ResultsError(f"{path} line {number} is not JSON") from None
        if item.get("type") == "tournament":
            header = item
        elif item.get("type") == "game":
            games.setdefault(f"{item['pair']}.{item['leg']}", item)
    if header is None:
        raise ResultsError(f"{path} has no tournament header line")
    return header, list(games.values())


def _tag(value) -> str:
    """A tag value PGN readers accept: one line, no double quote or backslash."""
    return " ".join(str(value).replace('"', "'").replace("\\", "/").split())


def pgn_text(record: dict, event: str = "searchprune tournament") -> str:
    """One game as PGN (see the module docstring)."""
    if record["game"] == "chess":
        return _chess_pgn(record, event)
    tags = [
        ("Event", event), ("Site", "searchprune"), ("Date", record.get("date", "????.??.??")),
        ("Round", f"{record['round'] + 1}.{record['leg'] + 1}"), ("White", record["first"]),
        ("Black", record["second"]), ("Result", record["result"]), ("Variant", record["game"]),
        ("Opening", record["opening"] or "(start)"), ("Termination", record["termination"]),
        ("PlyCount", str(len(record["moves"]))),
    ]
    head = "\n".join(f'[{k} "{_tag(v)}"]' for k, v in tags)
    words = []
    for i, move in enumerate(record["moves"]):
        if i % 2 == 0:
            words.append(f"{i // 2 + 1}.")
        words.append(move["move"])
        if move.get("score") is not None:
            words.append(f"{{{move['score']:+d}/{move['depth']} {move['time']:.3f}s}}")
        else:
            words.append(f"{{{move['time']:.3f}s}}")
    words.append(record["result"])
    body, line = [], ""
    for word in words:
        if len(line) + len(word) + 1 > 79:
            body.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    body.append(line)
    return head + "\n\n" + "\n".join(body) + "\n"


def _pawns(score: int) -> str:
    """A centipawn or mate score as cutechess writes it: ``+0.35``, ``+M3``, ``-M2``."""
    if abs(score) >= MATE_BOUND:
        moves = (MATE - abs(score) + 1) // 2
        return f"{'+' if score > 0 else '-'}M{moves}"
    return f"{score / 100:+.2f}"


def _chess_pgn(record: dict, event: str) -> str:
    """A chess game as PGN through python-chess (see the module docstring)."""
    import chess.pgn

    from searchprune.games import get_game

    board = get_game("chess").parse_board(record["opening"])
    game = chess.pgn.Game.from_board(board)
    node = game
    while node.variations:
        node = node.variations[0]
        node.comment = "book"
    for move in record["moves"]:
        node = node.add_variation(board.push_san(move["move"]))
        timing = f"{move['time']:.3f}s"
        if move.get("score") is None:
            node.comment = timing
        else:
            depth = f"/{move['depth']}" if move.get("depth") is not None else ""
            node.comment = f"{_pawns(move['score'])}{depth} {timing}"
    game.headers.update({
        "Event": _tag(event), "Site": "searchprune", "Date": record.get("date", "????.??.??"),
        "Round": f"{record['round'] + 1}.{record['leg'] + 1}", "White": _tag(record["first"]),
        "Black": _tag(record["second"]), "Result": record["result"],
    })
    if record.get("opening_name"):
        game.headers["Opening"] = _tag(record["opening_name"])
    game.headers.update({"Termination": _tag(record["termination"]), "PlyCount": str(len(board.move_stack))})
    return str(game) + "\n"
