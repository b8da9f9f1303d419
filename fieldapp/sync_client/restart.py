"""Two ways a sync must start again without losing anything typed.

The service was restored from a backup (`cursor_ahead`): the server's feed is behind the
cursor this device holds, so the rows written since the restore would never come down
from that cursor, and the edits it acknowledged after the backup are gone from the
server. `start_over` forgets the cursor (the next request is an initial sync) and queues
again every field this device was the last to write (its clock stamp names this device),
based on version 0: what the server lost is applied again, what it kept is answered
"same value", and a value someone wrote since becomes a conflict a person settles.

This data folder was restored from a backup (`op_id_reused`): its operation counter went
back, so new operations reuse ids the server already holds for other changes, which the
server refuses rather than drop. `reissue_reused` moves the counter past any value used
before (to the wall clock in milliseconds, far beyond a counter that counts one by one)
and gives those operations new ids, so they are sent again on the same sync. The folder
also lacks the rows it wrote after the backup, which the server never echoes to the
device that wrote them: `pull_everything` then asks for every row once without naming
the device (so nothing is left out as "its own").
"""
from __future__ import annotations

import time

from fieldapp.core import outbox
from fieldapp.core.store import Store

CURSOR_AHEAD = "cursor_ahead"
OP_ID_REUSED = "op_id_reused"


def start_over(store: Store, cursor_key: str) -> int:
    """Forget the cursor and queue this device's last-written fields again; returns the
    number of operations queued."""
    return outbox.queue_own_fields_again(store, cursor_key)


def reissue_reused(store: Store, results: list[dict]) -> int:
    """Give the operations the server refused as `op_id_reused` new ids and send them
    again; returns how many."""
    reused = [r["op_id"] for r in results
              if r.get("status") == "rejected" and str(r.get("reason") or "").startswith(OP_ID_REUSED + ":")]
    if not reused:
        return 0
    return outbox.reissue(store, reused, int(time.time() * 1000))


def pull_everything(store: Store, transport, cursor_key: str, page_limit: int | None = None) -> int:
    """Pull every row in scope from the start, own writes included (no `device` in the
    request, no ops), applying each page with its cursor; returns the changes received."""
    from fieldapp.sync_client.apply import apply_reply

    received, cursor = 0, None
    while True:
        request: dict = {"cursor": cursor, "ops": [], "compact": True}
        if page_limit:
            request["limit"] = page_limit
        reply = transport.sync(request)
        received += apply_reply(store, [], reply).received
        cursor = store.meta(cursor_key)
        if not reply.get("more"):
            return received
