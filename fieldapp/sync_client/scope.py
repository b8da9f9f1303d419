"""The client's half of a scope change (sync/server/scope_changes.py): when a sync reply
says `scope_changed`, fetch the difference page by page and apply it like any page
(rows of lost regions removed, rows of gained regions written whole, the cursor kept),
then acknowledge. The outbox is left alone: nothing typed is lost."""
from __future__ import annotations

from fieldapp.core.store import Store
from fieldapp.sync_client.apply import CURSOR_KEY, PageSummary, apply_reply
from fieldapp.sync_client.transport import Transport


def catch_up(store: Store, transport: Transport) -> PageSummary:
    total = PageSummary()
    after = None
    while True:
        page = transport.call("POST", "/v1/scope", json_body={"device": store.device_id, "after": after}).json()
        done = apply_reply(store, [], {"changes": page["changes"], "cursor": store.meta(CURSOR_KEY)})
        total.received += done.received
        total.removed += done.removed
        if not page.get("more"):
            break
        after = page["next"]
    transport.call("POST", "/v1/scope", json_body={"device": store.device_id, "done": True})
    return total
