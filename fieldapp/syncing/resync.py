"""Sync again from scratch, keeping the outbox: the service's history no longer reaches
back to this device's cursor (`cursor_expired`: removals older than its horizon were
purged, sync/server/retention.py), so rows that left this user's scope meanwhile would
never be removed. Every synced row without an unsent edit is dropped and the cursor
forgotten; the next request is an initial sync that brings back what is still in scope,
and the unsent edits go up with it, as typed."""
from __future__ import annotations

from sqlalchemy import delete

from fieldapp.core import search
from fieldapp.core.schema import ENTITIES
from fieldapp.core.store import Store
from fieldapp.core.tables import TABLES

CURSOR_EXPIRED = "cursor_expired"


def from_scratch(store: Store, cursor_key: str) -> int:
    """Drop the synced rows this device has no unsent edit to; returns how many."""
    o = TABLES["outbox"]
    dropped = 0
    with store.transaction(foreign_keys=False) as conn:
        keep = {(r.entity, r.row_id) for r in conn.execute(o.select().with_only_columns(o.c.entity, o.c.row_id))}
        for e in reversed(ENTITIES):
            if e.name == "reference":
                continue  # shipped with the app; the feed refreshes what the service changed
            t = TABLES[e.name]
            kept = [row_id for entity, row_id in keep if entity == e.name]
            q = delete(t).where(t.c.id.not_in(kept)) if kept else delete(t)
            dropped += conn.execute(q).rowcount or 0
        search.rebuild(conn)
        store.set_meta(cursor_key, None, conn)
    return dropped
