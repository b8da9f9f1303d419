"""Compact changes on the wire (`"compact": true` in a sync request).

A row written whole (created, imported, seeded) has one version, one clock and one
author for every field; sending them once under the key "*" instead of once per field
halves an initial sync. Kept free of any dependency: the desktop client and the server
(sync/protocol.py) share it, and the frozen client ships without the server's packages.
"""
from __future__ import annotations

from typing import Iterator

ALL_FIELDS = "*"  # compact changes: versions/clocks/authors key meaning "every field in `fields`"


def expand_change(change: dict, *, skip_nulls: bool = False) -> dict:
    """A compact change (see SyncRequest.compact) with its per-field metadata written out.
    `skip_nulls` (columnar pages, whose whole rows carry their null fields too): "*"
    covers the fields with a value only."""
    out = dict(change)
    fields = change.get("fields") or {}
    for key in ("versions", "clocks", "authors"):
        meta = dict(change.get(key) or {})
        if ALL_FIELDS in meta:
            shared = meta.pop(ALL_FIELDS)
            meta = {name: shared for name, value in fields.items() if not (skip_nulls and value is None)} | meta
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


# Columnar pages (`"columnar": true` in a sync request). An initial sync is thousands of
# rows of one table; sent as one array per field instead of one object per row, the
# values of a field sit together (descriptions next to descriptions), which a compressor
# with gzip's 32 KB window folds far better, and no field name is repeated per row.
# A block is a run of consecutive changes of one entity, one op and one set of fields:
#   {"entity": "practice", "op": "upsert", "names": ["title", ...],
#    "cols": {"id": [...], "pos": [...], "versions": [...], "clocks": [...],
#             "authors": [...], "deleted": [...], "created_at": [...], "updated_at": [...]},
#    "fields": [[values of "title"], ...]}
# The order of the changes is kept (blocks in order, rows in order within a block).
ROW_KEYS = ("id", "pos", "versions", "clocks", "authors", "deleted", "created_at", "updated_at")


def to_blocks(changes: list[dict]) -> list[dict]:
    """Changes (compact or not) as columnar blocks; `from_blocks` gives them back."""
    blocks: list[dict] = []
    key: tuple | None = None
    block: dict = {}
    for change in changes:
        fields = change.get("fields") or {}
        present = tuple(k for k in ROW_KEYS if k in change)
        this = (change["entity"], change.get("op", "upsert"), tuple(fields), present)
        if this != key:
            key = this
            block = {"entity": this[0], "op": this[1], "names": list(this[2]),
                     "cols": {k: [] for k in present}, "fields": [[] for _ in this[2]]}
            blocks.append(block)
        for k, column in block["cols"].items():
            column.append(change[k])
        for column, value in zip(block["fields"], fields.values()):
            column.append(value)
    return blocks


def from_blocks(blocks: list[dict]) -> Iterator[dict]:
    """The changes of columnar blocks, in order, as `to_blocks` received them; each
    block's columns are let go once its rows are made."""
    while blocks:
        block = blocks.pop(0)
        cols = block.get("cols") or {}
        keys = list(cols)
        names = block.get("names") or []
        n = len(cols.get("id") or [])
        entity, op = block.get("entity"), block.get("op", "upsert")
        head = zip(*(cols[k] for k in keys)) if keys else iter([()] * n)
        values = zip(*block["fields"]) if names else iter([()] * n)
        for row, fields in zip(head, values):
            change = {"op": op, "entity": entity, **dict(zip(keys, row))}
            change["fields"] = dict(zip(names, fields))
            yield change
