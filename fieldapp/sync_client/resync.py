"""Sync again from scratch, keeping the outbox: the service's history no longer reaches
back to this device's cursor (`cursor_expired`: removals older than its horizon were
purged, sync/server/retention.py), so rows that left this user's scope meanwhile would
never be removed. Every synced row without an unsent edit is dropped and the cursor
forgotten; the next request is an initial sync that brings back what is still in scope,
and the unsent edits go up with it, as typed."""
from __future__ import annotations

from fieldapp.core import pages
from fieldapp.core.store import Store

CURSOR_EXPIRED = "cursor_expired"


def from_scratch(store: Store, cursor_key: str) -> int:
    """Drop the synced rows this device has no unsent edit to; returns how many."""
    return pages.drop_synced_rows(store, cursor_key)
