"""Hybrid logical clock (Kulkarni et al.): wall time in ms plus a counter plus the node.

Stamps sort as strings, stay monotonic when the wall clock steps back, and follow the
largest clock seen from others. They order edits and break ties; they never decide a
merge alone (DESIGN.md sync rule 3).

Field laptops have wrong clocks (a wrong time zone, a dead battery, a manual change), so
the wall time a clock reads is corrected by the service's clock (`WallClock`): every
reply of the service carries its time, the offset is kept, and stamps and record dates
use the corrected time. A hybrid clock that ran ahead while the computer's clock was
wrong is brought back as soon as the offset is known (`HybridClock.recover`) instead of
waiting hours or days for real time to catch up: the service refuses stamps far ahead.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Callable

# Stamps further ahead of the service's time than this are repaired (the service refuses
# them beyond its drift limit, 10 minutes by default; we stay well inside it).
AHEAD_MARGIN_MS = 5 * 60 * 1000
# No edit of this application can have been made before this day: an older stamp comes
# from a clock reset to its factory date (2000-01-01 after a battery died).
PLAUSIBLE_SINCE_MS = int(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
# A measured offset stays trusted while the computer's clock keeps step with the
# monotonic clock; a jump larger than this means someone set the clock since.
JUMP_MS = 60 * 1000
# The counter is written in five digits so that stamps sort as strings; a node that makes
# more stamps than this within one millisecond moves its clock on by one millisecond
# instead of writing a sixth digit ("…:100000:" would sort before "…:99999:").
MAX_COUNTER = 99_999


def system_wall() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, order=True)
class Stamp:
    millis: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.millis:013d}:{self.counter:05d}:{self.node}"

    @classmethod
    def parse(cls, text: str) -> "Stamp":
        """Parse 'millis:counter:node'; ValueError on anything else."""
        try:
            millis, counter, node = text.split(":", 2)
            stamp = cls(int(millis), int(counter), node)
        except (AttributeError, ValueError):
            raise ValueError(f"not a clock stamp: {text!r}") from None
        if stamp.millis < 0 or stamp.counter < 0 or not node or len(node) > 64:
            raise ValueError(f"not a clock stamp: {text!r}")
        return stamp


def iso_of(millis: int) -> str:
    """The store's timestamp text (UTC, milliseconds) for a time in ms."""
    moment = dt.datetime.fromtimestamp(millis / 1000, dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class WallClock:
    """This computer's time corrected by the service's: `now_ms()` = local wall + offset.

    `wall` is injectable (tests run a client 3 hours ahead or in the year 2000 in the same
    process as a client with a correct clock). The offset is measured from the service's
    replies (`observe_server`); `fresh` says whether it can be trusted for stamping now
    (measured by this process, and the computer's clock has not jumped since)."""

    def __init__(self, wall: Callable[[], int] | None = None, offset_ms: int = 0,
                 monotonic: Callable[[], float] = time.monotonic):
        self.wall = wall or system_wall
        self.offset_ms = offset_ms
        self._monotonic = monotonic
        self._anchor: int | None = None  # wall - monotonic when the offset was measured

    def now_ms(self) -> int:
        return self.wall() + self.offset_ms

    def iso(self) -> str:
        return iso_of(self.now_ms())

    def observe_server(self, server_ms: int, round_trip_ms: int = 0) -> int:
        """Take the service's time from a reply that took `round_trip_ms` to come back
        (the service read its clock about half way); returns the new offset."""
        local = self.wall() - round_trip_ms // 2
        self.offset_ms = server_ms - local
        self._anchor = self._drift_anchor()
        return self.offset_ms

    def _drift_anchor(self) -> int:
        return self.wall() - int(self._monotonic() * 1000)

    @property
    def fresh(self) -> bool:
        return self._anchor is not None and abs(self._drift_anchor() - self._anchor) < JUMP_MS

    def plausible(self, millis: int) -> bool:
        """Could an edit stamped `millis` have been made with a right clock? Not when it is
        ahead of the service's time, nor before this application existed."""
        return PLAUSIBLE_SINCE_MS <= millis <= self.now_ms() + AHEAD_MARGIN_MS


class HybridClock:
    def __init__(self, node: str, last: str | None = None, wall: Callable[[], int] = system_wall):
        self.node = node
        self._wall = wall
        self._lock = threading.Lock()
        prev = Stamp.parse(last) if last else Stamp(0, 0, node)
        self._millis, self._counter = prev.millis, prev.counter

    def now(self) -> str:
        with self._lock:
            wall = self._wall()
            if wall > self._millis:
                self._millis, self._counter = wall, 0
            else:
                self._counter += 1
                self._carry()
            return str(Stamp(self._millis, self._counter, self.node))

    def _carry(self) -> None:
        """Keep the counter within its five digits (see MAX_COUNTER); called under the lock."""
        if self._counter > MAX_COUNTER:
            self._millis, self._counter = self._millis + 1, 0

    def observe(self, remote: str) -> None:
        """Move past a stamp received from another node."""
        r = Stamp.parse(remote)
        with self._lock:
            wall = self._wall()
            top = max(wall, self._millis, r.millis)
            if top == self._millis == r.millis:
                self._counter = max(self._counter, r.counter) + 1
            elif top == self._millis:
                self._counter += 1
            elif top == r.millis:
                self._counter = r.counter + 1
            else:
                self._counter = 0
            self._millis = top
            self._carry()

    def recover(self, margin_ms: int = AHEAD_MARGIN_MS) -> bool:
        """Bring the clock back to the (corrected) wall time when it ran ahead of it by
        more than `margin_ms` (stamps made while the computer's clock was wrong); returns
        whether it did. Called only once the service's time is known: the pending edits
        stamped ahead are re-stamped at the same time (see core.outbox.restamp)."""
        with self._lock:
            wall = self._wall()
            if self._millis <= wall + margin_ms:
                return False
            self._millis, self._counter = wall, 0
            return True

    @property
    def last(self) -> str:
        return str(Stamp(self._millis, self._counter, self.node))
