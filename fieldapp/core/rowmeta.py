"""A row's per-field sync metadata (field_versions, field_clocks) as the client stores it.

A row that arrives whole from the service (an initial sync: every row of the demo world)
has one version and one clock shared by all its fields. Written out per field, that was
2 KB of JSON per practice, the synced database 1.4x the same data generated locally; so
the page apply stores the shared value once:

    {"*": shared, "-": [fields it does not cover], other keys: their own value}

`expand` gives back exactly the per-field dict (known fields only), so every reader
calls it. Writers that merge new keys into a stored dict (`stored | {field: value}`) stay
correct without expanding: a key of its own always wins over "*".
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from fieldapp.core.fieldspec import Entity

from sync.wire import ALL_FIELDS

SHARED, EXCEPT = ALL_FIELDS, "-"  # the wire's "*", and the fields it does not cover


def compact(e: Entity, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a per-field dict: its fields' one shared value once, when
    at least two fields share it (otherwise the dict as it is)."""
    fields = [k for k in meta if k in e._by_name]
    if len(fields) < 2:
        return dict(meta)
    shared = meta[fields[0]]
    if any(meta[k] != shared for k in fields):
        return dict(meta)
    covered = set(fields)
    out: dict[str, Any] = {SHARED: shared, EXCEPT: [f.name for f in e.fields if f.name not in covered]}
    out.update((k, v) for k, v in meta.items() if k not in covered)
    return out


def from_wire(e: Entity, meta: Mapping[str, Any], covered: Iterable[str]) -> dict[str, Any]:
    """The stored form of a change's compact metadata as sent (sync.wire: "*" covers the
    fields in `covered`), straight, without writing it out per field first."""
    if SHARED not in meta:
        return compact(e, meta)
    covering = set(covered)
    return {SHARED: meta[SHARED], EXCEPT: [f.name for f in e.fields if f.name not in covering],
            **{k: v for k, v in meta.items() if k != SHARED}}


def expand(e: Entity, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The per-field dict of a stored one (the inverse of `compact`)."""
    if not stored:
        return {}
    if SHARED not in stored:
        return dict(stored)
    shared, skipped = stored[SHARED], set(stored.get(EXCEPT) or ())
    out = {f.name: shared for f in e.fields if f.name not in skipped}
    out.update((k, v) for k, v in stored.items() if k not in (SHARED, EXCEPT))
    return out


def expand_row(e: Entity, row: dict[str, Any]) -> dict[str, Any]:
    """`row` with both metadata columns expanded (in place; returned for chaining)."""
    for key in ("field_versions", "field_clocks"):
        if key in row:
            row[key] = expand(e, row[key])
    return row
