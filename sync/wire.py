"""The wire vocabulary both sides share: limits, reserved keys, the compact encoding.

Pure Python on purpose (no pydantic, no fieldapp, nothing outside the standard library):
the desktop client imports it as it is, the service's pydantic models (sync/protocol.py)
build on it, so a limit or a key is spelled once and the two sides cannot drift apart.
The protocol itself is described in sync/protocol.py.
"""
from __future__ import annotations

from typing import Any, Iterator

PROTOCOL_VERSION = 1
MAX_OPS = 1000  # ops per sync request; a longer outbox goes in several requests
DEFAULT_PAGE = 2000  # changes per reply when the client asks no `limit` (an initial sync)
MAX_PAGE = 10_000  # the largest `limit` a client may ask (an initial sync asks a quarter of the feed, up to this)
OP_KINDS = ("upsert", "delete", "restore", "resolve")
STATUSES = ("applied", "duplicate", "conflict", "rejected")

ROW_KEY = "_row"  # base/versions key: the row as a whole (its latest change of any kind)
DELETED_KEY = "_deleted"  # versions/conflict key: the deleted flag
ALL_FIELDS = "*"  # compact changes: versions/clocks/authors key meaning "every field in `fields`"
SERVER_TIME_HEADER = "x-server-time"  # every reply: the service's clock in ms (clock repair)

_META = ("versions", "clocks", "authors")


def expand_change(change: dict[str, Any], *, skip_nulls: bool = False) -> dict[str, Any]:
    """A compact change (SyncRequest.compact) with its per-field metadata written out.
    `skip_nulls` (columnar pages, whose whole rows carry their null fields too): "*"
    covers the fields with a value only."""
    out = dict(change)
    fields = change.get("fields") or {}
    for key in _META:
        meta = dict(change.get(key) or {})
        if ALL_FIELDS in meta:
            shared = meta.pop(ALL_FIELDS)
            meta = {name: shared for name, value in fields.items() if not (skip_nulls and value is None)} | meta
        out[key] = meta
    return out


def compact_change(change: dict[str, Any]) -> dict[str, Any]:
    """The inverse of expand_change, where every field sent shares its metadata: a row
    written whole (created, imported, seeded) then costs one entry instead of one per
    field, about half the bytes of an initial sync."""
    names = list(change.get("fields") or {})
    if len(names) < 2:
        return change
    out = dict(change)
    for key in _META:
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


def block_shape(change: dict[str, Any]) -> tuple:
    """(entity, op, field names, row keys present): consecutive changes of one shape
    share a block (to_blocks; the service's columnar_json splices by the same shape)."""
    return (change["entity"], change.get("op", "upsert"), tuple(change.get("fields") or {}),
            tuple(k for k in ROW_KEYS if k in change))


def to_blocks(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Changes (compact or not) as columnar blocks; `from_blocks` gives them back."""
    blocks: list[dict] = []
    key: tuple | None = None
    block: dict = {}
    for change in changes:
        fields = change.get("fields") or {}
        this = block_shape(change)
        present = this[3]
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


def from_blocks(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
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
