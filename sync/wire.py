"""The wire vocabulary both sides share: limits, reserved keys, the compact encoding.

Pure Python on purpose (no pydantic, no fieldapp, nothing outside the standard library):
the desktop client imports it as it is, the service's pydantic models (sync/protocol.py)
build on it, so a limit or a key is spelled once and the two sides cannot drift apart.
The protocol itself is described in sync/protocol.py.
"""
from __future__ import annotations

from typing import Any

PROTOCOL_VERSION = 1
MAX_OPS = 1000  # ops per sync request; a longer outbox goes in several requests
DEFAULT_PAGE = 2000  # changes per reply when the client asks no `limit` (an initial sync)
MAX_PAGE = 5000  # the largest `limit` a client may ask
OP_KINDS = ("upsert", "delete", "restore", "resolve")
STATUSES = ("applied", "duplicate", "conflict", "rejected")

ROW_KEY = "_row"  # base/versions key: the row as a whole (its latest change of any kind)
DELETED_KEY = "_deleted"  # versions/conflict key: the deleted flag
ALL_FIELDS = "*"  # compact changes: versions/clocks/authors key meaning "every field in `fields`"
SERVER_TIME_HEADER = "x-server-time"  # every reply: the service's clock in ms (clock repair)

_META = ("versions", "clocks", "authors")


def expand_change(change: dict[str, Any]) -> dict[str, Any]:
    """A compact change (SyncRequest.compact) with its per-field metadata written out."""
    out = dict(change)
    for key in _META:
        meta = dict(change.get(key) or {})
        if ALL_FIELDS in meta:
            shared = meta.pop(ALL_FIELDS)
            meta = {name: shared for name in change.get("fields") or {}} | meta
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
