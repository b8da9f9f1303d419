"""A row's per-field sync metadata (field_versions, field_clocks) as the client stores it.

A row that arrives whole from the service (an initial sync: every row of the demo world)
has one version and one clock shared by all its fields. Written out per field, that was
2 KB of JSON per practice, the synced database 1.4x the same data generated locally; so
the page apply stores the shared value once:

    {"*": shared, "-": fields it does not cover, other keys: their own value}

`expand` gives back exactly the per-field dict (known fields only), so every reader
calls it. Writers that merge new keys into a stored dict (`stored | {field: value}`) stay
correct without expanding: a key of its own always wins over "*".

"-" is the list of names, or "@" and a key naming a registered list. Spelled out, the
names (the null fields of a practice: its missing translations, ~28 of them) took 440
bytes in each of the two columns and pushed a practice past half a 4 KB page: one row
per page instead of two, the synced database 1.31x the local one (bench/sync_scale.py).
A page holds only a few dozen distinct lists; each is stored once in the `meta` table
(`SET_PREFIX` + key) in the transaction of the rows that use it, and `load` reads them
when the store opens. The key is a digest of the names, so a list has one key in every
database and the registry of this process is valid for all the stores it opens.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Mapping

from fieldapp.core.fieldspec import Entity

from sync.wire import ALL_FIELDS

SHARED, EXCEPT = ALL_FIELDS, "-"  # the wire's "*", and the fields it does not cover
REF, SET_PREFIX = "@", "rowmeta_set:"  # a registered list of names; its key in the meta table
_SETS: dict[str, tuple[str, ...]] = {}  # key -> names, for every store of this process (content-addressed)


def set_key(names: Iterable[str]) -> str:
    """The registry key of a list of names: a digest of them, the same in every database."""
    return hashlib.blake2s("\n".join(names).encode(), digest_size=8).hexdigest()


def register(names: Iterable[str]) -> str | None:
    """The stored "-" of these names ("@" + key), known to this process from now on; None
    in the astronomically unlikely case that the key names another list already (the
    caller then spells the names out)."""
    names = tuple(names)
    key = set_key(names)
    known = _SETS.setdefault(key, names)
    return REF + key if known == names else None


def load(rows: Iterable[tuple[str, str]]) -> None:
    """Register the lists a database holds (`meta` rows whose key starts with SET_PREFIX)."""
    for meta_key, value in rows:
        names = tuple(json.loads(value))
        key = meta_key[len(SET_PREFIX):]
        if set_key(names) == key:  # content-addressed: a row that does not match is ignored
            _SETS.setdefault(key, names)


def saved(refs: Iterable[str]) -> list[tuple[str, str]]:
    """The meta rows (key, JSON names) of these "-" references, for the writer to store in
    the transaction of the rows that use them."""
    return [(SET_PREFIX + ref[1:], json.dumps(list(_SETS[ref[1:]]))) for ref in refs]


def skipped(stored: Mapping[str, Any]) -> tuple[str, ...]:
    """The names in a stored "-" (a list, or a registered one)."""
    value = stored.get(EXCEPT)
    if isinstance(value, str):
        if not value.startswith(REF) or value[1:] not in _SETS:
            raise KeyError(f"unknown field list {value!r} in stored row metadata (its meta row is missing)")
        return _SETS[value[1:]]
    return tuple(value or ())


def _except(names: list[str]) -> Any:
    """The stored "-" of these names: a registered reference once there are a few."""
    if len(names) < 3:
        return names
    return register(names) or names


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
    out: dict[str, Any] = {SHARED: shared, EXCEPT: _except([f.name for f in e.fields if f.name not in covered])}
    out.update((k, v) for k, v in meta.items() if k not in covered)
    return out


def from_wire(e: Entity, meta: Mapping[str, Any], covered: Iterable[str]) -> dict[str, Any]:
    """The stored form of a change's compact metadata as sent (sync.wire: "*" covers the
    fields in `covered`), straight, without writing it out per field first."""
    if SHARED not in meta:
        return compact(e, meta)
    covering = set(covered)
    return from_wire_except(meta, _except([f.name for f in e.fields if f.name not in covering]))


def from_wire_except(meta: Mapping[str, Any], uncovered: Any) -> dict[str, Any]:
    """`from_wire` with the stored "-" already made (the page apply makes it once per set
    of null fields, not once per row)."""
    return {SHARED: meta[SHARED], EXCEPT: uncovered, **{k: v for k, v in meta.items() if k != SHARED}}


def uncovered(e: Entity, covered: Iterable[str]) -> Any:
    """The stored "-" for a row whose "*" covers `covered`."""
    covering = set(covered)
    return _except([f.name for f in e.fields if f.name not in covering])


def expand(e: Entity, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The per-field dict of a stored one (the inverse of `compact`)."""
    if not stored:
        return {}
    if SHARED not in stored:
        return dict(stored)
    shared, skip = stored[SHARED], set(skipped(stored))
    out = {f.name: shared for f in e.fields if f.name not in skip}
    out.update((k, v) for k, v in stored.items() if k not in (SHARED, EXCEPT))
    return out


def expand_row(e: Entity, row: dict[str, Any]) -> dict[str, Any]:
    """`row` with both metadata columns expanded (in place; returned for chaining)."""
    for key in ("field_versions", "field_clocks"):
        if key in row:
            row[key] = expand(e, row[key])
    return row
