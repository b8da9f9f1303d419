"""Hybrid logical clock (Kulkarni et al.): wall time in ms plus a counter plus the node.

Stamps sort as strings, stay monotonic when the wall clock steps back, and follow the
largest clock seen from others. They order edits and break ties; they never decide a
merge alone (DESIGN.md sync rule 3).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass


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


class HybridClock:
    def __init__(self, node: str, last: str | None = None, wall=lambda: int(time.time() * 1000)):
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
            return str(Stamp(self._millis, self._counter, self.node))

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

    @property
    def last(self) -> str:
        return str(Stamp(self._millis, self._counter, self.node))
