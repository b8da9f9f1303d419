"""The local store: SQLite through SQLAlchemy Core, one serialized writer, field-level outbox.

Every write validates against the one schema, commits in its own transaction (WAL,
synchronous=FULL: a crash or power cut loses nothing committed), stamps each changed
field with a hybrid logical clock, queues a field-level operation for the sync engine,
and refreshes the search index, all in that one transaction.

Writes from any thread are serialized by a lock; `submit()` runs work on the single
writer thread so a UI never waits on disk (Anki's collection executor).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

from sqlalchemy import Connection, Engine, and_, func, insert, not_, select, text, update

from fieldapp.paths import make_private_dir, make_private_file
from fieldapp.core import encryption, migrate, rowmeta, search, translations
from fieldapp.core.fieldspec import REF, Entity, FieldError, ValidationError, validate
from fieldapp.core.hlc import HybridClock, WallClock
from fieldapp.core.reference import Catalog, shipped_rows
from fieldapp.core.schema import BY_NAME, ENTITIES, REFERENCE, entity
from fieldapp.core.timestamps import utcnow  # noqa: F401 (store.utcnow: its callers' name)
from fieldapp.core.tables import TABLES
from fieldapp.i18n import _
from sync.wire import DELETED_KEY, ROW_KEY

if TYPE_CHECKING:
    from fieldapp.core import pages

DB_NAME = "fieldapp.sqlite"
NOTIFY_EACH = 50
PAGE_CACHE_KIB = 64 * 1024  # SQLite's page cache while a sync page is applied (Store.transaction)
OFFSET_KEY = "clock_offset_ms"  # the service's time minus this computer's, last measured
SET_ASIDE = ("waiting", "rejected")  # outbox states of ops the service refused (core.outbox)
T = TypeVar("T")


def new_id() -> str:
    return str(uuid.uuid4())


def _on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


@dataclass
class Transaction:
    """One write transaction on the store's writer (`Store.transaction()`): its connection,
    and the rows it changed, which the change listeners hear about after the commit."""

    conn: Connection
    touched: list[tuple[str, str]] = field(default_factory=list)

    def touch(self, entity_name: str, row_id: str) -> None:
        self.touched.append((entity_name, row_id))


@dataclass(frozen=True)
class Order:
    field: str
    descending: bool = False


class Store:
    """A data folder: `fieldapp.sqlite`, `files/` (attachments by SHA-256), `backups/`."""

    def __init__(self, data_dir: Path | str, *, author: str | None = None, wall: Callable[[], int] | None = None,
                 key: encryption.DatabaseKey | None = None):
        """`wall` (ms since the epoch) replaces the computer's clock, for tests of wrong clocks.
        `key` opens an encrypted database; without it the keyring's key is used when the
        folder is encrypted (core/encryption.py), and a missing key raises KeyMissing."""
        self.data_dir = make_private_dir(Path(data_dir))  # 0700: it holds every contact
        self.db_path = make_private_file(self.data_dir / DB_NAME)  # 0600, and so its -wal/-shm
        self.files_dir = self.data_dir / "files"
        self.engine: Engine = encryption.open_engine(self.db_path, key or encryption.stored_key(self.data_dir),
                                                     on_connect=_on_connect)
        self.backup_taken = migrate.upgrade(self.engine, self.db_path)
        self._lock = threading.RLock()
        self._executor: ThreadPoolExecutor | None = None
        self.author = author or self.meta("author") or "local"
        self.device_id = self.meta("device_id") or self._init_device()
        self.time = WallClock(wall, int(self.meta(OFFSET_KEY) or 0))
        self.clock = HybridClock(self.device_id, self.meta("clock"), wall=self.time.now_ms)
        self._listeners: list[Callable[[str, str], None]] = []
        with self.engine.connect() as conn:  # the field lists stored row metadata names (core.rowmeta)
            rowmeta.load(conn.execute(text("SELECT key, value FROM meta WHERE key LIKE :p"),
                                      {"p": rowmeta.SET_PREFIX + "%"}).all())
        self.load_reference()

    # ----------------------------------------------------------------- lifecycle
    def rotate_key(self, passphrase: str | None = None) -> encryption.DatabaseKey:
        """A new key for this encrypted database and its backups (encryption.rotate_key),
        under the writer's lock: a sync page or an import arriving meanwhile waits, rather
        than writing on a connection keyed before the change, or failing on the rekey's lock."""
        with self._lock:
            return encryption.rotate_key(self.data_dir, self.engine, passphrase=passphrase)

    def close(self) -> None:
        if self._executor:
            self._executor.shutdown(wait=True)
            self._executor = None
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, fn: Callable[..., T], *args: Any, **kw: Any) -> "Future[T]":
        """Run `fn(*args, **kw)` on the single writer thread; the UI waits on the Future's
        callback, never on the disk."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        return self._executor.submit(fn, *args, **kw)

    def on_change(self, listener: Callable[[str, str], None]) -> None:
        """Call `listener(entity, row_id)` after each committed write (from the writer's thread)."""
        self._listeners.append(listener)

    # ----------------------------------------------------------------- meta
    def meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(TABLES["meta"].c.value).where(TABLES["meta"].c.key == key)).scalar()

    def set_meta(self, key: str, value: str | None, conn: Connection | None = None) -> None:
        stmt = text("INSERT INTO meta (key, value) VALUES (:k, :v) ON CONFLICT(key) DO UPDATE SET value = :v")
        if conn is not None:
            conn.execute(stmt, {"k": key, "v": value})
            return
        with self._lock, self.engine.begin() as c:
            c.execute(stmt, {"k": key, "v": value})

    def observe_server_time(self, server_ms: int, round_trip_ms: int = 0) -> int:
        """The service's clock, read off one of its replies: keep the offset (stamps and
        record dates use the corrected time from now on), bring a clock that ran ahead
        back, and repair the stamps of edits not yet sent. Returns the offset in ms."""
        before = self.time.offset_ms
        offset = self.time.observe_server(server_ms, round_trip_ms)
        if abs(offset - before) >= 1000 or self.meta(OFFSET_KEY) is None:
            self.set_meta(OFFSET_KEY, str(offset))
        from fieldapp.core import outbox  # outbox builds on the store
        recovered = self.clock.recover()
        if recovered or abs(offset - before) >= 1000:
            outbox.restamp(self)
            if recovered:
                self.set_meta("clock", self.clock.last)
        return offset

    def _init_device(self) -> str:
        device = uuid.uuid4().hex[:12]
        self.set_meta("device_id", device)
        return device

    # ----------------------------------------------------------------- reference data
    def load_reference(self) -> int:
        """Insert shipped reference entries this database lacks, and bring entries that
        came from an older build's files (never changed by the server) up to the shipped
        ones (new translations, say). Returns how many rows were written."""
        t = TABLES["reference"]
        fields = [f.name for f in REFERENCE.fields]
        with self.engine.connect() as conn:
            have = {r["id"]: dict(r) for r in conn.execute(select(t)).mappings()}
        missing = [r for r in shipped_rows() if r["id"] not in have]
        stale = [r for r in shipped_rows() if r["id"] in have and not have[r["id"]]["field_versions"]
                 and any(have[r["id"]][f] != r[f] for f in fields)]
        if missing:
            self.bulk_insert("reference", missing, outbox=False, validated=True)
        if stale:
            with self._lock, self.engine.begin() as conn:
                for r in stale:
                    conn.execute(update(t).where(t.c.id == r["id"]).values(**{f: r[f] for f in fields}))
        self._refresh_catalog()
        return len(missing) + len(stale)

    def _refresh_catalog(self) -> None:
        with self.engine.connect() as conn:
            self.catalog = Catalog.from_rows(conn.execute(TABLES["reference"].select()).mappings())

    # ----------------------------------------------------------------- reads
    def get(self, entity_name: str, row_id: str, *, include_deleted: bool = True) -> dict | None:
        t = TABLES[entity(entity_name).name]
        stmt = select(t).where(t.c.id == row_id)
        if not include_deleted:
            stmt = stmt.where(not_(t.c.deleted))
        with self.engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return rowmeta.expand_row(BY_NAME[t.name], dict(row)) if row else None

    def _where(self, e: Entity, filters: Mapping[str, Any] | None, text_query: str | None, include_deleted: bool):
        t = TABLES[e.name]
        clauses: list[Any] = [] if include_deleted else [not_(t.c.deleted)]
        for key, value in (filters or {}).items():
            name, _sep, op = key.partition("__")
            if not e.has(name) and name not in ("id", "updated_at", "created_at"):
                raise KeyError(f"{e.name} has no field {name!r}")
            col = t.c[name]
            if op == "gte":
                clauses.append(col >= value)
            elif op == "lte":
                clauses.append(col <= value)
            elif op == "readable":  # {"language__readable": "es"}: written in, or translated into, it
                clauses.append(translations.readable_clause(e, t, value))
            elif op == "contains":  # a code inside a MULTI field (JSON array)
                clauses.append(text(f"EXISTS (SELECT 1 FROM json_each({e.name}.{name}) WHERE value = :c_{name})").bindparams(**{f"c_{name}": value}))
            elif op:
                raise KeyError(f"unknown filter operator {op!r}")
            elif isinstance(value, (list, tuple, set)):
                clauses.append(col.in_(list(value)))
            elif value is None:
                clauses.append(col.is_(None))
            else:
                clauses.append(col == value)
        if text_query:
            q = search.fts_query(text_query)
            if q:
                clauses.append(
                    t.c.id.in_(
                        text(
                            "SELECT d.row_id FROM search_fts JOIN search_doc d ON d.docid = search_fts.rowid "
                            "WHERE search_fts MATCH :fq AND d.entity = :fe"
                        ).bindparams(fq=q, fe=e.name)
                    )
                )
        return and_(*clauses) if clauses else None

    def where(self, entity_name: str, filters: Mapping[str, Any] | None = None, *, text_query: str | None = None):
        """The SQL condition of a list's filters (live rows only), for readers that select
        other columns than `ids()` does: the map's points, say."""
        e = entity(entity_name)
        return self._where(e, filters, text_query, False)

    def ids(
        self,
        entity_name: str,
        filters: Mapping[str, Any] | None = None,
        *,
        text_query: str | None = None,
        order: Sequence[Order] | Order | None = None,
        include_deleted: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[str]:
        """Row ids matching `filters` in `order`, sorted and filtered in SQL: what a lazy
        list model needs to show 100 000 rows without loading them.

        Filters: {field: value}, {field: [values]}, {field__gte/lte: bound},
        {field__contains: code} for multi-choice fields, {language__readable: code} for
        records a reader of that language can read (core/translations.py)."""
        e = entity(entity_name)
        t = TABLES[e.name]
        stmt = select(t.c.id)
        where = self._where(e, filters, text_query, True)
        if where is not None:
            stmt = stmt.where(where)
        if not include_deleted:
            # not `deleted = 0`: with no statistics SQLite took that equality to an index
            # led by `deleted` (every row matches), read each row and sorted them in a temp
            # B-tree; the order's covering index (field, id, deleted) gives the ordered ids
            # alone (20 000 practices: 194 -> 15 ms, encrypted 669 -> 14 ms)
            stmt = stmt.where(t.c.deleted.is_not(True))
        orders = [order] if isinstance(order, Order) else list(order or [])
        if not orders and e.order_by:
            orders = [Order(e.order_by)]
        for o in orders:
            col = t.c[o.field]
            stmt = stmt.order_by(col.desc() if o.descending else col.asc())
        stmt = stmt.order_by(t.c.id)
        if limit is not None:
            stmt = stmt.limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def count(self, entity_name: str, filters: Mapping[str, Any] | None = None, *, text_query: str | None = None,
              include_deleted: bool = False) -> int:
        e = entity(entity_name)
        t = TABLES[e.name]
        stmt = select(func.count()).select_from(t)
        where = self._where(e, filters, text_query, include_deleted)
        if where is not None:
            stmt = stmt.where(where)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)

    def rows(self, entity_name: str, ids: Iterable[str]) -> list[dict]:
        """Fetch rows by id, returned in the order of `ids` (missing ids are skipped)."""
        t = TABLES[entity(entity_name).name]
        wanted = list(ids)
        found: dict[str, dict] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                for r in conn.execute(select(t).where(t.c.id.in_(wanted[i:i + 500]))).mappings():
                    found[r["id"]] = dict(r)
        return [found[i] for i in wanted if i in found]

    def records(self, entity_name: str, filters: Mapping[str, Any] | None = None, **kw: Any) -> list[dict]:
        """The rows `ids` finds with these filters and options, in its order."""
        return self.rows(entity_name, self.ids(entity_name, filters, **kw))

    def children(self, entity_name: str, parent_id: str, *, include_deleted: bool = False) -> list[dict]:
        """Rows of `entity_name` owned by `parent_id` (a meeting's participants, ...)."""
        e = entity(entity_name)
        assert e.parent, f"{e.name} has no parent"
        return self.records(e.name, {e.parent: parent_id}, include_deleted=include_deleted)

    def search(self, query: str, *, entities: Iterable[str] | None = None, limit: int = 20, offset: int = 0,
               lang: str | None = None) -> list[search.Hit]:
        with self.engine.connect() as conn:
            return search.search(conn, query, entities=entities, limit=limit, offset=offset, lang=lang)

    def stats(self) -> dict[str, int]:
        """Live (not deleted) rows per entity."""
        with self.engine.connect() as conn:
            return {
                e.name: int(conn.execute(select(func.count()).select_from(TABLES[e.name]).where(not_(TABLES[e.name].c.deleted))).scalar() or 0)
                for e in ENTITIES
            }

    def pending_ids(self, entity_name: str) -> set[str]:
        """Rows with local changes not yet acknowledged by the server (shown marked)."""
        o = TABLES["outbox"]
        with self.engine.connect() as conn:
            return set(conn.execute(select(o.c.row_id).where(o.c.entity == entity_name).distinct()).scalars())

    def outbox(self, limit: int | None = None) -> list[dict]:
        o = TABLES["outbox"]
        stmt = select(o).order_by(o.c.seq)
        if limit:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def pending_count(self) -> int:
        """Operations waiting to be pushed (rejected ones are counted apart)."""
        o = TABLES["outbox"]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(o).where(o.c.state == "pending")).scalar() or 0)

    def rejected(self) -> list[dict]:
        """Operations the server refused that a person must act on ("Needs attention"),
        with its reason: kept so nothing typed is lost."""
        return self.set_aside(("rejected",))

    def set_aside(self, states: Sequence[str] = SET_ASIDE) -> list[dict]:
        """Refused operations: `waiting` ones are retried by every sync (their cause can go
        away: a referenced record not yet on the service), `rejected` ones wait for a
        person (core.outbox)."""
        o = TABLES["outbox"]
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(o).where(o.c.state.in_(list(states))).order_by(o.c.seq)).mappings()]

    def unsynced_count(self) -> int:
        """Every local change the service has not accepted yet, refused ones included:
        what the status bar counts."""
        o = TABLES["outbox"]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(o)).scalar() or 0)

    def conflicts(self, *, open_only: bool = True, row_id: str | None = None) -> list[dict]:
        c = TABLES["conflict"]
        stmt = select(c).order_by(c.c.opened_at, c.c.id)
        if open_only:
            stmt = stmt.where(c.c.status == "open")
        if row_id:
            stmt = stmt.where(c.c.row_id == row_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def resolve_conflict(self, conflict_id: str, value: Any = None, *, deleted: bool | None = None) -> None:
        """A person settles a conflict: keep one side or a merged value (or, for a delete
        against an edit, `deleted` True to confirm the delete, False to restore). The
        local row takes the value at once and a `resolve` operation syncs it to everyone."""
        c = TABLES["conflict"]
        with self.transaction() as tx:
            conn = tx.conn
            conflict = conn.execute(select(c).where(c.c.id == conflict_id)).mappings().first()
            if conflict is None:
                raise KeyError(f"no conflict {conflict_id}")
            e = entity(conflict["entity"])
            t = TABLES[e.name]
            now, stamp = self.time.iso(), self.clock.now()
            if conflict["field"] == DELETED_KEY:
                if deleted is None:
                    raise ValueError("a delete conflict is settled with deleted=True or deleted=False")
                fields: dict[str, Any] = {DELETED_KEY: bool(deleted)}
                conn.execute(update(t).where(t.c.id == conflict["row_id"]).values(deleted=bool(deleted), updated_at=now))
            else:
                clean = self._validate(e, {conflict["field"]: value}, partial=True)
                fields = dict(clean)
                row = conn.execute(select(t).where(t.c.id == conflict["row_id"])).mappings().first()
                clocks = rowmeta.expand(e, row["field_clocks"] if row else None) | {conflict["field"]: stamp}
                conn.execute(update(t).where(t.c.id == conflict["row_id"]).values(**clean, updated_at=now, field_clocks=clocks))
            row = conn.execute(select(t).where(t.c.id == conflict["row_id"])).mappings().first()
            if row is not None:
                search.index_row(conn, e, dict(row))
            # The version the person decided on: the server refuses a resolution made on
            # a value that has changed since (it would overwrite a newer value unseen).
            versions = rowmeta.expand(e, row["field_versions"] if row else None)
            base = {conflict["field"]: int(versions.get(conflict["field"], 0))}
            conn.execute(insert(TABLES["outbox"]).values(
                op_id=self._next_op_id(conn), entity=e.name, row_id=conflict["row_id"], kind="resolve", fields=fields,
                base=base, hlc=stamp, created_at=now))
            conn.execute(update(c).where(c.c.id == conflict_id).values(
                status="resolved", resolved_at=now, resolved_by=self.author, resolution=fields))
            self.set_meta("clock", stamp, conn)
            tx.touch(e.name, conflict["row_id"])

    @contextlib.contextmanager
    def transaction(self, *, foreign_keys: bool = True, durable: bool = True) -> Iterator[Transaction]:
        """One write transaction on the serialized writer, for multi-step writes of the
        store's own modules (outbox, page apply). It yields a `Transaction`: its `conn`,
        and `touch()` for each row changed, heard by the change listeners after the
        commit. `foreign_keys=False` is for applying a sync page, which may reference rows
        outside this user's scope or on the next page (SQLite reads the pragma only
        outside a transaction). `durable=False` commits without waiting for the disk
        (synchronous=NORMAL; never a corrupt file): for a sync page, which a power cut
        can only take away together with its cursor, so it is fetched again."""
        pragmas = ([("foreign_keys", "OFF", "ON")] if not foreign_keys else []) + (
            [("synchronous", "NORMAL", "FULL")] if not durable else [])
        with self._lock:
            with self.engine.connect() as conn:
                if not durable:
                    # A page inserts thousands of rows at random ids into every index: with
                    # SQLite's 2 MB cache each insert re-reads index pages and the time per
                    # page grew with the table (2.4 s -> 5.8 s per 10 000 practices). A
                    # bigger cache for the page only, given back after (RSS stays bounded).
                    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
                    pragmas.append(("cache_size", str(-PAGE_CACHE_KIB), str(before)))
                for name, during, _after in pragmas:
                    conn.exec_driver_sql(f"PRAGMA {name}={during}")
                if pragmas:
                    conn.commit()
                tx = Transaction(conn)
                try:
                    with conn.begin():
                        yield tx
                finally:
                    for name, _during, after in pragmas:
                        conn.exec_driver_sql(f"PRAGMA {name}={after}")
                    if pragmas:
                        conn.commit()
        self.notify_many(tx.touched)

    # ----------------------------------------------------------------- sync pages
    def take_batch(self, limit: int) -> list[dict]:
        """The oldest pending operations for a push, marked as sent (core.pages)."""
        from fieldapp.core import pages  # pages builds on the store

        return self._on_writer(pages.take_batch, self, limit)

    def apply_page(self, sent: list[dict], reply: dict, judge: "pages.Judge") -> "pages.PageSummary":
        """Apply one sync reply and its cursor in one transaction (core.pages): the only
        way the service's changes reach this store."""
        from fieldapp.core import pages

        return self._on_writer(pages.apply_page, self, sent, reply, judge)

    def _on_writer(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` on the writer thread when one runs (the window's writes queue there:
        a sync page lands between two of them, never inside one), else here; the
        caller waits either way."""
        writer = self._executor
        if writer is None or threading.current_thread().name.startswith("store-writer"):
            return fn(*args)
        return writer.submit(fn, *args).result()

    # ----------------------------------------------------------------- writes
    def _validate(self, e: Entity, values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
        clean, errors = validate(e, values, partial=partial, has_code=self.catalog.has)
        if errors:
            raise ValidationError(e.name, errors)
        return clean

    def _check_refs(self, conn: Connection, e: Entity, clean: Mapping[str, Any]) -> None:
        errors = []
        for name, value in clean.items():
            f = e.field(name)
            if f.kind == REF and value is not None:
                t = TABLES[f.ref or ""]
                if conn.execute(select(t.c.id).where(t.c.id == value)).first() is None:
                    errors.append(FieldError(name, "missing_ref", _("{label}: no such record").format(label=_(f.label))))
        if errors:
            raise ValidationError(e.name, errors)

    def _derive_region(self, conn: Connection, e: Entity, row: dict, changed: set[str]) -> None:
        """Fill `region` from the country, or from the parent, when the user left it empty
        (or changed the country without choosing a region)."""
        if not e.has("region"):
            return
        if row.get("region") and not ("country" in changed and "region" not in changed):
            return
        region = self.catalog.region_of_country(row.get("country")) if e.has("country") else None
        if region is None and e.parent and row.get(e.parent):
            parent = e.field(e.parent).ref or ""
            if BY_NAME[parent].has("region"):
                region = conn.execute(select(TABLES[parent].c.region).where(TABLES[parent].c.id == row[e.parent])).scalar()
        if region and region != row.get("region"):
            row["region"] = region

    def insert(self, entity_name: str, values: Mapping[str, Any], *, row_id: str | None = None) -> str:
        """Create a record; returns its new UUID. Raises ValidationError naming each bad field."""
        e = entity(entity_name)
        clean = self._validate(e, values, partial=False)
        row_id = row_id or new_id()
        with self._lock, self.engine.begin() as conn:
            self._check_refs(conn, e, clean)
            row = {f.name: clean.get(f.name) for f in e.fields}
            self._derive_region(conn, e, row, set(clean))
            stamp = self.clock.now()
            now = self.time.iso()
            fields = {k: v for k, v in row.items() if v is not None and v != []}
            row.update(id=row_id, created_at=now, updated_at=now, author=self.author, deleted=False,
                       field_versions={}, field_clocks={k: stamp for k in fields})
            conn.execute(insert(TABLES[e.name]), row)
            self._queue(conn, e, row_id, "upsert", fields, {k: 0 for k in fields}, stamp, now)
            search.index_row(conn, e, row)
            self.set_meta("clock", stamp, conn)
        self._notify(e.name, row_id)
        return row_id

    def update(self, entity_name: str, row_id: str, changes: Mapping[str, Any]) -> dict:
        """Change some fields of a record; only fields whose value really changes are
        written and queued. Returns the record as stored."""
        e = entity(entity_name)
        clean = self._validate(e, changes, partial=True)
        t = TABLES[e.name]
        with self._lock, self.engine.begin() as conn:
            current = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
            if current is None:
                raise KeyError(f"no {e.name} {row_id}")
            row = rowmeta.expand_row(e, dict(current))
            self._check_refs(conn, e, clean)
            for f in e.fields:
                if f.required and f.name in clean and clean[f.name] in (None, []):
                    raise ValidationError(e.name, [FieldError(f.name, "required", _("{label} is required").format(label=_(f.label)))])
            new = dict(row) | clean
            self._derive_region(conn, e, new, set(clean))
            changed = {k: new[k] for k in new if k in e._by_name and new[k] != row[k]}
            if not changed:
                return row
            stamp = self.clock.now()
            now = self.time.iso()
            clocks = dict(row["field_clocks"] or {}) | {k: stamp for k in changed}
            conn.execute(update(t).where(t.c.id == row_id).values(**changed, updated_at=now, author=self.author, field_clocks=clocks))
            versions = row["field_versions"] or {}
            self._queue(conn, e, row_id, "upsert", changed, {k: versions.get(k, 0) for k in changed}, stamp, now)
            new.update(updated_at=now, author=self.author, field_clocks=clocks)
            search.index_row(conn, e, new)
            self.set_meta("clock", stamp, conn)
        self._notify(e.name, row_id)
        return new

    def delete(self, entity_name: str, row_id: str) -> None:
        """Leave a tombstone (never a hard delete: the deletion must sync, and a delete
        against someone else's edit is a conflict). Children that cannot live without
        this row (meeting parts, attachments) are tombstoned with it."""
        self._set_deleted(entity(entity_name), row_id, True)

    def restore(self, entity_name: str, row_id: str) -> None:
        """Undo a delete (the tombstone is lifted and the restore syncs)."""
        self._set_deleted(entity(entity_name), row_id, False)

    def _set_deleted(self, e: Entity, row_id: str, deleted: bool) -> None:
        touched: list[tuple[str, str]] = []
        with self._lock, self.engine.begin() as conn:
            self._tombstone(conn, e, row_id, deleted, touched)
            self.set_meta("clock", self.clock.last, conn)
        self.notify_many(touched)

    def _tombstone(self, conn: Connection, e: Entity, row_id: str, deleted: bool, touched: list) -> None:
        t = TABLES[e.name]
        row = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
        if row is None:
            raise KeyError(f"no {e.name} {row_id}")
        if bool(row["deleted"]) == deleted:
            return
        stamp, now = self.clock.now(), self.time.iso()
        conn.execute(update(t).where(t.c.id == row_id).values(deleted=deleted, updated_at=now, author=self.author))
        versions = rowmeta.expand(e, row["field_versions"])
        self._queue(conn, e, row_id, "delete" if deleted else "restore", {}, {ROW_KEY: versions.get(ROW_KEY, 0)}, stamp, now)
        search.index_row(conn, e, dict(row) | {"deleted": deleted})
        touched.append((e.name, row_id))
        for child in ENTITIES:
            if child.parent and child.field(child.parent).ref == e.name and child.field(child.parent).required:
                ct = TABLES[child.name]
                for cid in conn.execute(select(ct.c.id).where(ct.c[child.parent] == row_id, ct.c.deleted == (not deleted))).scalars().all():
                    self._tombstone(conn, child, cid, deleted, touched)

    def _queue(self, conn: Connection, e: Entity, row_id: str, kind: str, fields: dict, base: dict, stamp: str, now: str) -> None:
        """Append a field-level operation, folding it into the row's last unsent edit when
        there is one (ten keystrokes saved are one operation on the wire)."""
        o = TABLES["outbox"]
        if kind == "upsert":
            last = conn.execute(
                select(o).where(o.c.row_id == row_id, o.c.entity == e.name).order_by(o.c.seq.desc()).limit(1)
            ).mappings().first()
            set_aside = last is not None and last["state"] in SET_ASIDE
            if last and last["kind"] == "upsert" and (last["sent_at"] is None or set_aside):
                # An edit to a change the service refused is the person fixing it: the two
                # go again as one new operation (new id: its content changed).
                merged_base = {k: v for k, v in base.items() if k not in last["base"]} | last["base"]
                again = {"state": "pending", "error": None, "sent_at": None, "op_id": self._next_op_id(conn)} if set_aside else {}
                conn.execute(update(o).where(o.c.seq == last["seq"]).values(
                    fields=last["fields"] | fields, base=merged_base, hlc=stamp, **again))
                return
        conn.execute(insert(o).values(op_id=self._next_op_id(conn), entity=e.name, row_id=row_id, kind=kind,
                                      fields=fields, base=base, hlc=stamp, created_at=now))

    def queue_resend(self, conn: Connection, entity_name: str, row_id: str, fields: dict[str, Any], stamp: str) -> str:
        """Queue `fields` of a row again as a new upsert based on version 0, inside the
        caller's transaction (the sync engine, after the service was restored from a
        backup that lost them): the server applies what it lost, finds the same value
        where nothing was lost, and keeps both values where someone wrote since."""
        op_id = self._next_op_id(conn)
        conn.execute(insert(TABLES["outbox"]).values(
            op_id=op_id, entity=entity(entity_name).name, row_id=row_id, kind="upsert", fields=dict(fields),
            base={k: 0 for k in fields}, hlc=stamp, created_at=self.time.iso()))
        return op_id

    def skip_op_counter(self, conn: Connection, at_least: int) -> None:
        """Move the operation counter forward to `at_least` (never back): after this
        data folder was restored from a backup, its old counters were used already."""
        value = conn.execute(text("SELECT value FROM meta WHERE key = 'op_counter'")).scalar()
        if value is None or int(value) < at_least:
            self.set_meta("op_counter", str(int(at_least)), conn)

    def next_op_id(self, conn: Connection) -> str:
        """A new operation id of this device, inside the caller's transaction."""
        return self._next_op_id(conn)

    def _next_op_id(self, conn: Connection) -> str:
        """device id + a counter that never goes back, even when acknowledged operations
        leave the outbox (the server deduplicates by op id forever)."""
        value = conn.execute(text("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'op_counter' RETURNING value")).scalar()
        if value is None:
            start = conn.execute(text("SELECT coalesce(max(seq), 0) + 1 FROM outbox")).scalar()
            self.set_meta("op_counter", str(start), conn)
            value = start
        return f"{self.device_id}:{int(value or 0)}"

    def _notify(self, entity_name: str, row_id: str) -> None:
        self.notify_many([(entity_name, row_id)])

    def notify_many(self, touched: Iterable[tuple[str, str]]) -> None:
        """Tell listeners what changed. Past NOTIFY_EACH rows of one entity (an initial
        sync, an import) they hear once, with row id "*": reload everything."""
        per_entity: dict[str, list[str]] = {}
        for name, rid in dict.fromkeys(touched):
            per_entity.setdefault(name, []).append(rid)
        if REFERENCE.name in per_entity:
            self._refresh_catalog()
        for name, ids in per_entity.items():
            for rid in (ids if len(ids) <= NOTIFY_EACH else ["*"]):
                for listener in list(self._listeners):
                    listener(name, rid)

    def bulk_insert(self, entity_name: str, rows: Sequence[Mapping[str, Any]], *, outbox: bool = True,
                    validated: bool = False) -> int:
        """Insert many new rows in one transaction (imports, demo data, initial sync).
        Rows may carry their own `id`. With `validated`, the caller vouches for the values.
        Every row is checked before anything is written: one bad row writes nothing."""
        e = entity(entity_name)
        prepared: list[dict] = []
        errors: list[tuple[int, list[FieldError]]] = []
        for i, values in enumerate(rows):
            data = {k: v for k, v in values.items() if k in e._by_name}
            if validated:
                clean = data
            else:
                clean, errs = validate(e, data, partial=False, has_code=self.catalog.has)
                if errs:
                    errors.append((i, errs))
                    continue
            prepared.append({"id": values.get("id") or new_id(), **{f.name: clean.get(f.name) for f in e.fields}})
        if errors:
            raise BulkValidationError(e.name, errors)
        now = self.time.iso()
        with self._lock, self.engine.begin() as conn:
            o = TABLES["outbox"]
            queued = []
            for row in prepared:
                self._derive_region(conn, e, row, set())
                stamp = self.clock.now()
                fields = {k: v for k, v in row.items() if k != "id" and v is not None and v != []}
                row.update(created_at=now, updated_at=now, author=self.author, deleted=False, field_versions={},
                           field_clocks={k: stamp for k in fields} if outbox else {})
                if outbox:
                    queued.append({"op_id": self._next_op_id(conn), "entity": e.name,
                                   "row_id": row["id"], "kind": "upsert", "fields": fields,
                                   "base": {k: 0 for k in fields}, "hlc": stamp, "created_at": now})
            if prepared:
                conn.execute(insert(TABLES[e.name]), prepared)
                if queued:
                    conn.execute(insert(o), queued)
                search.index_many(conn, e, prepared)
            self.set_meta("clock", self.clock.last, conn)
        if prepared:
            self.notify_many([(e.name, "*")])
        return len(prepared)

    # ----------------------------------------------------------------- checks
    def check(self) -> list[str]:
        """SQLite's integrity check plus the store's own consistency rules; returns the
        problems found (empty when all is well)."""
        problems: list[str] = []
        with self.engine.connect() as conn:
            result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
            if result != ["ok"]:
                problems += [f"integrity: {r}" for r in result]
            problems += [f"foreign key: {r[0]} row {r[1]} -> {r[2]}" for r in conn.exec_driver_sql("PRAGMA foreign_key_check").all()]
            for e in search.SEARCHED:
                t = TABLES[e.name]
                live = conn.execute(select(func.count()).select_from(t).where(not_(t.c.deleted))).scalar()
                indexed = conn.execute(text("SELECT count(*) FROM search_doc WHERE entity = :e"), {"e": e.name}).scalar()
                if live != indexed:
                    problems.append(f"search index: {e.name} has {live} live rows but {indexed} indexed")
            orphans = conn.execute(text("SELECT count(*) FROM search_doc d LEFT JOIN search_fts f ON f.rowid = d.docid WHERE f.rowid IS NULL")).scalar()
            if orphans:
                problems.append(f"search index: {orphans} documents without text")
            o = TABLES["outbox"]
            for name in {r for r in conn.execute(select(o.c.entity).distinct()).scalars()}:
                if name not in BY_NAME:
                    problems.append(f"outbox: unknown entity {name}")
        return problems

    def rebuild_search(self) -> int:
        with self._lock, self.engine.begin() as conn:
            return search.rebuild(conn)


class BulkValidationError(ValueError):
    """Bad rows of a bulk write: [(row index, [FieldError, ...]), ...]."""

    def __init__(self, entity: str, errors: list[tuple[int, list[FieldError]]]):
        self.entity = entity
        self.errors = errors
        first = errors[0]
        super().__init__(f"{len(errors)} invalid row(s) in {entity}; first at index {first[0]}: "
                         + "; ".join(f"{fe.field}: {fe.message}" for fe in first[1]))
