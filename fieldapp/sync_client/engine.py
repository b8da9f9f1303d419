"""The client's sync loop: push the outbox and pull changes in the protocol's one round
trip, page after page, then move attachments. Qt-free; the window runs it in a worker.

Steady state is one request: the whole outbox (up to the protocol's limit) goes up and
the changes since the cursor come down in the same reply. An initial sync loops while
the server says `more`. Each reply is applied with its cursor in one transaction.

Field conditions (DESIGN.md sync rule 9):
- the service's clock comes with every reply; edits are stamped with the corrected time,
  and a change refused because the computer's clock was ahead is re-stamped and sent
  again in the same sync (core.hlc, core.outbox);
- a refused change never blocks the device: it is set aside (waiting, or "Needs
  attention") and the rest of the outbox goes on; a request the service fails on
  (5xx) while it still answers without ops is split until the one op at fault is found;
- a full disk stops the sync with a message naming the folder, the database intact.
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Callable

from sqlalchemy.exc import OperationalError

from fieldapp.core import diskspace, outbox
from fieldapp.core.store import Store
from fieldapp.i18n import _
from fieldapp.sync_client import blobs, erasures, restart, resync, scope
from fieldapp.sync_client.apply import CURSOR_KEY, PageSummary, apply_reply, take_batch
from fieldapp.sync_client.collector import fewer_collections
from fieldapp.sync_client.refusals import SELF_HEALING
from fieldapp.sync_client.transport import AuthRequired, NotTheService, ServerRefused, Transport, TransportError
from sync.wire import DEFAULT_PAGE, MAX_OPS, MAX_PAGE  # the limits the service holds, from the one wire module

PAGES_AHEAD = 4  # a long feed is asked for in about this many pages (at most MAX_PAGE each)
FIRST_PAGE = 500  # an initial sync's first page: small, so that applying starts early (_request)
LAST_RESULT_KEY = "sync_last_result"
LAST_SYNC_KEY = "last_sync_at"  # when a sync last succeeded: the window and the CLI read this one
RESTAMP_ROUNDS = 3  # a clock refused again after this many repairs waits for the next sync
_OP_FIELD = re.compile(r"^ops\[(\d+)\]")


@dataclass
class Progress:
    """What the progress bar shows: records and bytes both ways, pages done of total."""

    phase: str = "records"  # records | attachments | done
    ops_sent: int = 0
    ops_total: int = 0  # what waited in the outbox when the sync started
    changes_received: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    requests: int = 0
    pages_done: int = 0
    pages_total: int = 0  # an estimate from the feed's head until the last page (exact then)
    fraction: float = 0.0  # 0..1 of the feed positions to go through, for the bar

    def feed(self, start: int, cursor: int, head: int | None, limit: int, more: bool) -> None:
        self.pages_done += 1
        if not more or head is None:
            self.pages_total = self.pages_done if not more else self.pages_done + 1
            self.fraction = 1.0 if not more else self.fraction
            return
        left = max(head - cursor, 0)
        self.pages_total = self.pages_done + max(1, -(-left // max(limit, 1)))
        span = max(head - start, 1)
        self.fraction = min(max((cursor - start) / span, 0.0), 1.0)


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
    error_kind: str | None = None  # network | not_service | disk_full | refused
    clock_offset_ms: int = 0  # the service's time minus this computer's

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
        self.reserve = diskspace.SYNC_RESERVE  # free bytes a sync needs before each page
        if transport.on_server_time is None:
            transport.on_server_time = store.observe_server_time
        self._lock = threading.Lock()  # one sync at a time per data folder
        self.legacy_service = False  # an older service: no columnar pages, pages up to its own limit
        self._erasure_seq: int | None = None  # the service's latest erasure, from its last reply

    def sync(self, progress: Callable[[Progress], None] | None = None, cancel: threading.Event | None = None) -> SyncResult:
        """Run until the outbox is empty and the server has nothing more, or an error.
        Never raises for network trouble or a full disk: the result says what happened
        and the next sync resumes where this one stopped. Raises AuthRequired when the
        token is no longer accepted."""
        with self._lock:
            result = SyncResult(ok=False, started_at=self.store.time.iso())
            before = (self.transport.traffic.requests, self.transport.traffic.bytes_up, self.transport.traffic.bytes_down)
            state = Progress()
            try:
                diskspace.ensure_room(self.store.data_dir, self.reserve)
                outbox.requeue_waiting(self.store, SELF_HEALING)
                state.ops_total = self.store.pending_count()
                self._know_the_time(state.ops_total)
                self._records(result, state, progress, cancel)
                if erasures.behind(self.store, self._erasure_seq, bool(result.received or result.removed)):
                    erasures.catch_up(self.store, self.transport)
                if self.attachments:
                    state.phase = "attachments"
                    if progress:
                        progress(replace(state))
                    result.attachments_sent = blobs.upload_missing(self.store, self.transport)
                result.ok = True
            except Cancelled:
                result.cancelled = True
            except AuthRequired:
                raise  # not network trouble: the caller asks the person to log in again
            except (TransportError, ServerRefused) as exc:
                result.error = str(exc.message if isinstance(exc, ServerRefused) else exc)
                result.error_kind = ("refused" if isinstance(exc, ServerRefused) else
                                     "not_service" if isinstance(exc, NotTheService) else "network")
            except (OperationalError, sqlite3.OperationalError, OSError) as exc:
                full = diskspace.explain(exc, self.store.data_dir, self.reserve)
                if full is None:
                    raise
                result.error, result.error_kind = full.message, "disk_full"
            t = self.transport.traffic
            result.requests, result.bytes_up, result.bytes_down = (
                t.requests - before[0], t.bytes_up - before[1], t.bytes_down - before[2])
            result.finished_at = self.store.time.iso()
            result.clock_offset_ms = self.store.time.offset_ms
            self._remember(result)
            state.phase = "done"
            if progress:
                progress(replace(state))
            return result

    def _remember(self, result: SyncResult) -> None:
        try:
            self.store.set_meta(LAST_RESULT_KEY, json.dumps(asdict(result)))
            if result.ok:
                self.store.set_meta(LAST_SYNC_KEY, result.finished_at)
        except (OperationalError, sqlite3.OperationalError) as exc:  # a full disk: the result is still shown
            if not diskspace.is_disk_full(exc):
                raise

    def _know_the_time(self, pending: int) -> None:
        """Edits about to go need the service's time: ask for it (a small GET) unless
        this process measured it and the computer's clock has not jumped since; then
        repair stamps made with a wrong clock before they leave."""
        if pending and not self.store.time.fresh:
            try:
                self.transport.health()
            except ServerRefused:
                pass  # an old service without /v1/health: its sync replies carry the time too
        if self.store.time.fresh and pending:
            outbox.restamp(self.store)

    def _records(self, result: SyncResult, state: Progress, progress, cancel) -> None:
        """Push and pull page after page. While the service says `more` and nothing was
        pushed, the next page is asked for before this one is applied (the service builds
        it while the disk takes this one): an initial sync costs the slower of the two
        sides, not their sum."""
        with fewer_collections(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prefetch") as pool:
            self._pages(result, state, progress, cancel, pool)

    def _pages(self, result: SyncResult, state: Progress, progress, cancel, pool: ThreadPoolExecutor) -> None:
        batch_size, rounds = MAX_OPS, 0
        start = self._cursor_number()
        started_over = False
        ahead: tuple[dict, Future] | None = None
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                diskspace.ensure_room(self.store.data_dir, self.reserve)
                if ahead is not None:
                    (request, future), ahead = ahead, None
                    ops: list[dict] = []
                else:
                    ops = take_batch(self.store, batch_size)
                    request = self._request(self.store.meta(CURSOR_KEY), ops)
                    future = None
                try:
                    # a page fetched ahead waits as bytes, not objects: one page in memory
                    reply = future.result().json() if future is not None else self.transport.sync(request)
                except TransportError as exc:
                    batch_size = self._isolate(exc, ops, request)
                    continue
                except ServerRefused as exc:
                    if self._fall_back(exc):
                        continue
                    if exc.error == restart.CURSOR_AHEAD and not started_over:
                        started_over = True  # the service was restored: from scratch, our changes again
                        restart.start_over(self.store, CURSOR_KEY)
                        start = 0
                        continue
                    if exc.error == resync.CURSOR_EXPIRED and not started_over:
                        started_over = True  # older than the service's history: from scratch, the outbox kept
                        resync.from_scratch(self.store, CURSOR_KEY)
                        start = 0
                        continue
                    if isinstance(exc, AuthRequired) or not self._set_aside_named(exc, ops):
                        raise
                    continue
                if reply.get("more") and not ops:
                    span = (_int(reply.get("head")) or 0) - start
                    following = self._request(reply.get("cursor"), [], span)
                    ahead = (following, pool.submit(self.transport.call, "POST", "/v1/sync", json_body=following))
                page = apply_reply(self.store, ops, reply)
                self._erasure_seq = reply.get("erasure_seq", self._erasure_seq)
                if reply.get("scope_changed"):  # the user's regions changed: the difference, not a re-sync
                    scoped = scope.catch_up(self.store, self.transport)
                    page.received, page.removed = page.received + scoped.received, page.removed + scoped.removed
                if restart.reissue_reused(self.store, reply.get("results", [])) and not started_over:
                    started_over = True  # this folder was restored: fetch what it wrote since its backup
                    restart.pull_everything(self.store, self.transport, CURSOR_KEY, self.page_limit)
                if page.restamp:
                    rounds += 1
                    if rounds > RESTAMP_ROUNDS:
                        self._wait(page.restamp)
                    else:
                        outbox.restamp(self.store, op_ids=page.restamp)
                batch_size = MAX_OPS
                result.add(page, len(ops) - len(page.restamp))
                t = self.transport.traffic
                state.ops_sent += len(ops) - len(page.restamp)
                state.changes_received += page.received
                state.bytes_up, state.bytes_down, state.requests = t.bytes_up, t.bytes_down, t.requests
                state.feed(start, self._cursor_number(), _int(reply.get("head")), request.get("limit") or DEFAULT_PAGE,
                           bool(reply.get("more")))
                if progress:
                    progress(replace(state))
                if not reply.get("more") and self.store.pending_count() == 0:
                    return
                if not reply.get("more") and not ops:
                    return
        finally:
            if ahead is not None and not ahead[1].cancel():
                ahead[1].exception()  # stopped with a page on its way: let it land, unread (next sync)

    def _request(self, cursor: str | None, ops: list[dict], span: int = 0) -> dict:
        """The next sync request. Pages: DEFAULT_PAGE first (FIRST_PAGE for an initial
        sync, which starts from no cursor: the client waits for the service to build
        the first page, 0.45 s for 2000 practices, and does nothing meanwhile; the next
        ones are built while it applies this one); once the service said how far its
        feed goes (`span`: positions from where this sync started to the head), a
        quarter of that, up to MAX_PAGE: an initial sync of 265 000 records is under
        30 requests, one of 10 000 five pages whose fetching and applying overlap."""
        request: dict[str, Any] = {"cursor": cursor, "device": self.store.device_id, "ops": ops, "compact": True}
        if not self.legacy_service:
            request["columnar"] = True
        limit = self.page_limit
        if limit is None and not self.legacy_service:
            limit = FIRST_PAGE if cursor is None and not span else min(MAX_PAGE, max(DEFAULT_PAGE, -(-span // PAGES_AHEAD)))
        if limit:
            request["limit"] = limit
        return request

    def _fall_back(self, exc: ServerRefused) -> bool:
        """An older service refuses `columnar` or a page over its limit (422): ask it
        the way it understands from now on. Returns whether the request is worth again."""
        if self.legacy_service or exc.status != 422 or (exc.field or "") not in ("columnar", "limit"):
            return False
        self.legacy_service = True
        return True

    def _isolate(self, exc: TransportError, ops: list[dict], request: dict) -> int:
        """The service failed (5xx) on a request with ops. If it answers a request without
        them, the fault is in the ops: halve the batch, and set aside the single op it
        fails on, so one bad op never blocks the device. Else it is down: stop."""
        if not ops or exc.status is None or exc.status < 500:
            raise exc
        self.transport.sync(request | {"ops": [], "limit": 1})  # raises when the service is down
        if len(ops) > 1:
            return max(1, len(ops) // 2)
        outbox.set_aside_many(self.store, [ops[0]["op_id"]], outbox.REJECTED,
                              "server_error: " + _("the service failed on this change (HTTP {status})").format(status=exc.status))
        return MAX_OPS

    def _set_aside_named(self, exc: ServerRefused, ops: list[dict]) -> bool:
        """A 422 naming one op (`ops[3].fields.title`): that op is set aside with the
        reason and the rest goes on. Returns False when no op is named."""
        match = _OP_FIELD.match(exc.field or "")
        if exc.status != 422 or not match or int(match.group(1)) >= len(ops):
            return False
        op = ops[int(match.group(1))]
        outbox.set_aside_many(self.store, [op["op_id"]], outbox.REJECTED, f"{exc.error}: {exc.message}")
        return True

    def _wait(self, op_ids: list[str]) -> None:
        outbox.set_aside_many(self.store, op_ids, outbox.WAITING, "clock_ahead: " + _("the clock is still refused"))

    def _cursor_number(self) -> int:
        """The feed position of our cursor ("<position>.<epoch>"), for progress only."""
        return _int((self.store.meta(CURSOR_KEY) or "").partition(".")[0] or None) or 0


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def last_result(store: Store) -> dict | None:
    raw = store.meta(LAST_RESULT_KEY)
    return json.loads(raw) if raw else None


def status(store: Store) -> dict:
    """What `fieldapp sync --status` and the status bar say."""
    return {
        "pending": store.pending_count(),
        "waiting": len(store.set_aside(("waiting",))),
        "rejected": len(store.rejected()),
        "unsynced": store.unsynced_count(),
        "conflicts": len(store.conflicts()),
        "cursor": store.meta(CURSOR_KEY),
        "last": last_result(store),
        "last_sync": store.meta(LAST_SYNC_KEY),
    }
