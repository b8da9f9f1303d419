"""The one route of steady-state sync: operations in, results and the feed page out."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from sync.protocol import SyncRequest, SyncResponse, parse_cursor
from sync.server import erasure, retention, scope_changes
from sync.server.deps import ERRORS, ApiError, CurrentUser, Svc
from sync.server.logs import log
from sync.server.reply_json import encode_reply

router = APIRouter(tags=["sync"], responses=ERRORS)


@router.post("/v1/sync", response_model=SyncResponse)
def sync(body: SyncRequest, user: CurrentUser, svc: Svc) -> Any:
    """One round trip: apply the client's operations, answer one result per operation,
    then the changes since `cursor` in the user's scope (see sync/protocol.py)."""
    storage = svc.storage
    device = body.device or (body.ops[0].device if body.ops else None)
    for i, op in enumerate(body.ops):
        if op.device != device:
            raise ApiError(422, "mixed_devices", "every op of a request comes from the request's device",
                           f"ops[{i}].op_id")
    cursor, epoch = parse_cursor(body.cursor)
    with svc.engine.connect() as conn:  # the checks before the ops read on one connection
        ahead = storage.cursor_ahead_now(conn, cursor, epoch)
        expired = retention.cursor_expired(conn, cursor)
    if ahead is None:  # this process's epoch begins (first request, or a restore noticed)
        ahead = storage.cursor_is_ahead(cursor, epoch)
    if ahead:
        # The service was restored from a backup older than this client's last sync:
        # answering from `cursor` would skip every row written since the restore.
        raise ApiError(409, "cursor_ahead", f"your cursor ({cursor}) comes from before the service was restored "
                       "from a backup: sync again from the start and re-send your changes", "cursor")
    if expired:  # removals it would need were purged
        raise ApiError(409, retention.EXPIRED, f"your cursor ({cursor}) is older than the history this service "
                       "keeps: sync again from the start, keeping your unsent changes", "cursor")
    # An op no correct client sends is answered as that op's `rejected` result by the
    # storage (check_op_shape), so the rest of the outbox still syncs.
    results = storage.apply_ops(user, body.ops) if body.ops else []
    page = storage.changes(user, device, cursor, body.limit, compact=body.compact, columnar=body.columnar)
    if body.ops:
        counts: dict[str, int] = {}
        for r in results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        log("sync", user=user.name, device=device, ops=len(body.ops), **counts, changes=len(page["changes"]))
        svc.metrics.count_ops(counts)
    # The models above document the answer; a page of thousands of changes is
    # serialised directly rather than validated again field by field.
    payload = {"results": results, **page}
    with svc.engine.connect() as conn:  # and the reads after the page, on one connection
        payload["erasure_seq"] = erasure.latest_seq(conn)
        device_seen = scope_changes.seen(conn, user, device)
    if scope_changes.changed(svc.engine, user, device, device_seen):  # the user's regions changed: POST /v1/scope
        payload["scope_changed"] = True
    # strict JSON, never a bare NaN; each change common to its readers is encoded once
    return Response(encode_reply(payload), media_type="application/json")
