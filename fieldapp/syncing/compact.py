"""Compact changes on the wire (`"compact": true` in a sync request).

A row written whole (created, imported, seeded) has one version, one clock and one
author for every field; sending them once under the key "*" instead of once per field
halves an initial sync. Kept free of any dependency: the desktop client and the server
(sync/protocol.py) share it, and the frozen client ships without the server's packages.
"""
from __future__ import annotations

ALL_FIELDS = "*"  # compact changes: versions/clocks/authors key meaning "every field in `fields`"


def expand_change(change: dict) -> dict:
    """A compact change (see SyncRequest.compact) with its per-field metadata written out."""
    out = dict(change)
    for key in ("versions", "clocks", "authors"):
        meta = dict(change.get(key) or {})
        if ALL_FIELDS in meta:
            shared = meta.pop(ALL_FIELDS)
            meta = {name: shared for name in change.get("fields") or {}} | meta
        out[key] = meta
    return out


def compact_change(change: dict) -> dict:
    """The inverse of expand_change, where every field sent shares its metadata."""
    names = list(change.get("fields") or {})
    if len(names) < 2:
        return change
    out = dict(change)
    for key in ("versions", "clocks", "authors"):
        meta = change.get(key) or {}
        values = [meta.get(n) for n in names]
        if all(n in meta for n in names) and len({repr(v) for v in values}) == 1:
            out[key] = {ALL_FIELDS: values[0]} | {k: v for k, v in meta.items() if k not in names}
    return out
