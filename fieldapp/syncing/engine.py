"""The client's sync loop: push the outbox and pull changes in the protocol's one round
trip, page after page, then move attachments. Qt-free; the window runs it in a worker.

Steady state is one request: the whole outbox (up to the protocol's limit) goes up and
the changes since the cursor come down in the same reply. An initial sync loops while
the server says `more`. Each reply is applied with its cursor in one transaction.
"""
from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, fields
from typing import Callable

from fieldapp.core.store import Store, utcnow
from fieldapp.syncing import blobs, restart
from fieldapp.syncing.apply import CURSOR_KEY, PageSummary, apply_reply, take_batch
from fieldapp.syncing.transport import AuthRequired, ServerRefused, Transport, TransportError

MAX_OPS = 1000  # sync.protocol.MAX_OPS; kept here so the client never imports the server
LAST_RESULT_KEY = "sync_last_result"


@dataclass
class Progress:
    """What the progress bar shows: records and bytes, both ways."""

    phase: str = "records"  # records | attachments | done
    ops_sent: int = 0
    changes_received: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    requests: int = 0


@dataclass
class SyncResult(PageSummary):
    """A whole sync: the page counts summed, plus what only the whole run knows."""

    ok: bool = False
    started_at: str = ""
    finished_at: str = ""
    pushed: int = 0
    attachments_sent: int = 0
    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    cancelled: bool = False
    error: str | None = None

    def add(self, page: PageSummary, pushed: int) -> None:
        self.pushed += pushed
        for f in fields(PageSummary):
            mine = getattr(self, f.name)
            setattr(self, f.name, mine + getattr(page, f.name))


class Cancelled(Exception):
    pass


class SyncEngine:
    def __init__(self, store: Store, transport: Transport, *, page_limit: int | None = None,
                 attachments: bool = True):
        self.store = store
        self.transport = transport
        self.page_limit = page_limit
        self.attachments = attachments
        self._lock = threading.Lock()  # one sync at a time per data folder

    def sync(self, progress: Callable[[Progress], None] | None = None, cancel: threading.Event | None = None) -> SyncResult:
        """Run until the outbox is empty and the server has nothing more, or an error.
        Never raises for network trouble: the result says what happened and the next
        sync resumes where this one stopped. Raises AuthRequired when the token is no
        longer accepted."""
        with self._lock:
            result = SyncResult(ok=False, started_at=utcnow())
            before = (self.transport.traffic.requests, self.transport.traffic.bytes_up, self.transport.traffic.bytes_down)
            state = Progress()
            try:
                self._records(result, state, progress, cancel)
                if self.attachments:
                    state.phase = "attachments"
                    result.attachments_sent = blobs.upload_missing(self.store, self.transport)
                result.ok = True
            except Cancelled:
                result.cancelled = True
            except AuthRequired:
                raise  # not network trouble: the caller asks the person to log in again
            except (TransportError, ServerRefused) as exc:
                result.error = str(exc.message if isinstance(exc, ServerRefused) else exc)
            t = self.transport.traffic
            result.requests, result.bytes_up, result.bytes_down = (
                t.requests - before[0], t.bytes_up - before[1], t.bytes_down - before[2])
            result.finished_at = utcnow()
            self.store.set_meta(LAST_RESULT_KEY, json.dumps(asdict(result)))
            state.phase = "done"
            if progress:
                progress(state)
            return result

    def _records(self, result: SyncResult, state: Progress, progress, cancel) -> None:
        started_over = False
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            ops = take_batch(self.store, MAX_OPS)
            request = {"cursor": self.store.meta(CURSOR_KEY), "device": self.store.device_id, "ops": ops,
                       "compact": True}
            if self.page_limit:
                request["limit"] = self.page_limit
            try:
                reply = self.transport.sync(request)
            except ServerRefused as exc:
                if exc.error != restart.CURSOR_AHEAD or started_over:
                    raise
                started_over = True  # the service was restored: from scratch, our changes again
                restart.start_over(self.store, CURSOR_KEY)
                continue
            page = apply_reply(self.store, ops, reply)
            if restart.reissue_reused(self.store, reply.get("results", [])) and not started_over:
                started_over = True  # this folder was restored: fetch what it wrote since its backup
                restart.pull_everything(self.store, self.transport, CURSOR_KEY, self.page_limit)
            result.add(page, len(ops))
            t = self.transport.traffic
            state.ops_sent += len(ops)
            state.changes_received += page.received
            state.bytes_up, state.bytes_down, state.requests = t.bytes_up, t.bytes_down, t.requests
            if progress:
                progress(state)
            if not reply.get("more") and self.store.pending_count() == 0:
                return
            if not reply.get("more") and not ops:
                return


def last_result(store: Store) -> dict | None:
    raw = store.meta(LAST_RESULT_KEY)
    return json.loads(raw) if raw else None


def status(store: Store) -> dict:
    """What `fieldapp sync --status` and the status bar say."""
    return {
        "pending": store.pending_count(),
        "rejected": len(store.rejected()),
        "conflicts": len(store.conflicts()),
        "cursor": store.meta(CURSOR_KEY),
        "last": last_result(store),
    }
