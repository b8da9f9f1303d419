"""The outbox's refused operations and stamps made with a wrong clock.

An operation the service refuses is never dropped. Its `state` says what happens next:

- `pending`: goes with the next push (also a change refused for its clock, re-stamped);
- `waiting`: refused for a cause that can go away (a record it refers to is not on the
  service yet); every sync sends it again until it passes or is refused for good;
- `rejected`: a person must act ("Needs attention" in the Sync area): edit the record
  (the edit and the refused change go again as one), retry, or discard.

Stamps made while this computer's clock was wrong (ahead of the service, or in the
year 2000 after a battery reset) are repaired once the service's time is known, keeping
the order of the edits. The writes go through `Store.transaction` (the one writer).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import Connection, and_, delete, false, or_, select, update

from fieldapp.core import rowmeta, search
from fieldapp.core.hlc import Stamp, iso_of
from fieldapp.core.schema import BY_NAME, ENTITIES
from fieldapp.core.tables import TABLES

PENDING, WAITING, REJECTED = "pending", "waiting", "rejected"


def _millis_of_iso(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except (ValueError, OverflowError, OSError):
        return None


def restamp(store, *, op_ids: Iterable[str] | None = None) -> int:
    """Give implausible stamps (ahead of the service's time, or before this application
    existed) the time the edit was really made when the offset explains it, else the
    service's time now, in outbox order and strictly increasing. Only ops never sent are
    touched, unless `op_ids` names ops the service refused for their clock (the service
    holds nothing of them). The records' clocks and dates made with the wrong clock are
    repaired too. Returns how many ops were re-stamped."""
    o = TABLES["outbox"]
    clock = store.time
    wanted = set(op_ids) if op_ids is not None else None
    with store.transaction() as tx:
        conn = tx.conn
        rows = conn.execute(select(o.c.seq, o.c.op_id, o.c.entity, o.c.row_id, o.c.fields, o.c.hlc, o.c.sent_at)
                            .order_by(o.c.seq)).all()
        previous: Stamp | None = None
        changed = 0
        for r in rows:
            try:
                stamp = Stamp.parse(r.hlc)
            except ValueError:
                stamp = Stamp(0, 0, store.device_id)
            eligible = (r.op_id in wanted) if wanted is not None else r.sent_at is None
            new = stamp
            if eligible and not clock.plausible(stamp.millis):
                shifted = stamp.millis + clock.offset_ms
                new = Stamp(shifted if clock.plausible(shifted) else clock.now_ms(), 0, store.device_id)
            if eligible and previous is not None and new <= previous:
                new = Stamp(previous.millis, previous.counter + 1, store.device_id)
            if new != stamp:
                conn.execute(update(o).where(o.c.seq == r.seq).values(hlc=str(new)))
                changed += 1
            if eligible:
                _repair_row(store, tx, r.entity, r.row_id, r.fields or {}, r.hlc, new)
            previous = max(previous, new) if previous is not None else new
        if changed and previous is not None:
            store.clock.observe(str(previous))
            store.set_meta("clock", store.clock.last, conn)
    return changed


def _repair_row(store, tx, entity_name: str, row_id: str, fields: dict, old: str, new: Stamp) -> None:
    e = BY_NAME.get(entity_name)
    if e is None:
        return
    conn = tx.conn
    t = TABLES[e.name]
    row = conn.execute(select(t.c.field_clocks, t.c.created_at, t.c.updated_at).where(t.c.id == row_id)).mappings().first()
    if row is None:
        return
    clocks = rowmeta.expand(e, row["field_clocks"])
    values: dict = {}
    if str(new) != old and any(clocks.get(k) == old for k in fields):
        values["field_clocks"] = clocks | {k: str(new) for k in fields if clocks.get(k) == old}
    time = store.time
    for name in ("created_at", "updated_at"):
        millis = _millis_of_iso(row[name])
        if millis is None or not time.plausible(millis):
            # when the offset explains the date, it was typed then; otherwise: now
            shifted = None if millis is None else millis + time.offset_ms
            values[name] = iso_of(shifted if shifted is not None and time.plausible(shifted) else time.now_ms())
    if values:
        conn.execute(update(t).where(t.c.id == row_id).values(**values))
        tx.touch(e.name, row_id)


def set_aside(conn: Connection, op_id: str, state: str, reason: str | None) -> None:
    """Record the service's refusal of an op (inside the page's transaction)."""
    o = TABLES["outbox"]
    conn.execute(update(o).where(o.c.op_id == op_id).values(state=state, error=reason))


def requeue_waiting(store, codes: Iterable[str] = ()) -> int:
    """Send `waiting` ops again (each sync does, first, in their original order), and
    ops an older version set aside for a reason in `codes` that now retries by itself."""
    o = TABLES["outbox"]
    legacy = or_(*[o.c.error.like(f"{code}:%") for code in codes]) if codes else false()
    with store.transaction() as tx:
        return tx.conn.execute(update(o).where(or_(o.c.state == WAITING, and_(o.c.state == REJECTED, legacy)))
                            .values(state=PENDING)).rowcount or 0


def forget_fixed(conn: Connection, acknowledged: dict) -> int:
    """A later edit of the same fields reached the service: the refused change it
    replaces is settled (the person fixed it another way)."""
    if acknowledged.get("kind") != "upsert":
        return 0
    o = TABLES["outbox"]
    fields = set(acknowledged.get("fields") or {})
    gone = 0
    for seq, kind, f in conn.execute(select(o.c.seq, o.c.kind, o.c.fields).where(
            o.c.entity == acknowledged["entity"], o.c.row_id == acknowledged["row_id"], o.c.state.in_((WAITING, REJECTED)))).all():
        if kind == "upsert" and set(f or {}) <= fields:
            conn.execute(delete(o).where(o.c.seq == seq))
            gone += 1
    return gone


def retry(store, op_id: str) -> bool:
    """A person asks to send a refused change again: with the record's current values
    (they may have corrected it) and a new id (its content may differ). Returns whether
    the op existed."""
    o = TABLES["outbox"]
    with store.transaction() as tx:
        conn = tx.conn
        op = conn.execute(select(o).where(o.c.op_id == op_id)).mappings().first()
        if op is None:
            return False
        values: dict = {"state": PENDING, "error": None, "sent_at": None, "op_id": store._next_op_id(conn),
                        "hlc": store.clock.now()}
        e = BY_NAME.get(op["entity"])
        if op["kind"] == "upsert" and e is not None:
            t = TABLES[e.name]
            row = conn.execute(select(t).where(t.c.id == op["row_id"])).mappings().first()
            if row is not None:
                values["fields"] = {k: row[k] if e.has(k) else v for k, v in (op["fields"] or {}).items()}
        conn.execute(update(o).where(o.c.seq == op["seq"]).values(**values))
        tx.touch(op["entity"], op["row_id"])
        return True


def discard(store, op_id: str) -> bool:
    """A person gives up a refused change: it is not sent. A record that only ever
    existed on this computer (never accepted by the service, nothing else pending) goes
    with it, as a local tombstone, so the list does not show what exists nowhere else."""
    o = TABLES["outbox"]
    with store.transaction() as tx:
        op = tx.conn.execute(select(o).where(o.c.op_id == op_id)).mappings().first()
        if op is None:
            return False
        tx.conn.execute(delete(o).where(o.c.seq == op["seq"]))
        e = BY_NAME.get(op["entity"])
        if e is not None:
            _drop_if_local_only(tx, e, op["row_id"])
        return True


def _drop_if_local_only(tx, e, row_id: str) -> None:
    conn = tx.conn
    t = TABLES[e.name]
    o = TABLES["outbox"]
    row = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
    if row is None or row["field_versions"] or row["deleted"]:
        return
    if conn.execute(select(o.c.seq).where(o.c.entity == e.name, o.c.row_id == row_id).limit(1)).first():
        return
    conn.execute(update(t).where(t.c.id == row_id).values(deleted=True))
    search.index_row(conn, e, dict(row) | {"deleted": True})
    tx.touch(e.name, row_id)
    for child in ENTITIES:
        if child.parent and child.field(child.parent).ref == e.name and child.field(child.parent).required:
            ct = TABLES[child.name]
            for cid in conn.execute(select(ct.c.id).where(ct.c[child.parent] == row_id)).scalars().all():
                conn.execute(delete(o).where(o.c.entity == child.name, o.c.row_id == cid, o.c.state != PENDING))
                _drop_if_local_only(tx, child, cid)


def set_aside_many(store, op_ids: Iterable[str], state: str, reason: str) -> None:
    """Set these ops aside with one reason, in their own transaction (the sync engine,
    for an op the service fails on or refuses by name)."""
    with store.transaction() as tx:
        for op_id in op_ids:
            set_aside(tx.conn, op_id, state, reason)


def reissue(store, op_ids: Iterable[str], at_least: int) -> int:
    """Give these ops new ids past `at_least` and send them again (this data folder was
    restored from a backup and reused ids the service holds: sync_client.restart)."""
    o = TABLES["outbox"]
    n = 0
    with store.transaction() as tx:
        store.skip_op_counter(tx.conn, at_least)
        for old in op_ids:
            tx.conn.execute(update(o).where(o.c.op_id == old).values(
                op_id=store.next_op_id(tx.conn), state=PENDING, error=None, sent_at=None))
            n += 1
    return n


def queue_own_fields_again(store, cursor_key: str) -> int:
    """Forget the sync cursor and queue again every field this device was the last to
    write (its clock stamp names this device), based on version 0; fields with a pending
    edit are left to that edit. Returns the number of operations queued (sync_client.restart)."""
    o = TABLES["outbox"]
    queued = 0
    device = store.device_id
    with store.transaction() as tx:
        conn = tx.conn
        pending: dict[tuple[str, str], set[str]] = {}
        for entity, row_id, fields in conn.execute(select(o.c.entity, o.c.row_id, o.c.fields).where(o.c.state == PENDING)):
            pending.setdefault((entity, row_id), set()).update(fields or {})
        for e in ENTITIES:
            t = TABLES[e.name]
            names = [f.name for f in e.fields]
            for row in conn.execute(select(t).where(~t.c.deleted)).mappings():
                mine: dict[str, object] = {}
                latest: Stamp | None = None
                for name, stamp in rowmeta.expand(e, row["field_clocks"]).items():
                    if name not in names or name in pending.get((e.name, row["id"]), set()):
                        continue
                    try:
                        parsed = Stamp.parse(stamp)
                    except ValueError:
                        continue
                    if parsed.node == device and row[name] is not None:
                        mine[name] = row[name]
                        latest = parsed if latest is None or (parsed.millis, parsed.counter) > (latest.millis, latest.counter) else latest
                if mine and latest is not None:
                    store.queue_resend(conn, e.name, row["id"], mine, str(latest))
                    queued += 1
        store.set_meta(cursor_key, None, conn)
    return queued
