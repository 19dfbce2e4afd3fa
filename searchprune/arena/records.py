"""Tournament results on disk: a JSON-lines file that is the source of truth, and PGN.

``results.jsonl``: the first line describes the tournament (``"type": "tournament"``:
game, engines, openings, schedule), every further line is one finished game's record
(``"type": "game"``). Each line is written whole, flushed and fsync'ed as its game
ends, so killing the process loses nothing finished; a torn last line (killed in the
middle of a write) is ignored on reading. ``--resume`` reads it back.

``games.pgn``: the same games as PGN, for people and PGN tools. For games other than
chess it is PGN-like: the usual seven tag roster plus ``Variant``, ``Opening`` (the
opening in the game's own notation) and ``Termination``; the moves are the game's own
notation, numbered by ply pairs, each followed by a ``{score/depth time}`` comment as
cutechess writes them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

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


def pgn_text(record: dict, event: str = "searchprune tournament") -> str:
    """One game as PGN (see the module docstring)."""
    tags = [
        ("Event", event), ("Site", "searchprune"), ("Date", record.get("date", "????.??.??")),
        ("Round", f"{record['round'] + 1}.{record['leg'] + 1}"), ("White", record["first"]),
        ("Black", record["second"]), ("Result", record["result"]), ("Variant", record["game"]),
        ("Opening", record["opening"] or "(start)"), ("Termination", record["termination"]),
        ("PlyCount", str(len(record["moves"]))),
    ]
    head = "\n".join(f'[{k} "{str(v).replace(chr(34), chr(39))}"]' for k, v in tags)
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
