"""Field-level merge rules (DESIGN.md, sync rule 3), as pure functions.

The storage asks these functions what to do; they never touch a database, so the rules
can be read and tested on their own:

- base version == the field's current version: apply (the editor saw the current value);
- the field moved on but holds the same value: nothing to do;
- the field moved on to another value: a true conflict. Both values are kept with their
  authors and clocks; the provisional value is the side with the highest clock, so every
  arrival order converges on the same value;
- a device never conflicts with itself (its own later edit supersedes its earlier one);
- a delete against an edit (or an edit against a delete) is a conflict whose provisional
  outcome keeps the row alive: nothing typed disappears before a person decides;
- a clock stamp further in the future than the allowed drift is refused.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Mapping

from fieldapp.core.hlc import Stamp

DEFAULT_DRIFT_MS = 10 * 60 * 1000


class Outcome(str, Enum):
    APPLY = "apply"
    SAME = "same"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Side:
    """One value typed for a field, with who typed it, when, and on which device."""

    value: Any
    author: str | None
    hlc: str | None
    device: str | None
    version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "author": self.author, "hlc": self.hlc, "device": self.device, "version": self.version}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Side":
        return cls(d.get("value"), d.get("author"), d.get("hlc"), d.get("device"), d.get("version"))


def same_value(a: Any, b: Any) -> bool:
    """Equality as the wire sees it (1 == 1.0, key order in JSON documents ignored)."""
    if a == b:
        return True
    try:
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    except (TypeError, ValueError):
        return False


def clock_key(hlc: str | None) -> Stamp:
    """Sort key of a stamp; missing or unreadable stamps sort first."""
    if not hlc:
        return Stamp(-1, 0, "")
    try:
        return Stamp.parse(hlc)
    except ValueError:
        return Stamp(-1, 0, "")


def clock_too_far(hlc: str, now_ms: int, drift_ms: int = DEFAULT_DRIFT_MS) -> bool:
    """True when `hlc` is further ahead of the server's wall clock than the allowed drift."""
    return Stamp.parse(hlc).millis > now_ms + drift_ms


def merge_field(
    *,
    current_value: Any,
    current_version: int,
    current_device: str | None,
    incoming_value: Any,
    base: int,
    device: str,
) -> Outcome:
    """What to do with an incoming value for one field of an existing row."""
    if same_value(current_value, incoming_value):
        return Outcome.SAME
    if base >= current_version or current_device == device:
        return Outcome.APPLY
    return Outcome.CONFLICT


def provisional(sides: Iterable[Side]) -> Side:
    """The value a conflict shows until it is resolved: the latest clock wins, ties broken
    by the stamp's node, so every replica and every arrival order agree."""
    return max(sides, key=lambda s: clock_key(s.hlc))


def add_side(sides: list[Side], new: Side) -> list[Side]:
    """Append a side, unless the same device already offered the same value."""
    for s in sides:
        if s.device == new.device and same_value(s.value, new.value):
            return sides
    return [*sides, new]


def delete_conflicts(
    base_row: int,
    versions: Mapping[str, int],
    devices: Mapping[str, str | None],
    device: str,
) -> list[str]:
    """The fields someone else changed after the version a delete was based on: a
    non-empty answer makes the delete a conflict (delete against edit)."""
    return sorted(
        name for name, version in versions.items()
        if not name.startswith("_") and version > base_row and devices.get(name) != device
    )


def deleted_provisional() -> bool:
    """A delete-against-edit conflict keeps the row alive until a person decides
    (provisional value of `_deleted` is False whatever the arrival order)."""
    return False
