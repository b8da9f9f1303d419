"""Applying a sync reply to the store: the store's writer path for what the service sends.

Store-owned (fieldapp/sync_client never writes the store's tables: it calls `Store.apply_page`
and `Store.take_batch`, which land here). `take_batch` marks what a push carries;
`apply_page` applies one reply (results, changes, conflicts) and moves the cursor in ONE
transaction, so a connection dropped or a process killed at any point costs at most that
page and never applies half of it.

Local edits not yet acknowledged always win locally: a remote change never overwrites a
field that has a pending operation (the server will judge the two, and a true conflict
comes back as a conflict).
"""
from __future__ import annotations

import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from sqlalchemy import Connection, String, and_, delete, insert, select, update

from fieldapp.core import outbox, rowmeta, search
from fieldapp.core.fieldspec import Entity
from fieldapp.core.schema import BY_NAME, ENTITIES
from fieldapp.core.tables import TABLES

from fieldapp.core.timestamps import utcnow
from sync.wire import expand_change, from_blocks

if TYPE_CHECKING:
    from fieldapp.core.store import Store, Transaction

CURSOR_KEY = "sync_cursor"
WIRE_FORM = "changes_as_sent"  # a reply key: its changes keep the wire's compact "*" (skip_nulls) form
WIRE_KEYS = ("op_id", "entity", "row_id", "kind", "fields", "base", "hlc")
DELETED = "_deleted"
FLUSH_EACH = 2000  # new rows written together (one executemany): what a page holds at once in row form
RESTAMP, RETRY = "restamp", "retry"  # refusal actions (sync_client.refusals): re-stamp and re-send, or wait
Judge = Callable[[str | None], tuple[str, str]]  # a refusal's reason -> (outbox state, action)


@dataclass
class PageSummary:
    """What one reply did; a whole sync sums them (engine.SyncResult)."""

    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0  # refused for good: in "Needs attention"
    waiting: int = 0  # refused for a cause that can go away: sent again by every sync
    received: int = 0
    removed: int = 0
    rejections: list[str] = field(default_factory=list)
    restamp: list[str] = field(default_factory=list)  # op ids refused for their clock: re-stamped, re-sent


def take_batch(store: "Store", limit: int) -> list[dict]:
    """The oldest pending operations, marked as sent (a later edit then starts a new
    operation instead of folding into one already on the wire). Ops sent before and not
    acknowledged are sent again with the same op_id: the server deduplicates."""
    o = TABLES["outbox"]
    with store.transaction() as tx:
        conn = tx.conn
        rows = [dict(r) for r in conn.execute(
            select(o).where(o.c.state == "pending").order_by(o.c.seq).limit(limit)).mappings()]
        unsent = [r["seq"] for r in rows if r["sent_at"] is None]
        if unsent:
            conn.execute(update(o).where(o.c.seq.in_(unsent)).values(sent_at=utcnow()))
    return [{k: r[k] for k in WIRE_KEYS} for r in rows]


def apply_page(store: "Store", sent: list[dict], reply: dict, judge: Judge) -> PageSummary:
    """Apply one reply (results, changes written out in full, conflicts) and its cursor in
    one transaction. `judge` says what a refusal means (the sync layer knows the codes)."""
    summary = PageSummary()
    by_id = {op["op_id"]: op for op in sent}
    # a page may reference rows outside this user's scope or arriving on the next page
    with store.transaction(foreign_keys=False, durable=False) as tx:
        conn = tx.conn
        o = TABLES["outbox"]
        for result in reply.get("results", []):
            op = by_id.get(result["op_id"])
            if op is None:
                continue
            status = result["status"]
            if status == "rejected":
                state, action = judge(result.get("reason"))
                outbox.set_aside(conn, op["op_id"], state, result.get("reason"))
                if action == RESTAMP:
                    summary.restamp.append(op["op_id"])
                elif action == RETRY:
                    summary.waiting += 1
                else:
                    summary.rejected += 1
                    summary.rejections.append(f"{op['entity']}: {result.get('reason') or ''}")
                continue
            summary.applied += status == "applied"
            summary.duplicates += status == "duplicate"
            summary.conflicts += status == "conflict"
            conn.execute(delete(o).where(o.c.op_id == op["op_id"]))
            outbox.forget_fixed(conn, op)
            _acknowledge(tx, op, result)
        pending = _pending_fields(conn)
        blocks = reply.get("blocks")  # a columnar page as sent (sync.wire), applied a block at a time
        changes = [c for c in reply.get("changes", []) if c.get("entity") in BY_NAME]
        wire_form = blocks is not None or reply.get(WIRE_FORM)  # "*" metadata not written out
        existing, blank = _existing_ids(conn, _page_ids(changes, blocks))
        fresh = _NewRows(conn.dialect, existing)
        page = _Page(tx, summary, pending, existing, fresh, bool(wire_form), blank)
        for change in changes:
            page.change(BY_NAME[change["entity"]], change)
        while blocks:
            block = blocks.pop(0)  # its columns let go once applied: one copy of a page in memory
            e = BY_NAME.get(block.get("entity") or "")
            if e is not None:
                page.block(e, block)
        max_clock = page.max_clock
        fresh.flush(tx)
        for conflict in reply.get("conflicts", []):
            _record_conflict(conn, conflict)
        if max_clock:
            try:
                store.clock.observe(max_clock)
            except ValueError:
                pass
        store.set_meta(CURSOR_KEY, reply.get("cursor"), conn)
        store.set_meta("clock", store.clock.last, conn)
    return summary


def _pending_fields(conn: Connection) -> dict[tuple[str, str], set[str]]:
    """Fields with local edits not yet acknowledged, per row (DELETED for delete/restore)."""
    o = TABLES["outbox"]
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in conn.execute(select(o.c.entity, o.c.row_id, o.c.kind, o.c.fields).where(o.c.state == "pending")):
        key = (r.entity, r.row_id)
        out[key] |= set(r.fields or {})
        if r.kind in ("delete", "restore") or (r.kind == "resolve" and DELETED in (r.fields or {})):
            out[key].add(DELETED)
    return out


def _acknowledge(tx: "Transaction", op: dict, result: dict) -> None:
    """Store the server versions an op earned, adopt values the server settled on
    (provisional value of a conflict, derived fields), and rebase later pending edits of
    the same fields on the new versions (they were made on top of this op's value)."""
    e = BY_NAME.get(op["entity"])
    if e is None:
        return
    conn = tx.conn
    t = TABLES[e.name]
    row = conn.execute(select(t).where(t.c.id == op["row_id"])).mappings().first()
    versions = result.get("versions") or {}
    o = TABLES["outbox"]
    later = conn.execute(select(o.c.seq, o.c.fields, o.c.base).where(
        o.c.entity == e.name, o.c.row_id == op["row_id"], o.c.state == "pending")).all()
    later_fields: set[str] = set()
    for seq, fields, base in later:
        later_fields |= set(fields or {})
        rebased = {k: (versions[k] if k in versions and v == (op["base"] or {}).get(k, v) else v) for k, v in (base or {}).items()}
        if rebased != base:
            conn.execute(update(o).where(o.c.seq == seq).values(base=rebased))
    if row is None:
        return
    new_versions = dict(row["field_versions"] or {}) | {k: v for k, v in versions.items()}
    values = result.get("values") or {}
    adopt = {k: v for k, v in values.items() if e.has(k) and k not in later_fields}
    if DELETED in values and not _deleted_pending(conn, e.name, op["row_id"]):
        # the server kept the row alive (a delete lost to an edit) or the other way round
        adopt["deleted"] = bool(values[DELETED])
    conn.execute(update(t).where(t.c.id == op["row_id"]).values(field_versions=new_versions, **adopt))
    if adopt:
        search.index_row(conn, e, dict(row) | adopt)
        tx.touch(e.name, op["row_id"])


def _deleted_pending(conn: Connection, entity_name: str, row_id: str) -> bool:
    o = TABLES["outbox"]
    return conn.execute(select(o.c.seq).where(
        o.c.entity == entity_name, o.c.row_id == row_id, o.c.state == "pending",
        o.c.kind.in_(("delete", "restore"))).limit(1)).first() is not None


def _existing_ids(conn: Connection, keys: list[tuple[str, str]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Which rows of a page this copy holds already, and which of those were never
    synced (no metadata yet): one query per table, not per row."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for name, row_id in keys:
        wanted[name].append(row_id)
    found: dict[str, set[str]] = defaultdict(set)
    blank: dict[str, set[str]] = defaultdict(set)
    for name, ids in wanted.items():
        t = TABLES[name]
        never = and_(t.c.field_versions.cast(String) == "{}", t.c.field_clocks.cast(String) == "{}")
        for i in range(0, len(ids), 500):
            for row_id, unsynced in conn.execute(select(t.c.id, never).where(t.c.id.in_(ids[i:i + 500]))):
                found[name].add(row_id)
                if unsynced:
                    blank[name].add(row_id)
    return found, blank


def _page_ids(changes: list[dict], blocks: list[dict] | None) -> list[tuple[str, str]]:
    """(entity, id) of every change of a page, in changes or in columnar blocks."""
    out = [(c["entity"], c["id"]) for c in changes]
    for block in blocks or ():
        if block.get("entity") in BY_NAME:
            out.extend((block["entity"], i) for i in (block.get("cols") or {}).get("id") or ())
    return out


class _Page:
    """One reply's changes applied in order: rows new to this copy, with nothing pending
    and one author, go to `_NewRows` (bulk); any other goes the per-row way."""

    def __init__(self, tx: "Transaction", summary: PageSummary, pending: dict, existing: dict[str, set[str]],
                 fresh: "_NewRows", wire_form: bool, blank: dict[str, set[str]]):
        self.tx, self.summary, self.pending, self.existing, self.fresh = tx, summary, pending, existing, fresh
        self.wire_form = wire_form
        self.blank = blank
        self.max_clock: str | None = None

    def _clock(self, clocks: dict | None) -> None:
        for stamp in (clocks or {}).values():
            if self.max_clock is None or stamp > self.max_clock:
                self.max_clock = stamp

    def change(self, e: Entity, change: dict) -> None:
        """One change (a row object), as the service sent it or written out."""
        tx, fresh = self.tx, self.fresh
        self.summary.received += 1
        if change.get("op") == "removed":
            fresh.flush(tx)
            self.summary.removed += _remove(tx, e, change["id"])
            self.existing[e.name].discard(change["id"])
            return
        row_pending = self.pending.get((e.name, change["id"]), set())
        wire_form_row = self.wire_form
        if wire_form_row and not self._as_sent(e, change["id"], change.get("authors"), row_pending):
            change = expand_change(change, skip_nulls=True)  # the general path reads metadata per field
            wire_form_row = False
        if change["id"] in self.existing[e.name] or change["id"] in fresh.ids:
            fresh.flush(tx)  # the same row twice in a page: write the first one now
            _update(tx, e, change, row_pending)
        else:
            fresh.add(e, _new_row_as_sent(e, change) if wire_form_row else _new_row(e, change, row_pending))
            if len(fresh.ids) >= FLUSH_EACH:
                fresh.flush(tx)  # bounded memory: a page of 10 000 rows is not held three times
        self._clock(change.get("clocks"))

    def _as_sent(self, e: Entity, row_id: str, authors: dict | None, row_pending: set[str]) -> bool:
        """A row stored as the service sent it: new here, nothing pending, one author."""
        return (row_id not in self.existing[e.name] and row_id not in self.fresh.ids and not row_pending
                and len(set((authors or {}).values())) <= 1)

    def block(self, e: Entity, block: dict) -> None:
        """A columnar block: its rows that are new here go to `_NewRows` a column at a
        time (an initial sync is nothing else), the others one by one, in order."""
        cols = block.get("cols") or {}
        ids = cols.get("id") or []
        if block.get("op", "upsert") != "upsert" or not self.wire_form:
            for change in from_blocks([block]):
                self.change(e, change)
            return
        authors = cols.get("authors") or [None] * len(ids)
        blank = self.blank.get(e.name, set()) if e.name not in search.SEARCHED_NAMES else set()
        run: list[int] = []
        again: list[int] = []  # rows held here that were never synced (shipped reference entries)
        run_ids: set[str] = set()
        for i, row_id in enumerate(ids):
            if row_id not in run_ids and not self.pending.get((e.name, row_id)) and len(set((authors[i] or {}).values())) <= 1:
                if row_id not in self.existing[e.name] and row_id not in self.fresh.ids:
                    run.append(i)
                    run_ids.add(row_id)
                    continue
                if row_id in blank:
                    again.append(i)
                    run_ids.add(row_id)
                    blank.discard(row_id)  # met again in this page: the general path then
                    continue
            self._run(e, block, run, again)
            run, again, run_ids = [], [], set()
            self.change(e, _block_row(block, i))
        self._run(e, block, run, again)

    def _run(self, e: Entity, block: dict, rows: list[int], again: list[int]) -> None:
        clocks = block["cols"].get("clocks")
        if again:
            self.summary.received += len(again)
            _replace_many(self.tx, e, *self.fresh.columns(e, block, again), "deleted" in block["cols"], self.fresh)
            for i in again if clocks else ():
                self._clock(clocks[i])
        for at in range(0, len(rows), FLUSH_EACH):
            part = rows[at:at + FLUSH_EACH]
            self.fresh.add_block(e, block, part)
            self.summary.received += len(part)
            for i in part if clocks else ():
                self._clock(clocks[i])
            if len(self.fresh.ids) >= FLUSH_EACH:
                self.fresh.flush(self.tx)


def _replace_many(tx: "Transaction", e: Entity, values: dict[str, list], fields: dict[str, list], deleted: bool,
                  fresh: "_NewRows") -> None:
    """Rows held here but never synced (no metadata: the shipped reference entries an
    initial sync meets first), nothing pending, met whole in a columnar block: what
    `_update` does to each, in one executemany (their old metadata is empty, so the
    sent one is the whole of the new)."""
    binders = dict(_plan(e, tx.conn.dialect).binders)
    names = [*fields, *(["deleted"] if deleted else []), "field_versions", "field_clocks", "updated_at"]
    quote = tx.conn.dialect.identifier_preparer.quote
    sets = ", ".join(f"{quote(n)} = ?" for n in names) + ", author = coalesce(?, author)"
    columns = [list(map(binders[n], values[n])) if binders.get(n) else values[n] for n in names + ["author", "id"]]
    tx.conn.exec_driver_sql(f"UPDATE {quote(e.name)} SET {sets} WHERE id = ?", list(zip(*columns)))
    _save_field_lists(tx.conn, fresh.refs)  # the lists their metadata names, stored with them
    tx.touched.extend((e.name, i) for i in values["id"])


def _save_field_lists(conn: Connection, refs: set[str]) -> None:
    """The registered field lists (core.rowmeta) rows of this transaction name, kept in
    `meta` with them (a list stored before stays as it is: its key is its content)."""
    if refs:
        conn.exec_driver_sql("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                             rowmeta.saved(sorted(refs)))


def _block_row(block: dict, i: int) -> dict:
    """Row `i` of a columnar block as a change (sync.wire.from_blocks gives them all)."""
    change = {"op": block.get("op", "upsert"), "entity": block["entity"],
              **{k: column[i] for k, column in (block.get("cols") or {}).items()}}
    change["fields"] = {name: column[i] for name, column in zip(block.get("names") or [], block.get("fields") or [])}
    return change



def _split(e: Entity, change: dict, pending: set[str]) -> tuple[dict, dict, dict, str | None]:
    """Fields, versions and clocks of a change minus those with local edits pending, and
    the author of its latest field."""
    known = e._by_name
    fields = {k: v for k, v in (change.get("fields") or {}).items() if k in known and k not in pending}
    versions = change.get("versions") or {}
    clocks = change.get("clocks") or {}
    if pending:
        versions = {k: v for k, v in versions.items() if k not in pending}
        clocks = {k: v for k, v in clocks.items() if k not in pending}
    authors = change.get("authors") or {}
    if len(set(authors.values())) == 1:  # one author for all (a row written whole): no clocks to compare
        author = next(iter(authors.values()))
    else:
        author = max(authors.items(), key=lambda kv: clocks.get(kv[0], ""))[1] if authors else None
    return fields, versions, clocks, author


def _new_row(e: Entity, change: dict, pending: set[str]) -> dict[str, Any]:
    fields, versions, clocks, author = _split(e, change, pending)
    now = utcnow()
    values: dict[str, Any] = {f.name: fields.get(f.name) for f in e.fields}
    values.update(
        id=change["id"], created_at=change.get("created_at") or now, updated_at=change.get("updated_at") or now,
        author=author, deleted=bool(change.get("deleted")),
        field_versions=rowmeta.compact(e, versions), field_clocks=rowmeta.compact(e, clocks),
    )
    return values


def _new_row_as_sent(e: Entity, change: dict) -> dict[str, Any]:
    """A new row, nothing pending on it, from a change as a columnar page sent it: its
    shared "*" metadata stored once (core.rowmeta) without being written out per field
    first (a third of an initial sync's Python time went to that round trip)."""
    known = e._by_name
    sent = change.get("fields") or {}
    covered = [k for k, v in sent.items() if k in known and v is not None]
    authors = change.get("authors") or {}
    now = utcnow()
    values: dict[str, Any] = {f.name: sent.get(f.name) for f in e.fields}
    values.update(
        id=change["id"], created_at=change.get("created_at") or now, updated_at=change.get("updated_at") or now,
        author=next(iter(authors.values())) if authors else None, deleted=bool(change.get("deleted")),
        field_versions=rowmeta.from_wire(e, change.get("versions") or {}, covered),
        field_clocks=rowmeta.from_wire(e, change.get("clocks") or {}, covered),
    )
    return values


class _NewRows:
    """Rows new to this copy, written together: one insert per table and the search
    index filled in bulk (an initial sync is thousands of them). Rows wait as the
    tuples the insert binds (a columnar block's become them a column at a time), their
    documents beside them, and the registered field lists their metadata names
    (core.rowmeta), stored with them."""

    def __init__(self, dialect: Any, existing: dict[str, set[str]]) -> None:
        self.dialect = dialect
        self.existing = existing  # the page's rows held here: a flushed row joins them
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.docs: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        self.ids: set[str] = set()
        self.touched: list[tuple[str, str]] = []
        self.refs: set[str] = set()
        self._uncovered: dict[tuple, Any] = {}  # (entity, names, null mask) -> the stored "-"

    def add(self, e: Entity, values: dict) -> None:
        plan = _plan(e, self.dialect)
        self.rows[e.name].append(tuple(bind(values[name]) if bind else values[name] for name, bind in plan.binders))
        self.ids.add(values["id"])
        self.touched.append((e.name, values["id"]))
        for key in ("field_versions", "field_clocks"):
            ref = (values.get(key) or {}).get(rowmeta.EXCEPT)
            if isinstance(ref, str):
                self.refs.add(ref)
        if e.name in search.SEARCHED_NAMES and not values.get("deleted"):
            self.docs[e.name].append((values["id"], *search.document(e, values)))

    def add_block(self, e: Entity, block: dict, rows: list[int]) -> None:
        """Rows `rows` of a columnar block, new here with nothing pending (`_new_row_as_sent`
        for each, a column at a time)."""
        if not rows:
            return
        values, fields = self.columns(e, block, rows)
        plan = _plan(e, self.dialect)
        none = [None] * len(rows)
        self.rows[e.name].extend(zip(*(list(map(bind, values.get(name, none))) if bind else values.get(name, none)
                                       for name, bind in plan.binders)))
        ids = values["id"]
        self.ids.update(ids)
        self.touched.extend((e.name, i) for i in ids)
        if e.name in search.SEARCHED_NAMES:
            self.docs[e.name].extend(search.documents_of_columns(e, {"id": ids, **fields}, [not d for d in values["deleted"]]))

    def columns(self, e: Entity, block: dict, rows: list[int]) -> tuple[dict[str, list], dict[str, list]]:
        """The table's columns for rows `rows` of a columnar block as `_new_row_as_sent`
        makes them (metadata in its stored form, the null fields' list registered once
        per set of null fields), and the block's known fields among them."""
        n, cols, names = len(rows), block["cols"], block.get("names") or []
        whole = n == len(cols["id"])

        def pick(column: list) -> list:
            return column if whole else [column[i] for i in rows]

        known = e._by_name
        fields = {name: pick(column) for name, column in zip(names, block["fields"]) if name in known}
        none = [None] * n
        now = utcnow()
        masks = list(zip(*([v is not None for v in column] for column in fields.values()))) if fields else [()] * n
        order = tuple(fields)
        stored_except = []
        for mask in masks:
            key = (e.name, order, mask)
            if key not in self._uncovered:
                self._uncovered[key] = rowmeta.uncovered(e, (k for k, has in zip(order, mask) if has))
            stored_except.append(self._uncovered[key])
        self.refs.update(u for u in (self._uncovered[(e.name, order, m)] for m in set(masks)) if isinstance(u, str))
        values = {
            "id": pick(cols["id"]),
            "created_at": [v or now for v in pick(cols.get("created_at") or none)],
            "updated_at": [v or now for v in pick(cols.get("updated_at") or none)],
            "author": [next(iter(a.values())) if a else None for a in pick(cols.get("authors") or none)],
            "deleted": [bool(v) for v in pick(cols.get("deleted") or none)],
        }
        for stored, column in (("field_versions", "versions"), ("field_clocks", "clocks")):
            values[stored] = [rowmeta.from_wire_except(m, x) if rowmeta.SHARED in m else rowmeta.compact(e, m)
                           for m, x in zip((mm or {} for mm in pick(cols.get(column) or none)), stored_except)]
        values.update(fields)
        return values, fields

    def flush(self, tx: "Transaction") -> None:
        conn = tx.conn
        for name, rows in self.rows.items():
            if rows:
                conn.exec_driver_sql(_plan(BY_NAME[name], conn.dialect).sql, rows)
        for name, docs in self.docs.items():
            search.index_documents(conn, name, docs)
        _save_field_lists(conn, self.refs)
        tx.touched.extend(self.touched)
        for name, row_id in self.touched:  # met again later in the page: an update, not a second insert
            self.existing[name].add(row_id)
        self.rows.clear()
        self.docs.clear()
        self.ids.clear()
        self.touched = []
        self.refs.clear()


@dataclass
class _Plan:
    sql: str
    binders: list[tuple[str, Any]]  # (column, the type's bind processor or None), in table order


_PLANS: "weakref.WeakKeyDictionary[Any, dict[str, _Plan]]" = weakref.WeakKeyDictionary()  # per dialect


def _plan(e: Entity, dialect: Any) -> _Plan:
    """One executemany of whole rows (every column given), the values bound by the
    columns' own types (JSON, flags, any type a column declares) without SQLAlchemy
    compiling parameters row by row: a third of an initial sync's time went there."""
    plans = _PLANS.setdefault(dialect, {})
    plan = plans.get(e.name)
    if plan is None:
        table = TABLES[e.name]
        columns = list(table.c)
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(c.name) for c in columns)
        sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' * len(columns))})"
        plan = plans[e.name] = _Plan(sql, [(c.name, c.type._cached_bind_processor(dialect)) for c in columns])
    return plan


def _update(tx: "Transaction", e: Entity, change: dict, pending: set[str]) -> None:
    conn = tx.conn
    t = TABLES[e.name]
    row = conn.execute(select(t).where(t.c.id == change["id"])).mappings().one()
    fields, versions, clocks, author = _split(e, change, pending)
    values = dict(fields)
    if DELETED not in pending and "deleted" in change:
        values["deleted"] = bool(change["deleted"])
    values.update(
        field_versions=dict(row["field_versions"] or {}) | versions,
        field_clocks=dict(row["field_clocks"] or {}) | clocks,
        updated_at=change.get("updated_at") or utcnow(),
    )
    if author:
        values["author"] = author
    conn.execute(update(t).where(t.c.id == change["id"]).values(**values))
    search.index_row(conn, e, dict(row) | values)
    tx.touch(e.name, change["id"])


def _remove(tx: "Transaction", e: Entity, row_id: str) -> int:
    """A row left this user's scope: drop it and what cannot live without it. Pending
    edits to it stay in the outbox; the server will refuse them with a reason, which
    is then shown, so nothing typed disappears silently."""
    conn = tx.conn
    t = TABLES[e.name]
    row = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
    if row is None:
        return 0
    removed = 1
    for child in _required_children(e):
        ct, parent = TABLES[child.name], child.parent
        assert parent is not None  # _required_children yields only children that have a parent
        for cid in conn.execute(select(ct.c.id).where(ct.c[parent] == row_id)).scalars().all():
            removed += _remove(tx, child, cid)
    search.index_row(conn, e, dict(row) | {"deleted": True})
    conn.execute(delete(t).where(t.c.id == row_id))
    tx.touch(e.name, row_id)
    return removed


def _required_children(e: Entity) -> Iterable[Entity]:
    for child in ENTITIES:
        if child.parent and child.field(child.parent).ref == e.name and child.field(child.parent).required:
            yield child


def _record_conflict(conn: Connection, conflict: dict) -> None:
    c = TABLES["conflict"]
    current = conn.execute(select(c.c.status).where(c.c.id == conflict["id"])).scalar()
    status = conflict.get("status", "open")
    if current == "resolved" and status == "open":
        return  # settled here; our resolution is on its way to the server
    values = dict(
        entity=conflict["entity"], row_id=conflict["row_id"], field=conflict["field"], sides=conflict.get("sides") or [],
        provisional=conflict.get("provisional"), opened_at=conflict.get("opened_at") or utcnow(),
        resolved_at=conflict.get("resolved_at"), status=status, resolved_by=conflict.get("resolved_by"),
        resolution=conflict.get("resolution"),
    )
    if current is None:
        conn.execute(insert(c).values(id=conflict["id"], **values))
    else:
        conn.execute(update(c).where(c.c.id == conflict["id"]).values(**values))


def drop_synced_rows(store: "Store", cursor_key: str) -> int:
    """Sync again from scratch keeping the outbox (sync_client/resync.py): drop every synced
    row this device has no unsent edit to, and forget the cursor; returns how many."""
    o = TABLES["outbox"]
    dropped = 0
    with store.transaction(foreign_keys=False) as tx:
        conn = tx.conn
        keep = {(r.entity, r.row_id) for r in conn.execute(select(o.c.entity, o.c.row_id))}
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
