"""The sync storage: applies operations with the merge rules, and reads the change feed.

Why the feed never skips (DESIGN.md sync rule 5). A plain sequence hands out numbers at
insert time, so a transaction that took 41 but commits after one that took 42 becomes
visible behind a reader who already moved its cursor to 42: that change is never sent.
Here positions come from the single `feed_counter` row, locked (SELECT ... FOR UPDATE)
from the moment they are handed out until the commit, still holding the lock. Positions
are therefore assigned in commit order: once a reader sees the counter at N committed,
every position <= N is committed and visible. Readers never lock: they read the committed
counter N first, then the feed up to N, so nothing committing later can fall behind.

On PostgreSQL a batch of operations does not hold that lock while it works: it writes
its rows, feed entries and conflicts with provisional positions (a block of its own above
every real position, Positions.provisional), and only at the end locks the counter,
numbers them (one statement shifting the block down to the counter's next positions:
_number) and commits. With the lock held for the whole transaction, every write of every
server process queued behind one that was waiting for the CPU (bench/server.py: on
average 6-7 of 20 connections waiting on the counter; 1.3 now). Batches work at once;
what the lock serialised besides positions is kept by row locks: a row written is locked
(SELECT ... FOR UPDATE), a row whose region a write copies is locked for share (a child
cannot take its parent's old region while the parent moves), two batches creating one id
are told apart by the primary key (the second is run again and merges), and a deadlock
between two batches locking rows in opposite orders runs the loser again. SQLite has one
writer at a time anyway (BEGIN IMMEDIATE): there the counter is locked first, as before.

The feed holds one "change" entry per row (moved to the new position at each change) and
"removed" entries when a row leaves a region, so an initial sync reads each row once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import Connection, Engine, String, and_, any_, bindparam, delete, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from fieldapp.core.fieldspec import REF, Entity, validate
from fieldapp.core.reference import Catalog, shipped_rows
from fieldapp.core.schema import BY_NAME, ENTITIES, REFERENCE, is_global, scope_path
from fieldapp.i18n import _
from sync import merge
from sync.merge import Outcome, Side
from sync.protocol import ALL_FIELDS, DELETED_KEY, ROW_KEY, Op, ShapeError, check_op_shape
from sync.server import erased
from sync.server.columnar_json import Blocks, Piece, piece
from sync.server.db import write_conn
from sync.server.logs import log
from sync.server.principal import Principal
from sync.server.reply_json import Changes, dumps
from sync.server.row_cache import Bounded
from sync.server.tables import GLOBAL_SCOPE, NO_SCOPE, TABLES
from sync.server.write_batch import Conn, WriteBatch, absent

SYSTEM_DEVICE = "server"
SCOPE_KEY = "_scope"  # field_devices: the device whose write put the row in its region


def utcnow() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def op_digest(op: Op) -> str:
    """A fingerprint of what an op says (everything but its id): the same op_id re-sent
    after a lost reply has the same digest; an op_id reused for another change has not."""
    body = {"entity": op.entity, "row_id": op.row_id, "kind": op.kind, "fields": op.fields, "base": op.base,
            "hlc": op.hlc}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                     default=str).encode("utf-8", "surrogatepass")).hexdigest()


def _shared(meta: dict, covered: list[str], compact: bool) -> dict:
    """Per-field metadata of a change, under the one key "*" when every field of
    `covered` shares it (protocol: SyncRequest.compact); as it is otherwise. `covered`:
    the fields sent, or for columnar pages those with a value (a whole row's null fields
    keep what they have, most often nothing: protocol.expand_change)."""
    if not compact or len(covered) < 2:
        return meta
    try:
        values = {meta[k] for k in covered}
    except KeyError:
        return meta
    if len(values) != 1:
        return meta
    if len(meta) == len(covered):
        return {ALL_FIELDS: values.pop()}
    named = set(covered)
    return {ALL_FIELDS: values.pop()} | {k: v for k, v in meta.items() if k not in named}


def rejected(op: Op, code: str, message: str, field: str | None) -> dict[str, Any]:
    """A per-op refusal: `reason` is "<code>: <message>", nothing changed."""
    return {"op_id": op.op_id, "status": "rejected", "reason": f"{code}: {message}", "field": field,
            "versions": {}, "values": {}}


def out_of_scope() -> "Rejected":
    """The one refusal of every write outside the sender's regions (a foreign region, a
    row of another region, an id taken there): alike, so no answer reveals which."""
    return Rejected("out_of_scope", _("this change is outside the regions of your account; it was not applied"),
                    "region")


class Rejected(Exception):
    """An operation refused with a reason; its partial writes are rolled back."""

    def __init__(self, code: str, message: str, field: str | None = None, *,
                 versions: Mapping[str, int] | None = None, values: Mapping[str, Any] | None = None):
        self.code, self.message, self.field = code, message, field
        self.versions, self.values = dict(versions or {}), dict(values or {})  # the server's, for the sender to adopt
        super().__init__(message)


Encoded = bytes | Piece | None  # a change's JSON for every reader: row-wise text, columnar piece, or none

PROVISIONAL = 1 << 62  # above every real position: a write's own numbers until it is numbered
PROVISIONAL_SPAN = 1 << 20  # positions one batch may take


BY_IDS_CHUNK = 1000  # SQLite: ids per query, bound parameters far below its limit


def _by_ids(conn: Connection, cols: Sequence[Any], id_col: Any, ids: Sequence[str]) -> Iterator[Sequence[Any]]:
    """`cols` of the rows whose `id_col` is among `ids`, found by its index whatever the
    statistics say. On PostgreSQL the ids go as one array parameter: an IN list of
    hundreds of bound values cost the service twice the CPU to send. SQLite binds an IN
    list cheaper than it reads a JSON one: a list per chunk of ids."""
    if conn.dialect.name == "postgresql":
        if ids:
            yield from conn.execute(select(*cols).where(id_col == any_(bindparam("ids", list(ids), type_=ARRAY(String))))).all()
        return
    for i in range(0, len(ids), BY_IDS_CHUNK):  # all() fetches at once: row by row cost a call chain per row
        yield from conn.execute(select(*cols).where(id_col.in_(ids[i:i + BY_IDS_CHUNK]))).all()


def _is_whole(scope_since: Any, devices: Mapping[str, Any] | None, cursor: int, device: str | None) -> bool:
    """The row entered its region after the cursor through someone else's write: this
    reader may never have had it, so it gets every field (the same change for every such
    reader)."""
    return int(scope_since or 0) > cursor and (devices or {}).get(SCOPE_KEY) != device


@dataclass
class Positions:
    """Feed positions handed out by one write transaction: real ones (the counter locked
    first), or provisional ones above every real position, numbered at the end
    (Storage._number): see the module's docstring."""

    last: int
    start: int = -1
    tables: set[str] = field(default_factory=set)  # entities whose rows took one of them
    conflicts: bool = False  # a conflict took one

    def __post_init__(self) -> None:
        if self.start < 0:
            self.start = self.last

    @classmethod
    def provisional(cls) -> "Positions":
        """Numbers of this batch alone: concurrent batches' entries never collide (a
        random block of 2**20 among 2**40), and each is above every real position, so the
        batch's own checks compare versions as after numbering."""
        return cls(PROVISIONAL + secrets.randbits(40) * PROVISIONAL_SPAN)

    @property
    def is_provisional(self) -> bool:
        return self.start >= PROVISIONAL

    def next(self) -> int:
        self.last += 1
        if self.is_provisional and self.last - self.start >= PROVISIONAL_SPAN:
            raise RuntimeError("a batch took more feed positions than a provisional block holds")
        return self.last


@dataclass
class OpContext:
    conn: WriteBatch
    user: Principal
    op: Op
    positions: Positions
    now: str
    catalog: Catalog  # taken before the transaction: loading it inside would hold a second connection
    absent: set[tuple[str, str]] = field(default_factory=set)  # (entity, id): no such row yet (write_batch.absent)
    result: dict[str, Any] = field(default_factory=dict)


def _child_entities(parent: Entity) -> list[Entity]:
    """Entities whose rows take their region from a row of `parent`."""
    out = []
    for e in ENTITIES:
        hops = scope_path(e)
        if hops and hops[0][0].field(hops[0][1]).ref == parent.name:
            out.append(e)
    return out


CHILDREN = {e.name: _child_entities(e) for e in ENTITIES}


class Storage:
    """Everything the API does to the database, on SQLite and PostgreSQL alike."""

    CATALOG_TTL_S = 30.0
    DEADLOCK_RETRIES = 3
    CACHED_ROWS = 10_000  # decoded rows (a few kB each) and as many whole-row changes with their JSON

    def __init__(self, engine: Engine, *, clock_drift_ms: int = merge.DEFAULT_DRIFT_MS, page_size: int = 2000,
                 max_page: int = 10_000):
        """`page_size`: the rows of a page when the client asks no `limit`; `max_page`: the
        most it may ask for (an initial sync asks for big pages: fewer requests, and more
        context for the compressor)."""
        self.engine = engine
        self.clock_drift_ms = clock_drift_ms
        self.page_size = page_size
        self.max_page = max_page
        self._catalog: Catalog | None = None
        self._catalog_at = 0.0
        self._catalog_lock = threading.Lock()
        self._epoch: str | None = None  # the epoch this process began (see _watch_epoch)
        self._high_water = 0  # the highest cursor this process handed out
        self._epoch_lock = threading.Lock()
        # (entity, id, row_version, updated_at) -> the row's columns as _page_rows reads them
        self._rows: Bounded[tuple] = Bounded(self.CACHED_ROWS)
        # (that key, pos, compact, whole_rows) -> a change that is the same for every reader, and its JSON
        self._whole: Bounded[tuple[dict, Encoded]] = Bounded(self.CACHED_ROWS)

    # ----------------------------------------------------------------- reference data
    @property
    def catalog(self) -> Catalog:
        """Reference lists for validation, reloaded now and then so that several server
        processes pick up an administrator's change."""
        with self._catalog_lock:
            if self._catalog is None or time.monotonic() - self._catalog_at > self.CATALOG_TTL_S:
                with self.engine.connect() as conn:
                    t = TABLES["reference"]
                    self._catalog = Catalog.from_rows(conn.execute(select(t)).mappings())
                self._catalog_at = time.monotonic()
            return self._catalog

    def invalidate_catalog(self) -> None:
        with self._catalog_lock:
            self._catalog = None

    def seed_reference(self) -> int:
        """Insert the shipped reference entries the database lacks (deterministic ids, so
        clients that loaded the same files agree without a transfer)."""
        t = TABLES["reference"]
        with self.engine.connect() as conn:
            have = set(conn.execute(select(t.c.id)).scalars())
        missing = [r for r in shipped_rows() if r["id"] not in have]
        try:
            n = self.seed_rows("reference", missing, validated=True) if missing else 0
        except IntegrityError:
            n = 0  # another server process starting at the same moment seeded them
        self.invalidate_catalog()
        return n

    # ----------------------------------------------------------------- write lock
    @staticmethod
    def _lock_feed(conn: Connection) -> Positions:
        c = TABLES["feed_counter"]
        pos = conn.execute(select(c.c.pos).where(c.c.id == 1).with_for_update()).scalar()
        if pos is None:
            raise RuntimeError("the server database is not initialised: run `fieldapp-server migrate`")
        return Positions(int(pos))

    @staticmethod
    def _release_feed(conn: Connection, positions: Positions, start: int) -> None:
        if positions.last != start:
            c = TABLES["feed_counter"]
            conn.execute(update(c).where(c.c.id == 1).values(pos=positions.last))

    def _number(self, conn: Connection, positions: Positions, results: list[dict[str, Any]], user_id: int,
                device: str, logged: list[str]) -> None:
        """The short step at the end of a batch (PostgreSQL): one statement takes the
        counter's lock and its next positions, and moves the batch's provisional ones
        (start, last] down to them in the feed, its rows (row_version, scope_since,
        field_versions), its conflicts and its logged results (`logged`: their op ids);
        the lock is held until the commit that follows. One round trip: a thread of a
        busy process waits for Python's lock after each one, and the counter's lock is
        held all that while."""
        lo, hi = positions.start, positions.last
        if hi == lo:
            return  # nothing written (duplicates, refusals): no position to take

        def moved(v: str) -> str:  # SQL: a position of this batch moved to its real place
            return f"CASE WHEN {v} > :lo AND {v} <= :hi THEN {v} - :lo + c.base ELSE {v} END"

        def moved_map(obj: str, each: str, agg: str, empty: str) -> str:  # every value of a JSON object
            return (f"COALESCE((SELECT {agg}(key, {moved('value::text::bigint')}) FROM {each}({obj})), '{{}}'::{empty})")

        parts = ["c AS (UPDATE feed_counter SET pos = pos + :n WHERE id = 1 RETURNING pos - :n AS base)",
                 "f AS (UPDATE feed SET pos = feed.pos - :lo + c.base FROM c WHERE feed.pos > :lo AND feed.pos <= :hi)"]
        for i, name in enumerate(sorted(positions.tables)):  # the schema's entity names
            parts.append(f'r{i} AS (UPDATE "{name}" AS t SET row_version = t.row_version - :lo + c.base, '
                         f"scope_since = {moved('t.scope_since')}, "
                         f"field_versions = {moved_map('t.field_versions', 'json_each', 'json_object_agg', 'json')} "
                         "FROM c WHERE t.row_version > :lo AND t.row_version <= :hi)")
        if positions.conflicts:
            parts.append("k AS (UPDATE conflicts SET pos = conflicts.pos - :lo + c.base FROM c "
                         "WHERE conflicts.pos > :lo AND conflicts.pos <= :hi)")
        if logged:
            versions = moved_map("ops.result::jsonb -> 'versions'", "jsonb_each", "jsonb_object_agg", "jsonb")
            parts.append(f"o AS (UPDATE ops SET result = (ops.result::jsonb || jsonb_build_object('versions', {versions}))"
                         "::json FROM c WHERE ops.user_id = :uid AND ops.device = :dev AND ops.op_id = ANY(:ids))")
        base = int(conn.execute(text("WITH " + ", ".join(parts) + " SELECT base FROM c"),
                                {"n": hi - lo, "lo": lo, "hi": hi, "uid": user_id, "dev": device,
                                 "ids": logged}).scalar_one())
        d = lo - base

        def real(v: Any) -> Any:
            return v - d if isinstance(v, int) and not isinstance(v, bool) and lo < v <= hi else v

        if positions.conflicts:  # a side may hold a version this batch wrote (a merge's winner, then a conflict)
            c = TABLES["conflicts"]
            found = conn.execute(select(c.c.id, c.c.sides).where(c.c.pos > base, c.c.pos <= base + hi - lo)).all()
            fixed = [{"cid": cid, "new_sides": [side | {"version": real(side.get("version"))} for side in sides]}
                     for cid, sides in found if any(real(side.get("version")) != side.get("version") for side in sides or [])]
            if fixed:
                conn.execute(update(c).where(c.c.id == bindparam("cid")).values(sides=bindparam("new_sides")), fixed)
        for result in results:
            result["versions"] = {k: real(v) for k, v in result.get("versions", {}).items()}
        positions.last, positions.start = base + (hi - lo), base

    RESTORE_GAP = 10**6  # positions skipped after a restore, beyond the last one handed out before it

    def mark_restored(self, handed_out_before: int | None = None) -> tuple[int, int]:
        """Record that the database was just restored from a backup: every position after
        the restored counter, up to what the lost history may have handed out
        (`handed_out_before`, or a wide margin when unknown), is a cursor from that lost
        history; the counter jumps past them so none is handed out again."""
        lost_until = max(handed_out_before or 0, 0)
        with write_conn(self.engine) as conn, conn.begin():
            positions = self._lock_feed(conn)
            start = positions.last
            until = max(lost_until, start) + (self.RESTORE_GAP if handed_out_before is not None else 10**12)
            conn.execute(insert(TABLES["feed_restores"]).values(after_pos=start, until_pos=until, restored_at=utcnow()))
            positions.last = until
            self._release_feed(conn, positions, start)
        return start, until

    # ----------------------------------------------------------------- restores and epochs
    def cursor_is_ahead(self, cursor: int, epoch: str | None = None) -> bool:
        """Was `cursor` handed out by a history a restore threw away (or never at all)?
        Past the feed's top, inside a recorded restore's gap, or (for a cursor naming its
        `epoch`) not of the epoch this database's history gives its position: the last
        catches a database copied back behind the service's back even once new writes
        have carried the feed past the cursor."""
        with self.engine.connect() as conn:
            known = self.cursor_ahead_now(conn, cursor, epoch)
        if known is not None:
            return known
        self._watch_epoch()  # on connections of its own, none held meanwhile
        with self.engine.connect() as conn:
            return self._ahead(conn, self._counter(conn), cursor, epoch)

    def cursor_ahead_now(self, conn: Connection, cursor: int, epoch: str | None = None) -> bool | None:
        """cursor_is_ahead's usual case, on a connection the request reads on (no lock, no
        write); None when this process's epoch must be begun first: then cursor_is_ahead,
        once that connection is given back."""
        top = self._settled_counter(conn)
        return None if top is None else self._ahead(conn, top, cursor, epoch)

    @staticmethod
    def _counter(conn: Connection) -> int:
        c = TABLES["feed_counter"]
        return int(conn.execute(select(c.c.pos).where(c.c.id == 1)).scalar() or 0)

    def _settled_counter(self, conn: Connection) -> int | None:
        """The feed's counter when this process's epoch needs no change (it exists and the
        counter is not below the cursors handed out), else None: see _watch_epoch."""
        top = self._counter(conn)
        e = TABLES["feed_epochs"]
        mine = self._epoch is not None and conn.execute(select(e.c.seq).where(e.c.id == self._epoch)).first() is not None
        return top if mine and top >= self._high_water else None

    def _ahead(self, conn: Connection, top: int, cursor: int, epoch: str | None) -> bool:
        if cursor <= 0:
            return False
        if cursor > top:
            return True
        r = TABLES["feed_restores"]
        # until_pos itself is the counter right after the restore: a cursor handed out then
        if conn.execute(select(r.c.id).where(r.c.after_pos < cursor, r.c.until_pos > cursor)).first() is not None:
            return True
        return epoch is not None and self._epoch_of(conn, cursor) != epoch

    @staticmethod
    def _epoch_of(conn: Connection, pos: int) -> str | None:
        """The epoch position `pos` was handed out in: the last begun before it (the
        first, for positions older than every epoch). Epochs begin at the counter of
        their moment, so the answer for a position never changes in one history."""
        e = TABLES["feed_epochs"]
        found = conn.execute(select(e.c.id).where(e.c.start_pos < pos).order_by(e.c.seq.desc()).limit(1)).scalar()
        return found or conn.execute(select(e.c.id).order_by(e.c.seq).limit(1)).scalar()

    def cursor_text(self, conn: Connection, pos: int) -> str:
        """The cursor handed to a client: its position and the epoch of that position."""
        self._high_water = max(self._high_water, pos)
        epoch = self._epoch_of(conn, pos)
        return f"{pos}.{epoch}" if epoch else str(pos)

    def _watch_epoch(self) -> None:
        """Begin this process's epoch, and a new one when the database went back under
        it (its epoch gone, or the counter below the highest cursor this process handed
        out: a dump or a file copied back while it ran; positions up to that cursor are then
        a restore's gap)."""
        with self._epoch_lock:
            e = TABLES["feed_epochs"]
            with self.engine.connect() as conn:
                top = self._counter(conn)
                mine = self._epoch is not None and conn.execute(
                    select(e.c.seq).where(e.c.id == self._epoch)).first() is not None
            went_back = top < self._high_water
            if went_back:
                log("the database went back under the service: treated as a restore", logging.WARNING,
                    counter=top, seen=self._high_water)
                self.mark_restored(self._high_water)
            if not mine or went_back:
                with write_conn(self.engine) as conn, conn.begin():
                    start = self._lock_feed(conn).last
                    self._epoch = uuid.uuid4().hex[:16]
                    conn.execute(insert(e).values(id=self._epoch, start_pos=start, started_at=utcnow()))

    def feed_position(self) -> int:
        with self.engine.connect() as conn:
            return self._counter(conn)

    # ----------------------------------------------------------------- seeding
    def seed_rows(self, entity_name: str, rows: Sequence[Mapping[str, Any]], *, validated: bool = False,
                  author: str = "system") -> int:
        """Insert new rows as the server itself (demo data, reference data). Every row is
        validated first; a bad row raises ValueError naming it and writes nothing."""
        e = BY_NAME[entity_name]
        t = TABLES[e.name]
        prepared = []
        for i, values in enumerate(rows):
            data = {k: v for k, v in values.items() if e.has(k)}
            if not validated:
                clean, errors = validate(e, data, partial=False, has_code=self.catalog.has)
                if errors:
                    raise ValueError(f"{e.name} row {i}: " + "; ".join(f"{x.field}: {x.message}" for x in errors))
            else:
                clean = data
            prepared.append((str(values.get("id") or uuid.uuid4()), {f.name: clean.get(f.name) for f in e.fields}))
        if not prepared:
            return 0
        now = utcnow()
        stamp = f"{int(time.time() * 1000):013d}:00000:{SYSTEM_DEVICE}"
        catalog = self.catalog  # before the transaction: loading it inside would hold a second connection
        with write_conn(self.engine) as conn, conn.begin():
            positions = self._lock_feed(conn)
            start = positions.last
            out, feed = [], []
            for row_id, values in prepared:
                self._derive_region(conn, catalog, e, values, set(values))
                scope = self._scope_of(conn, e, values)
                pos = positions.next()
                present = [k for k, v in values.items() if v is not None and v != []]
                out.append({
                    **values, "id": row_id, "created_at": now, "updated_at": now, "author": author, "deleted": False,
                    "field_versions": {k: pos for k in present} | {ROW_KEY: pos, DELETED_KEY: pos},
                    "field_clocks": {k: stamp for k in present},
                    "field_authors": {k: author for k in present},
                    "field_devices": {k: SYSTEM_DEVICE for k in present} | {DELETED_KEY: SYSTEM_DEVICE, SCOPE_KEY: SYSTEM_DEVICE},
                    "row_version": pos, "scope_region": scope, "scope_since": pos,
                })
                feed.append({"pos": pos, "entity": e.name, "row_id": row_id, "kind": "change", "scope": scope})
            conn.execute(insert(t), out)
            conn.execute(insert(TABLES["feed"]), feed)
            self._release_feed(conn, positions, start)
        if e.name == REFERENCE.name:
            self.invalidate_catalog()
        return len(prepared)

    # ----------------------------------------------------------------- applying ops
    def apply_ops(self, user: Principal, ops: Sequence[Op]) -> list[dict[str, Any]]:
        """Apply a batch in one transaction, in order. Ops already applied by this user
        and device (same op_id, same content) answer `duplicate` and change nothing; an
        op_id re-sent with other content is refused (`op_id_reused`), never dropped. A
        rejected op changes nothing and is not remembered: sent again (a lost reply, a
        clock since corrected) it is judged again.

        Should the database refuse a write no check foresaw, the batch is run again with
        each op in its own savepoint, so that op alone is answered `rejected`
        (`not_stored`) and the others go through: one bad op never fails a device's sync."""
        if not ops:
            return []
        for attempt in range(self.DEADLOCK_RETRIES + 1):
            try:
                try:
                    return self._apply_batch(user, ops, isolate=False)
                except (DataError, IntegrityError) as exc:
                    log("batch retried op by op", logging.WARNING, kind=type(exc).__name__, ops=len(ops))
                    return self._apply_batch(user, ops, isolate=True)
            except OperationalError as exc:
                # Batches lock rows as their ops come: two locking the same rows in
                # opposite orders deadlock, and the database rolls one back whole.
                if getattr(exc.orig, "sqlstate", None) not in ("40P01", "40001") or attempt == self.DEADLOCK_RETRIES:
                    raise
                log("batch run again after a deadlock", logging.WARNING, ops=len(ops), attempt=attempt + 1)
        raise AssertionError("unreachable")

    def _apply_batch(self, user: Principal, ops: Sequence[Op], *, isolate: bool) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        touched_reference = False
        ops_t = TABLES["ops"]
        now = utcnow()
        now_ms = int(time.time() * 1000)
        device = ops[0].device
        catalog = self.catalog  # before the transaction (OpContext.catalog)
        with write_conn(self.engine) as raw, raw.begin():
            late = raw.dialect.name == "postgresql"  # see the module's docstring
            positions = Positions.provisional() if late else self._lock_feed(raw)
            start = positions.last
            conn = WriteBatch(raw, hold=not isolate)
            missing: set[tuple[str, str]] = set()
            for name in dict.fromkeys(op.entity for op in ops if op.entity in BY_NAME):
                missing |= {(name, i) for i in absent(conn, TABLES[name], [op.row_id for op in ops if op.entity == name])}
            ids = [op.op_id for op in ops]
            seen: dict[str, tuple[str | None, dict]] = {}
            for i in range(0, len(ids), 500):
                q = select(ops_t.c.op_id, ops_t.c.digest, ops_t.c.result).where(
                    ops_t.c.user_id == user.id, ops_t.c.device == device, ops_t.c.op_id.in_(ids[i:i + 500]))
                seen |= {r.op_id: (r.digest, r.result) for r in conn.execute(q)}
            in_batch: dict[str, str] = {}
            log_rows: list[dict] = []
            for op in ops:
                digest = op_digest(op)
                try:
                    check_op_shape(op)
                except ShapeError as exc:
                    results.append(rejected(op, exc.code, exc.message, exc.field))
                    continue
                if op.op_id in seen or op.op_id in in_batch:
                    earlier_digest, earlier = seen.get(op.op_id) or (in_batch.get(op.op_id), {})
                    if earlier_digest is not None and earlier_digest != digest:
                        results.append(rejected(op, "op_id_reused", _(
                            "this operation id was used before for another change; the change was not applied: "
                            "send it again under a new operation id"), None))
                        continue
                    results.append(self._duplicate(conn, user, op, earlier))
                    continue
                in_batch[op.op_id] = digest
                ctx = OpContext(conn, user, op, positions, now, catalog, missing)
                mark = positions.last
                savepoint = conn.begin_nested() if isolate else None
                try:
                    # Every check of an op runs before its first write, so a rejection
                    # leaves nothing to roll back (no savepoint round trips).
                    result = self._apply(ctx, now_ms)
                    if savepoint is not None:
                        savepoint.commit()
                except Rejected as r:
                    if savepoint is not None:
                        savepoint.rollback()
                    positions.last = mark
                    result = rejected(op, r.code, r.message, r.field) | {"versions": r.versions, "values": r.values}
                except (DataError, IntegrityError) as exc:
                    if savepoint is None:
                        raise
                    savepoint.rollback()
                    positions.last = mark
                    log("op refused by the database", logging.WARNING, kind=type(exc).__name__, entity=op.entity)
                    result = rejected(op, "not_stored", _("the server's database refused this change; "
                                                          "it was not applied"), None)
                results.append(result)
                if result["status"] != "rejected":
                    log_rows.append({"user_id": user.id, "device": device, "op_id": op.op_id, "digest": digest,
                                     "received_at": now, "result": result, "entity": op.entity, "row_id": op.row_id})
                else:
                    in_batch.pop(op.op_id, None)
                touched_reference |= op.entity == REFERENCE.name and result["status"] != "rejected"
            conn.flush()
            if log_rows:  # late: with provisional versions, numbered by _number
                conn.execute(insert(ops_t), log_rows)
            if late:
                self._number(raw, positions, results, user.id, device, [r["op_id"] for r in log_rows])
            else:
                self._release_feed(raw, positions, start)
        if touched_reference:
            self.invalidate_catalog()
        return results

    def _duplicate(self, conn: Conn, user: Principal, op: Op, earlier: Mapping[str, Any]) -> dict[str, Any]:
        """The answer to an op applied before: the versions and values answered then,
        unless the row has since left what this user may read (a duplicate reveals
        nothing the sender could not read anyway)."""
        out = {"op_id": op.op_id, "status": "duplicate",
               "reason": f"already received ({earlier.get('status', 'in this batch')})",
               "field": earlier.get("field"), "versions": earlier.get("versions", {}), "values": earlier.get("values", {})}
        e = BY_NAME.get(op.entity)
        if e is not None:
            t = TABLES[e.name]
            scope = conn.execute(select(t.c.scope_region).where(t.c.id == op.row_id)).scalar()
            if scope is not None and not user.reads(scope):
                out |= {"field": None, "versions": {}, "values": {}}
        return out

    def _apply(self, ctx: OpContext, now_ms: int) -> dict[str, Any]:
        op, user = ctx.op, ctx.user
        e = BY_NAME[op.entity]
        if merge.clock_too_far(op.hlc, now_ms, self.clock_drift_ms):
            raise Rejected("clock_ahead", _("the device's clock is ahead of the server's by more than {m} minutes; "
                                            "set the device's date and time").format(m=self.clock_drift_ms // 60000))
        if not user.can_write:
            raise Rejected("forbidden", _("your role ({role}) may not change records").format(role=user.role))
        if not user.writes_entity(e):
            raise Rejected("forbidden", _("only administrators may change {what}").format(what=e.name))
        if erased.is_erased(ctx.conn, e.name, op.row_id):  # issue 19: an offline laptop cannot write them back
            raise Rejected(erased.CODE, _("this person's data was erased by an administrator; the change was not applied"))
        t = TABLES[e.name]
        if (e.name, op.row_id) in ctx.absent:  # no such row when the batch began, none created since
            row = None
        else:
            found = ctx.conn.execute(select(t).where(t.c.id == op.row_id).with_for_update()).mappings().first()
            row = dict(found) if found else None
        if row is not None and not user.reads(row["scope_region"]):
            # A row this user may not read is answered as a missing one: no existence oracle.
            if op.kind != "upsert":
                raise Rejected("not_found", _("there is no {what} with this id").format(what=e.name))
            if not self._wrote_once(user, row):
                self._refuse_taken_id(ctx, e)
        if row is not None and not user.writes_scope(row["scope_region"]):
            raise out_of_scope()
        if op.kind == "upsert":
            return self._upsert(ctx, e, row)
        if row is None:
            raise Rejected("not_found", _("there is no {what} with this id").format(what=e.name))
        if op.kind == "delete":
            return self._delete(ctx, e, row)
        if op.kind == "restore":
            return self._restore(ctx, e, row)
        return self._resolve(ctx, e, row)

    # --- checks shared by upsert and resolve
    def _clean(self, ctx: OpContext, e: Entity, values: Mapping[str, Any], row: dict | None) -> dict[str, Any]:
        clean, errors = validate(e, values, partial=row is not None, has_code=ctx.catalog.has)
        if errors:
            raise Rejected(errors[0].code, errors[0].message, errors[0].field)
        for name, value in clean.items():
            f = e.field(name)
            if f.required and value in (None, []):
                raise Rejected("required", _("{label} is required").format(label=_(f.label)), name)
        for name in e.reviewed:
            if name in clean and not ctx.user.can_review:
                value = clean[name]
                unchanged = merge.same_value(row[name], value) if row else value in (None, e.field(name).default)
                if not unchanged:
                    raise Rejected("forbidden", _("only reviewers may set {label}").format(label=_(e.field(name).label)), name)
        self._check_refs(ctx.conn, ctx.user, e, clean)
        return clean

    @staticmethod
    def _check_refs(conn: Conn, user: Principal, e: Entity, clean: Mapping[str, Any]) -> None:
        """Every reference names a row the user may read: one outside their scope gets
        the very answer a missing one gets (no existence oracle)."""
        for name, value in clean.items():
            f = e.field(name)
            if f.kind == REF and value is not None:
                rt = TABLES[f.ref or ""]
                scope = conn.execute(select(rt.c.scope_region).where(rt.c.id == value)).scalar()
                if scope is None or not user.reads(scope):
                    raise Rejected("missing_ref", _("{label}: no such record").format(label=_(f.label)), name)

    def _derive_region(self, conn: Conn, catalog: Catalog, e: Entity, row: dict, changed: set[str]) -> set[str]:
        """Fill `region` from the country or the parent when left empty, as the client's
        store does, so both sides agree. Returns {"region"} when it changed the row."""
        if not e.has("region"):
            return set()
        # A country decides its region: a row about France is in EUR whatever the op
        # said, so it can never hide from EUR readers under another region.
        region = catalog.region_of_country(row.get("country")) if e.has("country") else None
        if region and region != row.get("region"):
            row["region"] = region
            return {"region"}
        if region or (row.get("region") and not ("country" in changed and "region" not in changed)):
            return set()
        if region is None and e.parent and row.get(e.parent):
            parent = BY_NAME[e.field(e.parent).ref or ""]
            if parent.has("region"):
                pt = TABLES[parent.name]
                region = conn.execute(select(pt.c.region).where(pt.c.id == row[e.parent])
                                      .with_for_update(read=True)).scalar()
        if region and region != row.get("region"):
            row["region"] = region
            return {"region"}
        return set()

    @staticmethod
    def _scope_of(conn: Conn, e: Entity, values: Mapping[str, Any]) -> str:
        """The region a row belongs to: its own, or its parent's (schema.scope_path)."""
        if is_global(e):
            return GLOBAL_SCOPE
        hops = scope_path(e)
        if not hops:
            return values.get(e.scope or "region") or NO_SCOPE
        child, ref_field = hops[0]
        parent_id = values.get(ref_field)
        if not parent_id:
            return NO_SCOPE
        pt = TABLES[child.field(ref_field).ref or ""]
        # locked for share (PostgreSQL): the parent cannot move region before this
        # transaction commits, or its move would not see the child to take along
        return conn.execute(select(pt.c.scope_region).where(pt.c.id == parent_id)
                            .with_for_update(read=True)).scalar() or NO_SCOPE

    def _check_scope(self, ctx: OpContext, scope: str) -> None:
        if not ctx.user.writes_scope(scope):
            if scope == NO_SCOPE:
                raise Rejected("out_of_scope", _("the record has no region: choose a country or a region"), "region")
            raise out_of_scope()

    @staticmethod
    def _wrote_once(user: Principal, row: Mapping[str, Any]) -> bool:
        """Did `user` write this row before it left their regions? Then they know it
        exists, and an edit still pending on their device is told plainly that the row
        is out of scope now (rather than judged as a new row)."""
        return user.name == row["author"] or user.name in (row["field_authors"] or {}).values()

    def _refuse_taken_id(self, ctx: OpContext, e: Entity) -> None:
        """An upsert naming the id of a row the sender may not read. It is judged as the
        creation of a new row would be (the same checks in the same order, hence the same
        refusal of a bad value, a missing reference or a foreign region), and where a new
        row would be created it gets the one refusal every write out of scope gets: the
        answer tells apart no row elsewhere from no right here."""
        clean = self._clean(ctx, e, ctx.op.fields, None)
        values = {f.name: clean.get(f.name) for f in e.fields}
        self._derive_region(ctx.conn, ctx.catalog, e, values, set(clean))
        self._check_scope(ctx, self._scope_of(ctx.conn, e, values))
        raise out_of_scope()

    # --- conflicts
    def _open_conflicts(self, conn: Conn, e: Entity, row_id: str) -> dict[str, dict]:
        c = TABLES["conflicts"]
        rows = conn.execute(select(c).where(c.c.entity == e.name, c.c.row_id == row_id, c.c.status == "open")).mappings()
        return {r["field"]: dict(r) for r in rows}

    def _open_conflict(self, conn: Conn, e: Entity, row_id: str, name: str) -> dict | None:
        c = TABLES["conflicts"]
        found = conn.execute(select(c).where(c.c.entity == e.name, c.c.row_id == row_id, c.c.field == name,
                                             c.c.status == "open")).mappings().first()
        return dict(found) if found else None

    def _save_conflict(self, ctx: OpContext, e: Entity, row_id: str, name: str, sides: list[Side], prov: Any,
                       scope: str, existing: dict | None) -> None:
        c = TABLES["conflicts"]
        ctx.positions.conflicts = True
        values = {"sides": [s.as_dict() for s in sides], "provisional": prov, "pos": ctx.positions.next(), "scope": scope}
        if existing:
            ctx.conn.execute(update(c).where(c.c.id == existing["id"]).values(**values))
        else:
            ctx.conn.execute(insert(c).values(id=str(uuid.uuid4()), entity=e.name, row_id=row_id, field=name,
                                              status="open", opened_at=ctx.now, **values))

    # --- upsert
    def _upsert(self, ctx: OpContext, e: Entity, row: dict | None) -> dict[str, Any]:
        op, user, conn = ctx.op, ctx.user, ctx.conn
        clean = self._clean(ctx, e, op.fields, row)
        device = op.device
        t = TABLES[e.name]
        if row is None:
            values = {f.name: clean.get(f.name) for f in e.fields}
            derived = self._derive_region(conn, ctx.catalog, e, values, set(clean))
            scope = self._scope_of(conn, e, values)
            self._check_scope(ctx, scope)
            pos = ctx.positions.next()
            ctx.positions.tables.add(e.name)
            present = [k for k, v in values.items() if v is not None and v != []]
            versions = {k: pos for k in present} | {ROW_KEY: pos, DELETED_KEY: pos}
            conn.insert(t, dict(
                **values, id=op.row_id, created_at=ctx.now, updated_at=ctx.now, author=user.name, deleted=False,
                field_versions=versions, field_clocks={k: op.hlc for k in present},
                field_authors={k: user.name for k in present},
                field_devices={k: device for k in present} | {DELETED_KEY: device, SCOPE_KEY: device},
                row_version=pos, scope_region=scope, scope_since=pos,
            ))
            ctx.absent.discard((e.name, op.row_id))
            conn.insert(TABLES["feed"], {"pos": pos, "entity": e.name, "row_id": op.row_id, "kind": "change",
                                         "scope": scope})
            return self._result(op, "applied", versions, values, set(clean) | derived)

        versions = dict(row["field_versions"] or {})
        clocks = dict(row["field_clocks"] or {})
        authors = dict(row["field_authors"] or {})
        devices = dict(row["field_devices"] or {})
        values = {f.name: row[f.name] for f in e.fields}
        changed: dict[str, Side] = {}  # field -> the side whose value it now holds
        conflicted: list[str] = []
        deleted = bool(row["deleted"])
        undelete = False
        old_scope = row["scope_region"]

        open_conflicts = self._open_conflicts(conn, e, op.row_id)
        pending: list[tuple] = []  # conflict writes, made once every check has passed
        if deleted and devices.get(DELETED_KEY) != device:
            # An edit against a delete: keep both, revive the row until a person decides.
            existing = open_conflicts.get(DELETED_KEY)
            sides = [Side.from_dict(s) for s in existing["sides"]] if existing else [
                Side(True, authors.get(DELETED_KEY), clocks.get(DELETED_KEY), devices.get(DELETED_KEY), versions.get(DELETED_KEY))]
            sides = merge.add_side(sides, Side(False, user.name, op.hlc, device, op.base.get(ROW_KEY)))
            pending.append((DELETED_KEY, sides, merge.deleted_provisional(), existing))
            conflicted.append(DELETED_KEY)
            undelete = True

        incoming_side = Side(None, user.name, op.hlc, device)
        for name, value in clean.items():
            mine = Side(value, user.name, op.hlc, device, op.base.get(name, 0))
            existing = open_conflicts.get(name)
            if existing:
                sides = merge.add_side([Side.from_dict(s) for s in existing["sides"]], mine)
                winner = merge.provisional(sides)
                if not merge.same_value(values[name], winner.value):
                    values[name] = winner.value
                    changed[name] = winner
                pending.append((name, sides, winner.value, existing))
                conflicted.append(name)
                continue
            outcome = merge.merge_field(current_value=values[name], current_version=int(versions.get(name, 0)),
                                        current_device=devices.get(name), incoming_value=value,
                                        base=int(op.base.get(name, 0)), device=device)
            if outcome is Outcome.APPLY:
                values[name] = value
                changed[name] = mine
            elif outcome is Outcome.CONFLICT:
                theirs = Side(values[name], authors.get(name), clocks.get(name), devices.get(name), versions.get(name))
                sides = [theirs, mine]
                winner = merge.provisional(sides)
                if winner is mine:
                    values[name] = value
                    changed[name] = mine
                pending.append((name, sides, winner.value, None))
                conflicted.append(name)

        derived = self._derive_region(conn, ctx.catalog, e, values, set(changed))
        for name in derived:
            changed[name] = incoming_side
        new_scope = self._scope_of(conn, e, values) if changed else old_scope
        if new_scope != old_scope:
            self._check_scope(ctx, new_scope)
        for name, sides, prov, existing in pending:
            self._save_conflict(ctx, e, op.row_id, name, sides, prov, new_scope, existing)
        if changed or undelete:
            self._write_row(ctx, e, row, values, changed, versions, clocks, authors, devices,
                            deleted=False if undelete else deleted, deleted_by=incoming_side if undelete else None,
                            old_scope=old_scope, new_scope=new_scope)
        status = "conflict" if conflicted else "applied"
        touched = set(clean) | derived | ({DELETED_KEY} if undelete else set())
        result = self._result(op, status, versions, values | {DELETED_KEY: not undelete and deleted}, touched)
        if conflicted:
            result["field"] = conflicted[0]
            result["reason"] = "conflict: " + _("another value was typed for {field} elsewhere; both are kept").format(field=conflicted[0])
        return result

    def _write_row(self, ctx: OpContext, e: Entity, row: dict, values: dict, changed: Mapping[str, Side],
                   versions: dict, clocks: dict, authors: dict, devices: dict, *, deleted: bool,
                   deleted_by: Side | None, old_scope: str, new_scope: str) -> int:
        pos = ctx.positions.next()
        ctx.positions.tables.add(e.name)
        for name, side in changed.items():
            versions[name] = pos
            clocks[name] = side.hlc or ctx.op.hlc
            authors[name] = side.author or ctx.user.name
            devices[name] = side.device or ctx.op.device
        if deleted_by is not None:
            versions[DELETED_KEY] = pos
            clocks[DELETED_KEY] = deleted_by.hlc or ctx.op.hlc
            authors[DELETED_KEY] = deleted_by.author or ctx.user.name
            devices[DELETED_KEY] = deleted_by.device or ctx.op.device
        versions[ROW_KEY] = pos
        t = TABLES[e.name]
        extra = {}
        if new_scope != old_scope:
            extra = {"scope_region": new_scope, "scope_since": pos}
            devices[SCOPE_KEY] = ctx.op.device
        ctx.conn.execute(update(t).where(t.c.id == row["id"]).values(
            **{k: values[k] for k in changed}, deleted=deleted, updated_at=ctx.now, author=ctx.user.name,
            field_versions=versions, field_clocks=clocks, field_authors=authors, field_devices=devices,
            row_version=pos, **extra))
        self._touch(ctx.conn, e, row["id"], new_scope, pos)
        if new_scope != old_scope:
            self._removed(ctx.conn, e, row["id"], old_scope, ctx.positions.next())
            self._rescope_conflicts(ctx, e, row["id"], new_scope)
            self._rescope_children(ctx, e, row["id"], new_scope)
        return pos

    @staticmethod
    def _rescope_conflicts(ctx: OpContext, e: Entity, row_id: str, scope: str) -> None:
        """A row's conflicts (both values, the resolution, who made it) move region with
        it: readers of the old region stop getting them, readers of the new one get them."""
        c = TABLES["conflicts"]
        ids = ctx.conn.execute(select(c.c.id).where(c.c.entity == e.name, c.c.row_id == row_id,
                                                    c.c.scope != scope).order_by(c.c.pos)).scalars().all()
        for cid in ids:
            ctx.positions.conflicts = True
            ctx.conn.execute(update(c).where(c.c.id == cid).values(scope=scope, pos=ctx.positions.next()))

    def _rescope_children(self, ctx: OpContext, parent: Entity, parent_id: str, scope: str) -> None:
        """A row moved region: its children (meeting parts, attachments) move with it."""
        for child in CHILDREN[parent.name]:
            ct = TABLES[child.name]
            ref_field = scope_path(child)[0][1]
            rows = ctx.conn.execute(select(ct.c.id, ct.c.scope_region, ct.c.field_devices, ct.c.field_versions)
                                    .where(ct.c[ref_field] == parent_id)).all()
            for cid, old, devices, versions in rows:
                if old == scope:
                    continue
                pos = ctx.positions.next()
                ctx.positions.tables.add(child.name)
                ctx.conn.execute(update(ct).where(ct.c.id == cid).values(
                    scope_region=scope, scope_since=pos, row_version=pos,
                    field_devices=dict(devices or {}) | {SCOPE_KEY: ctx.op.device},
                    field_versions=dict(versions or {}) | {ROW_KEY: pos}))
                self._touch(ctx.conn, child, cid, scope, pos)
                self._removed(ctx.conn, child, cid, old, ctx.positions.next())
                self._rescope_conflicts(ctx, child, cid, scope)
                self._rescope_children(ctx, child, cid, scope)

    @staticmethod
    def _touch(conn: WriteBatch, e: Entity, row_id: str, scope: str, pos: int) -> None:
        """Move the row's one "change" entry to `pos` (a new row's is inserted by _upsert)."""
        feed = TABLES["feed"]
        conn.execute(delete(feed).where(feed.c.entity == e.name, feed.c.row_id == row_id, feed.c.kind == "change"))
        conn.execute(insert(feed).values(pos=pos, entity=e.name, row_id=row_id, kind="change", scope=scope))

    @staticmethod
    def _removed(conn: Conn, e: Entity, row_id: str, scope: str, pos: int) -> None:
        feed = TABLES["feed"]
        conn.execute(delete(feed).where(feed.c.entity == e.name, feed.c.row_id == row_id, feed.c.kind == "removed",
                                        feed.c.scope == scope))
        conn.execute(insert(feed).values(pos=pos, entity=e.name, row_id=row_id, kind="removed", scope=scope))

    @staticmethod
    def _result(op: Op, status: str, versions: Mapping[str, int], values: Mapping[str, Any], touched: Iterable[str]) -> dict:
        """The op's answer: each touched field's version and value right after the op.
        A client applies results in order, so a batch's last word on a field is the
        server's (a lost conflict, a derived region, a revived row)."""
        touched = set(touched)
        out_values = {name: values[name] for name in touched if name in values}
        vers = {k: int(versions[k]) for k in touched if k in versions}
        vers[ROW_KEY] = int(versions.get(ROW_KEY, 0))
        return {"op_id": op.op_id, "status": status, "reason": None, "field": None, "versions": vers, "values": out_values}

    # --- delete / restore / resolve
    def _delete(self, ctx: OpContext, e: Entity, row: dict) -> dict[str, Any]:
        op = ctx.op
        versions = dict(row["field_versions"] or {})
        if row["deleted"]:
            return self._result(op, "applied", versions, {DELETED_KEY: True}, {DELETED_KEY})
        devices = dict(row["field_devices"] or {})
        others = merge.delete_conflicts(int(op.base.get(ROW_KEY, 0)), versions, devices, op.device)
        if others:
            existing = self._open_conflict(ctx.conn, e, op.row_id, DELETED_KEY)
            clocks, authors = row["field_clocks"] or {}, row["field_authors"] or {}
            latest = max(others, key=lambda n: versions[n])
            sides = [Side.from_dict(s) for s in existing["sides"]] if existing else [
                Side(False, authors.get(latest), clocks.get(latest), devices.get(latest), versions.get(latest))]
            sides = merge.add_side(sides, Side(True, ctx.user.name, op.hlc, op.device, op.base.get(ROW_KEY, 0)))
            self._save_conflict(ctx, e, op.row_id, DELETED_KEY, sides, merge.deleted_provisional(), row["scope_region"], existing)
            result = self._result(op, "conflict", versions, {DELETED_KEY: False}, {DELETED_KEY})
            result["field"] = DELETED_KEY
            result["reason"] = "conflict: " + _("the record was changed elsewhere ({fields}); it is kept until someone decides").format(
                fields=", ".join(others))
            return result
        return self._set_deleted(ctx, e, row, True)

    def _restore(self, ctx: OpContext, e: Entity, row: dict) -> dict[str, Any]:
        if not row["deleted"]:
            return self._result(ctx.op, "applied", dict(row["field_versions"] or {}), {DELETED_KEY: False}, {DELETED_KEY})
        return self._set_deleted(ctx, e, row, False)

    def _set_deleted(self, ctx: OpContext, e: Entity, row: dict, deleted: bool) -> dict[str, Any]:
        versions = dict(row["field_versions"] or {})
        self._write_row(ctx, e, row, {f.name: row[f.name] for f in e.fields}, {}, versions,
                        dict(row["field_clocks"] or {}), dict(row["field_authors"] or {}), dict(row["field_devices"] or {}),
                        deleted=deleted, deleted_by=Side(deleted, ctx.user.name, ctx.op.hlc, ctx.op.device),
                        old_scope=row["scope_region"], new_scope=row["scope_region"])
        return self._result(ctx.op, "applied", versions, {DELETED_KEY: deleted}, {DELETED_KEY})

    def _resolve(self, ctx: OpContext, e: Entity, row: dict) -> dict[str, Any]:
        """A person chose a value per field: it becomes current and the conflict closes."""
        op = ctx.op
        fields = dict(op.fields)
        want_deleted = fields.pop(DELETED_KEY, None)
        clean = self._clean(ctx, e, fields, row) if fields else {}
        versions = dict(row["field_versions"] or {})
        self._check_resolution(ctx, e, row, list(clean) + ([DELETED_KEY] if want_deleted is not None else []), versions)
        values = {f.name: row[f.name] for f in e.fields}
        mine = Side(None, ctx.user.name, op.hlc, op.device)
        changed = {}
        for name, value in clean.items():
            values[name] = value
            changed[name] = mine
        deleted = bool(row["deleted"]) if want_deleted is None else bool(want_deleted)
        deleted_by = Side(deleted, ctx.user.name, op.hlc, op.device) if deleted != bool(row["deleted"]) else None
        if changed or deleted_by:
            self._write_row(ctx, e, row, values, changed, versions, dict(row["field_clocks"] or {}),
                            dict(row["field_authors"] or {}), dict(row["field_devices"] or {}),
                            deleted=deleted, deleted_by=deleted_by, old_scope=row["scope_region"],
                            new_scope=row["scope_region"])
        c = TABLES["conflicts"]
        for name in list(clean) + ([DELETED_KEY] if want_deleted is not None else []):
            existing = self._open_conflict(ctx.conn, e, op.row_id, name)
            if existing:
                ctx.positions.conflicts = True
                ctx.conn.execute(update(c).where(c.c.id == existing["id"]).values(
                    status="resolved", resolved_at=ctx.now, resolved_by=ctx.user.name,
                    resolution=deleted if name == DELETED_KEY else values[name], pos=ctx.positions.next()))
        touched = set(clean) | ({DELETED_KEY} if want_deleted is not None else set())
        return self._result(op, "applied", versions, values | {DELETED_KEY: deleted}, touched)

    def _check_resolution(self, ctx: OpContext, e: Entity, row: dict, names: list[str], versions: Mapping[str, int]) -> None:
        """A resolution settles an open conflict, decided on the values its author saw:
        each field it names has an open conflict, and its base is the field's current
        version. Otherwise a stale choice would overwrite a newer value unseen."""
        open_now = self._open_conflicts(ctx.conn, e, row["id"])
        for name in names:
            # The field's value and version now come back with the refusal, so the
            # sender's copy can fall back in step with the server's.
            now = {"versions": {name: int(versions.get(name, 0))},
                   "values": {name: bool(row["deleted"]) if name == DELETED_KEY else row[name]}}
            if name not in open_now:
                raise Rejected("no_conflict", _("there is no open conflict on this field to resolve; "
                                                "it was settled already or never opened"), name, **now)
            if name not in ctx.op.base:
                raise Rejected("base_required", _("a resolution names the version it was decided on"), name, **now)
            if int(ctx.op.base[name]) < int(versions.get(name, 0)):
                raise Rejected("stale", _("the value changed after you decided; look at the conflict again"), name,
                               **now)

    # ----------------------------------------------------------------- reading the feed
    def changes(self, user: Principal, device: str | None, cursor: int, limit: int | None = None, *,
                compact: bool = False, columnar: bool = False) -> dict[str, Any]:
        """The changes in `user`'s scope after `cursor`, at most `limit` rows, leaving out
        fields last written by `device`; the open and closed conflicts of the same span.
        With `compact`, shared per-field metadata is sent once (protocol.compact_change);
        with `columnar`, the changes go as columnar blocks (protocol.to_blocks) and a row
        new to the reader carries every field, null ones too, so that a table's rows make
        one block.

        Two steps, each a seek on an index, so a page costs the same at the end of a long
        feed as at its start: the page's feed entries (pos > cursor, in pos order, LIMIT),
        then, per table, the rows those entries name, by primary key, only the columns a
        change needs. (Joining the span's entries to their table instead left the plan to
        the statistics: on a table not yet analysed PostgreSQL walked the whole table for
        every page, 8 ms of a push's 17 (bench/server.py), and SQLite walked every entry of
        the entity.)"""
        limit = min(limit or self.page_size, max(self.page_size, self.max_page))
        feed, conflicts_t = TABLES["feed"], TABLES["conflicts"]
        with self.engine.connect() as conn, conn.begin():
            top = int(conn.execute(select(TABLES["feed_counter"].c.pos).where(TABLES["feed_counter"].c.id == 1)).scalar() or 0)
            in_scope = self._feed_scope(user)
            span = and_(feed.c.pos > cursor, feed.c.pos <= top, in_scope)
            # pos order on the feed's primary key; the scope is a filter, not the index
            # walked (walking the scope index, SQLite sorted the rest of the feed per page).
            positions = select(feed.c.pos, feed.c.entity, feed.c.kind, feed.c.row_id).where(span).order_by(feed.c.pos).limit(limit)
            if conn.dialect.name == "sqlite":
                positions = positions.with_hint(feed, "INDEXED BY sqlite_autoindex_feed_1")
            entries = conn.execute(positions).all()
            more = len(entries) == limit
            new_cursor = int(entries[-1][0]) if more else max(top, cursor)
            of_entity: dict[str, list[tuple[int, str, str]]] = {}
            for pos, entity, kind, row_id in entries:
                of_entity.setdefault(entity, []).append((int(pos), kind, row_id))
            by_pos: dict[int, tuple[dict, Encoded]] = {}
            for name, its in of_entity.items():
                by_pos |= self._page_rows(conn, user, BY_NAME[name], its, cursor, device, compact, columnar,
                                          top - self.CACHED_ROWS)
            ordered = [by_pos[p] for p in sorted(by_pos)]
            cq = select(conflicts_t).where(conflicts_t.c.pos > cursor, conflicts_t.c.pos <= new_cursor)
            if not user.all_regions:
                cq = cq.where(conflicts_t.c.scope.in_(list(user.regions) + [GLOBAL_SCOPE]))
            conflicts = [self._conflict_out(dict(c)) for c in conn.execute(cq.order_by(conflicts_t.c.pos)).mappings()]
            cursor_text = self.cursor_text(conn, new_cursor)
        # The changes first and the cursor near the end, whatever their form, so that a
        # reader may take the cursor from the reply's tail; "head": the feed's last
        # position, so a client can show how far an initial sync is.
        if columnar:  # each change's piece of JSON: cached for a whole row (_change_of)
            body: dict[str, Any] = {"changes": [], "blocks": Blocks(p if isinstance(p, Piece) else piece(c) for c, p in ordered)}
        else:
            body = {"changes": Changes((c for c, _t in ordered), (t if isinstance(t, bytes) else None for _c, t in ordered))}
        return body | {"conflicts": conflicts, "cursor": cursor_text, "more": more, "head": str(top)}

    @staticmethod
    def _feed_scope(user: Principal):
        feed = TABLES["feed"]
        if user.all_regions:
            return feed.c.kind == "change"
        regions = list(user.regions)
        return or_(and_(feed.c.kind == "change", feed.c.scope.in_(regions + [GLOBAL_SCOPE])),
                   and_(feed.c.kind == "removed", feed.c.scope.in_(regions)))

    def _page_rows(self, conn: Connection, user: Principal, e: Entity, entries: list[tuple[int, str, str]],
                   cursor: int, device: str | None, compact: bool, whole_rows: bool,
                   hot_after: int) -> dict[int, tuple[dict, Encoded]]:
        """The changes of one table's feed `entries` (pos, kind, row id) of the page, by
        feed position, each with its JSON when it is the same for every reader.

        First each row's state (version, clock) and region; the rows this process decoded
        before come from its cache (row_cache.py), the others are read whole. A row written
        again since the page's entries were read is sent as it is now, judged on its region
        now: its newer fields are sent again later, never lost. A row gone since (purged)
        is not sent.

        Only the rows of the feed's last CACHED_ROWS positions (`hot_after`) enter the
        caches: those are what the devices in sync ask for again and again. A first sync
        reads the whole feed once; caching it evicted every hot row, and the churn of
        millions of cached objects made the garbage collector a fifth of the service's
        time for such a sync (100 000 practices)."""
        t = TABLES[e.name]
        names = [f.name for f in e.fields]
        states = {r[0]: r[1:] for r in _by_ids(conn, (t.c.id, t.c.scope_region, t.c.row_version, t.c.updated_at),
                                                t.c.id, [row_id for _pos, _kind, row_id in entries])}
        out: dict[int, tuple[dict, Encoded]] = {}
        wanted: list[tuple[int, str, tuple]] = []
        for pos, kind, row_id in entries:
            state = states.get(row_id)
            if state is None:
                continue
            scope, version, updated_at = state
            if kind == "removed":
                if not user.reads(scope):
                    out[pos] = ({"op": "removed", "entity": e.name, "id": row_id, "pos": pos}, None)
                continue
            if user.reads(scope):
                wanted.append((pos, row_id, (e.name, row_id, int(version or 0), updated_at)))
        # what the cache holds now, taken once: reading the missing rows puts them in the
        # cache, which may evict rows found here (a page lost them: "gone since")
        cached = {key: self._rows.get(key) for _pos, _row_id, key in wanted}
        missing = [row_id for _pos, row_id, key in wanted if cached[key] is None]
        fetched = self._read_rows(conn, e, names, missing,
                                  {row_id for pos, row_id, _key in wanted if pos > hot_after}) if missing else {}
        for pos, row_id, key in wanted:
            cols = cached[key]
            if cols is None:
                if row_id not in fetched:
                    continue  # gone since (purged): nothing to send
                key, cols = fetched[row_id]
                if not user.reads(cols[1]):
                    continue  # it left the reader's regions meanwhile: the "removed" entry follows
            change = self._change_of(e, names, key, cols, pos, cursor, device, compact, whole_rows, pos > hot_after)
            if change is not None:
                out[pos] = change
        return out

    def _read_rows(self, conn: Connection, e: Entity, names: list[str], ids: list[str],
                   keep: set[str]) -> dict[str, tuple[tuple, tuple]]:
        """Rows read whole, by id; those of `keep` cached."""
        t = TABLES[e.name]
        cols = (t.c.id, t.c.scope_region, t.c.scope_since, t.c.deleted, t.c.created_at, t.c.updated_at,
                t.c.field_versions, t.c.field_clocks, t.c.field_authors, t.c.field_devices, *[t.c[n] for n in names])
        out: dict[str, tuple[tuple, tuple]] = {}
        for r in _by_ids(conn, (*cols, t.c.row_version), t.c.id, ids):
            row = tuple(r[:-1])
            key = (e.name, row[0], int(r[-1] or 0), row[5])
            if row[0] in keep:
                self._rows.put(key, row)
            out[row[0]] = (key, row)
        return out

    def _change_of(self, e: Entity, names: list[str], key: tuple, cols: tuple, pos: int, cursor: int,
                   device: str | None, compact: bool, whole_rows: bool, keep: bool) -> tuple[dict, Encoded] | None:
        """A row's change for this reader; a row new to the reader (every field: the same
        change for all such readers) comes from the cache, with its JSON (its columnar piece
        for a columnar page). The row as _row_change reads it is built only when a change is
        (a cached one, most of a busy hour's, needs none)."""
        if not _is_whole(cols[2], cols[9], cursor, device):
            change = self._row_change(e, names, (pos, "change", *cols), cursor, device, pos, compact, whole_rows)
            return None if change is None else (change, None)
        ck = (key, pos, compact, whole_rows)
        hit = self._whole.get(ck)
        if hit is None:
            change = self._row_change(e, names, (pos, "change", *cols), cursor, device, pos, compact, whole_rows)
            assert change is not None  # a whole row always carries its fields and "deleted"
            # its JSON for every such reader: the change's text, or its columnar piece
            hit = (change, piece(change) if whole_rows else dumps(change))
            if keep:
                self._whole.put(ck, hit)
        return hit

    @classmethod
    def full_row_change(cls, e: Entity, row: Mapping[str, Any], pos: int) -> dict | None:
        """A whole row (`SELECT *`) as a reader receives it from the feed's start: the scope
        difference of a user whose regions changed (scope_changes.py)."""
        names = [f.name for f in e.fields]
        r = (pos, "change", row["id"], row["scope_region"], row["scope_since"], row["deleted"], row["created_at"],
             row["updated_at"], row["field_versions"], row["field_clocks"], row["field_authors"], row["field_devices"],
             *[row[n] for n in names])
        return cls._row_change(e, names, r, 0, None, pos)

    @staticmethod
    def _row_change(e: Entity, names: list[str], r: Sequence[Any], cursor: int, device: str | None, pos: int,
                    compact: bool = False, whole_rows: bool = False) -> dict | None:
        """One row's change for a reader at `cursor` (`r`: the columns _page_rows selects)."""
        row_id, scope_since, deleted, created_at, updated_at = r[2], r[4], r[5], r[6], r[7]
        versions, clocks, authors, devices = r[8] or {}, r[9] or {}, r[10] or {}, r[11] or {}
        values = r[12:]
        whole = _is_whole(scope_since, devices, cursor, device)
        if whole and whole_rows:
            fields = dict(zip(names, values))
        elif whole:
            fields = {n: v for n, v in zip(names, values) if v is not None or int(versions.get(n, 0)) > 0}
        else:
            fields = {n: v for n, v in zip(names, values)
                      if int(versions.get(n, 0)) > cursor and devices.get(n) != device}
        deleted_news = whole or (int(versions.get(DELETED_KEY, 0)) > cursor and devices.get(DELETED_KEY) != device)
        if not fields and not deleted_news:
            return None
        # Versions, clocks and authors of the fields sent (the client holds the others
        # already), plus the row's "_row" and "_deleted" versions.
        covered = [k for k, v in fields.items() if v is not None] if whole_rows else list(fields)
        change = {
            "op": "upsert", "entity": e.name, "id": row_id, "pos": pos, "fields": fields,
            "versions": _shared({k: int(versions[k]) for k in fields if k in versions}, covered, compact)
            | {k: int(versions[k]) for k in (ROW_KEY, DELETED_KEY) if k in versions},
            "clocks": _shared({k: clocks[k] for k in fields if k in clocks}, covered, compact),
            "authors": _shared({k: authors[k] for k in fields if k in authors}, covered, compact),
            "deleted": bool(deleted), "created_at": created_at, "updated_at": updated_at,
        }
        return change

    @staticmethod
    def _conflict_out(c: Mapping[str, Any]) -> dict[str, Any]:
        return {k: c[k] for k in ("id", "entity", "row_id", "field", "sides", "provisional", "status", "opened_at",
                                   "resolved_at", "resolved_by", "resolution")} | {"pos": int(c["pos"])}

    # ----------------------------------------------------------------- reads for other endpoints
    def row(self, entity_name: str, row_id: str) -> dict | None:
        t = TABLES[entity_name]
        with self.engine.connect() as conn:
            r = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
            return dict(r) if r else None

    def all_conflicts(self) -> list[dict]:
        c = TABLES["conflicts"]
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(c).order_by(c.c.pos)).mappings()]

    def open_conflicts(self, entity_name: str | None = None) -> list[dict]:
        c = TABLES["conflicts"]
        q = select(c).where(c.c.status == "open")
        if entity_name:
            q = q.where(c.c.entity == entity_name)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q.order_by(c.c.pos)).mappings()]

