"""Time controls as people say them, and a chess clock with one face per side.

``TimeControl.parse`` reads the usual spellings:

=============  ==========================================================
``5+3``        5 minutes each, 3 seconds added after every move (the way chess
               sites name them: the base is in minutes)
``0:30+1``     30 seconds each plus 1 a move (``m:ss`` for bases under a minute)
``40/300``     40 moves in 300 seconds, then 300 more for the next 40 (cutechess's
               form: seconds); ``40/5:00`` is the same, ``40/300+5`` adds an increment
``300``        300 seconds each for the whole game (sudden death)
=============  ==========================================================

A ``Clock`` runs one face at a time: ``start(side)`` when a side is to move,
``stop()`` when its move arrives, which charges the time used, adds the increment
(or the next period's time) and says whether the flag fell. The engine's share of its
own clock for one move comes from the UCI time rules (``engines.timing.time_budget_ms``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from searchprune.engines.timing import time_budget_ms

__all__ = ["Clock", "TimeControl", "format_clock"]

_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = rf"(?:\d+:\d{{1,2}}(?:\.\d+)?|{_NUMBER})"
_FORM = re.compile(rf"(?:(?P<moves>\d+)/)?(?P<base>{_DURATION})(?:\+(?P<inc>{_NUMBER}))?")
#: The longest base accepted (a day): beyond it a typo is likelier than a wish.
MAX_SECONDS = 86_400.0


@dataclass(frozen=True)
class TimeControl:
    """``seconds`` per side (per period of ``moves`` moves, if set), plus ``increment``
    seconds after each move."""

    seconds: float
    increment: float = 0.0
    moves: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.seconds <= MAX_SECONDS:
            raise ValueError(f"a time control needs 0 < seconds <= {MAX_SECONDS:.0f}, got {self.seconds}")
        if not 0 <= self.increment <= 3600:
            raise ValueError(f"the increment must be 0..3600 s, got {self.increment}")
        if self.moves is not None and not 1 <= self.moves <= 1000:
            raise ValueError(f"moves per period must be 1..1000, got {self.moves}")

    @classmethod
    def parse(cls, text: str) -> TimeControl:
        """The time control ``text`` names (module docstring); ``ValueError`` if none."""
        match = _FORM.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"unreadable time control {text!r}: use e.g. 5+3 (minutes + seconds a move), "
                             "40/300 (moves/seconds) or 300 (seconds)")
        base, increment = match["base"], float(match["inc"] or 0)
        if ":" in base:
            minutes, seconds = base.split(":")
            total = int(minutes) * 60 + float(seconds)
        elif match["inc"] is not None and match["moves"] is None:
            total = float(base) * 60  # "5+3": minutes, as chess sites say it
        else:
            total = float(base)
        return cls(seconds=total, increment=increment, moves=int(match["moves"]) if match["moves"] else None)

    def pgn(self) -> str:
        """The PGN ``TimeControl`` tag: ``300+3``, ``40/300``, ``300``."""
        text = f"{self.moves}/" if self.moves else ""
        text += f"{self.seconds:g}"
        return text + (f"+{self.increment:g}" if self.increment else "")

    def option(self) -> str:
        """The ``--tc`` text that ``parse`` reads back as this time control."""
        if self.increment and not self.moves:
            return f"{self.seconds / 60:g}+{self.increment:g}"
        return self.pgn()

    def describe(self) -> str:
        """For the banner: ``5:00 each, +3 s a move``."""
        period = f" for {self.moves} moves, then again" if self.moves else " each"
        increment = f", +{self.increment:g} s a move" if self.increment else ""
        return f"{format_clock(self.seconds)}{period}{increment}"


def format_clock(seconds: float) -> str:
    """``h:mm:ss``, ``m:ss``, or ``s.s`` under ten seconds (when tenths matter)."""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"0:{seconds:04.1f}"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Clock:
    """Two faces under one ``TimeControl``; ``now`` is the time source (tests pass a fake)."""

    def __init__(self, control: TimeControl, now: Callable[[], float] = time.monotonic) -> None:
        self.control = control
        self.now = now
        self.remaining = [control.seconds, control.seconds]
        self.moves_made = [0, 0]
        self.running: int | None = None
        self._since = 0.0

    def start(self, side: int) -> None:
        """Run ``side``'s face (a no-op when it already runs)."""
        if self.running != side:
            self.stop_without_move()
            self.running, self._since = side, self.now()

    def left(self, side: int) -> float:
        """Seconds on ``side``'s face now (less the running move's time; may be negative)."""
        used = self.now() - self._since if self.running == side else 0.0
        return self.remaining[side] - used

    def stop(self) -> bool:
        """The running side moved: charge its time; False if its flag had fallen (no
        increment is added then). Adds the increment, or the next period's time."""
        side = self.running
        if side is None:
            return True
        self.remaining[side] = self.left(side)
        self.running = None
        if self.remaining[side] <= 0:
            return False
        self.remaining[side] += self.control.increment
        self.moves_made[side] += 1
        if self.control.moves and self.moves_made[side] % self.control.moves == 0:
            self.remaining[side] += self.control.seconds
        return True

    def stop_without_move(self) -> None:
        """Pause the running face, charging its time (an undo, the end of the session)."""
        if self.running is not None:
            self.remaining[self.running] = self.left(self.running)
            self.running = None

    def flagged(self, side: int) -> bool:
        return self.left(side) <= 0

    def moves_to_go(self, side: int) -> int | None:
        """Moves until ``side``'s next period (None: sudden death)."""
        if not self.control.moves:
            return None
        return self.control.moves - self.moves_made[side] % self.control.moves

    def budget(self, side: int) -> float:
        """Seconds ``side`` (an engine) may think about this move, by the UCI rules."""
        remaining_ms = max(0, int(self.left(side) * 1000))
        return time_budget_ms(remaining_ms, int(self.control.increment * 1000), self.moves_to_go(side)) / 1000

    def text(self, names: tuple[str, str], to_move: int) -> str:
        """``White 4:59  Black 5:00 *``: each face, a ``*`` after the one that runs."""
        faces = [f"{names[side]} {format_clock(self.left(side))}{' *' if side == to_move else ''}" for side in (0, 1)]
        return "Clock: " + "   ".join(faces)
