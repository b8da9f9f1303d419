"""A sync reply, from the wire to the store.

The sync layer decodes what the service sent (compact metadata written out per field;
columnar blocks go to the store as sent, which writes their rows a column at a time) and says what each refusal means; the store applies it (`Store.apply_page`, in
fieldapp/core/pages.py), results, changes, conflicts and cursor in one transaction. Nothing
here writes the store's tables: the store is their only writer (tests/sync_client/test_one_writer.py).
"""
from __future__ import annotations

from fieldapp.core.pages import CURSOR_KEY, WIRE_FORM, PageSummary  # noqa: F401 (the engine's names for them)
from fieldapp.core.store import Store
from sync.wire import expand_change
from fieldapp.sync_client.refusals import Refusal


def take_batch(store: Store, limit: int) -> list[dict]:
    """The oldest pending operations, marked as sent (a later edit then starts a new
    operation instead of folding into one already on the wire). Ops sent before and not
    acknowledged are sent again with the same op_id: the server deduplicates."""
    return store.take_batch(limit)


def judge(reason: str | None) -> tuple[str, str]:
    """What a refusal means: the outbox state the op takes, and what happens next."""
    refusal = Refusal.parse(reason)
    return refusal.state, refusal.action


def apply_reply(store: Store, sent: list[dict], reply: dict) -> PageSummary:
    """Apply one reply of the service to the store (see the module's docstring)."""
    page = dict(reply)
    if reply.get("blocks") is not None:  # a columnar page (SyncRequest.columnar)
        page["blocks"] = reply.pop("blocks")  # as sent: the store applies it a block at a time
        page[WIRE_FORM] = True
    else:
        page["changes"] = [expand_change(c) for c in reply.get("changes", [])]
    return store.apply_page(sent, page, judge)
