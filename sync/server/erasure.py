"""Erase a person, by an administrator: on the service, then on every replica.

The contact's personal fields are emptied and the contact tombstoned, and the rows that
point at it anonymised (fieldapp/core/personal_fields.py), through the storage's own
write path as the administrator's edits: feed positions, scopes and versions stay true,
and every client holding the rows receives the scrubbed values as ordinary changes.
Then what the feed does not replace is scrubbed here: the op log's answers that carried
the old values (their digest set to ERASED, so the old op re-sent is refused rather than
applied again), the conflicts about the rows (deleted: both sides held values), and the
freed bytes (SQLite VACUUM and a WAL checkpoint; PostgreSQL VACUUM FULL of the tables
touched). Later ops on an erased row are refused (`erased`).

The erasure itself is recorded: who and when, and the row ids (so each client scrubs its
own outbox, conflicts and index: `notices`), never the values.
"""
from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Connection, Engine, Text, cast, delete, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from fieldapp.core.fieldspec import EMAIL, LONGTEXT, TEXT
from fieldapp.core.personal_fields import ANONYMOUS, PERSONAL, scrubbed
from fieldapp.core.schema import BY_NAME
from sync.protocol import Op
from sync.server.db import reading, write_conn
from sync.server.principal import Principal
from sync.server.storage import Storage, utcnow
from sync.server.tables import TABLES

erasures, erased_rows = TABLES["erasures"], TABLES["erased_rows"]

ERASED = "erased"  # the digest of a scrubbed op-log entry (no content matches it again), and the refusal code
DEVICE = "erasure"  # the device the erasure's own edits come from

class ErasureError(ValueError):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _targets(conn: Any, contact_id: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for name, (link, _names) in PERSONAL.items():
        t = TABLES[name]
        cond = t.c.id == contact_id if link is None else t.c[link] == contact_id
        out[name] = [dict(r) for r in conn.execute(select(t).where(cond)).mappings()]
    return out


def _old_values(targets: dict[str, list[dict]], extra: list[Any]) -> set[str]:
    """The personal free-text values about to go (and the conflicts' text sides), as they
    would appear in stored JSON."""
    found: list[Any] = list(extra)
    for name, rows in targets.items():
        free_text = [f for f in PERSONAL[name][1] if BY_NAME[name].field(f).kind in (TEXT, LONGTEXT, EMAIL)]
        found += [row.get(f) for row in rows for f in free_text]  # not codes: "female" is in many ops
    out: set[str] = set()
    for value in found:
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and len(v) >= 6 and v != ANONYMOUS:  # a short code would match too much
                out |= {v, json.dumps(v)[1:-1]}
    return out


def _hlc(counter: int) -> str:
    return f"{int(time.time() * 1000):013d}:{counter:04d}:{DEVICE}"


def erase_contact(storage: Storage, engine: Engine, admin: Principal, contact_id: str) -> dict[str, Any]:
    """Erase one contact everywhere on the service; returns the erasure record (no values)."""
    if not admin.is_admin:
        raise ErasureError(403, "forbidden", "only an administrator may erase a person's data")
    with engine.connect() as conn:
        done = conn.execute(select(erasures.c.seq, erasures.c.rows).join(
            erased_rows, erased_rows.c.seq == erasures.c.seq).where(
            erased_rows.c.entity == "contact", erased_rows.c.row_id == contact_id)).first()
        targets = _targets(conn, contact_id)
    if done is not None:  # asked again (a retry after a lost reply): the same erasure, its clean-up once more
        forget_freed_bytes(engine, [*PERSONAL, "ops", "conflicts"])
        return {"seq": done.seq, "rows": len(done.rows)}
    if not targets["contact"]:
        raise ErasureError(404, "not_found", "there is no contact with this id")
    conflicts = TABLES["conflicts"]
    target_ids = [r["id"] for rs in targets.values() for r in rs]
    with write_conn(engine) as conn, conn.begin():  # first: an open conflict would keep both values
        sides = [s.get("value") for (c,) in conn.execute(select(conflicts.c.sides).where(conflicts.c.row_id.in_(target_ids)))
                 for s in c or []]
        conn.execute(delete(conflicts).where(conflicts.c.row_id.in_(target_ids)))
    old = _old_values(targets, sides)
    stamp = int(time.time() * 1000)
    ops, counter = [], 0
    for name, rows in targets.items():
        for row in rows:
            counter += 1
            values = scrubbed(name)
            base = {f: int((row["field_versions"] or {}).get(f, 0)) for f in values}
            ops.append(Op(op_id=f"{DEVICE}:{stamp}-{counter}", entity=name, row_id=row["id"], kind="upsert",
                          fields=values, base=base, hlc=_hlc(counter)))
    _apply_all(storage, admin, ops)
    contact = storage.row("contact", contact_id)
    if contact and not contact["deleted"]:
        counter += 1
        _apply_all(storage, admin, [Op(op_id=f"{DEVICE}:{stamp}-{counter}", entity="contact", row_id=contact_id,
                                       kind="delete", base={"_row": int(contact["row_version"])}, hlc=_hlc(counter))])
    rows = [{"entity": name, "id": r["id"], "scope": (storage.row(name, r["id"]) or r)["scope_region"]}
            for name, rs in targets.items() for r in rs]
    ids = [r["id"] for r in rows]
    ops_t = TABLES["ops"]
    with write_conn(engine) as conn, conn.begin():
        seq = conn.execute(insert(erasures).values(erased_at=utcnow(), erased_by=admin.name, rows=rows)
                           .returning(erasures.c.seq)).scalar_one()
        conn.execute(insert(erased_rows), [{"entity": r["entity"], "row_id": r["id"], "seq": seq} for r in rows])
        conn.execute(delete(conflicts).where(conflicts.c.row_id.in_(ids)))  # any opened by the scrub itself
        by_row: ColumnElement[bool] = ops_t.c.row_id.in_(ids)
        if old:  # entries logged before s0006 name no row: found by the values they answered
            text_of = cast(ops_t.c.result, Text)
            by_row = or_(by_row, ops_t.c.row_id.is_(None) & or_(*(text_of.contains(v, autoescape=True) for v in old)))
        conn.execute(update(ops_t).where(by_row, ops_t.c.device != DEVICE)
                     .values(digest=ERASED, result={"status": ERASED}))
    forget_freed_bytes(engine, [*PERSONAL, "ops", "conflicts"])
    return {"seq": seq, "rows": len(rows)}


def _apply_all(storage: Storage, admin: Principal, ops: list[Op]) -> None:
    for result in storage.apply_ops(admin, ops):
        if result["status"] not in ("applied", "duplicate"):
            raise ErasureError(409, "erasure_refused", f"the erasure could not write a row: {result.get('reason')}")


def forget_freed_bytes(engine: Engine, tables: list[str]) -> None:
    """No freed page keeps the old values: SQLite is vacuumed and its WAL truncated;
    PostgreSQL's touched tables are rewritten (VACUUM FULL)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside any transaction (the engine's "begin" hook would open one)
        try:
            for stmt in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"):
                raw.driver_connection.execute(stmt)  # type: ignore[union-attr]  # an open pooled connection
        finally:
            raw.close()
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in tables:
            conn.exec_driver_sql(f'VACUUM FULL "{name}"')


def latest_seq(source: Engine | Connection) -> int:
    """The number of the service's latest erasure (0: none), sent with every sync reply so
    that a client asks for the erasures only when one is new to it."""
    with reading(source) as conn:
        return int(conn.execute(select(func.max(erasures.c.seq))).scalar() or 0)


def notices(engine: Engine, user: Principal, after: int, limit: int = 500) -> list[dict[str, Any]]:
    """Erasures after `after` for a client to apply: when, and the ids of the rows the
    user may read (never values, never who)."""
    with engine.connect() as conn:
        found = conn.execute(select(erasures.c.seq, erasures.c.erased_at, erasures.c.rows)
                             .where(erasures.c.seq > after).order_by(erasures.c.seq).limit(limit)).all()
    out = []
    for seq, at, rows in found:
        mine = [{"entity": r["entity"], "id": r["id"]} for r in rows if user.reads(r["scope"])]
        out.append({"seq": seq, "erased_at": at, "rows": mine})
    return out


def history(engine: Engine) -> list[dict[str, Any]]:
    """Who erased and when, for administrators (the rows counted, never named)."""
    with engine.connect() as conn:
        return [{"seq": s, "erased_at": at, "erased_by": by, "rows": len(rows)} for s, at, by, rows in
                conn.execute(select(erasures.c.seq, erasures.c.erased_at, erasures.c.erased_by, erasures.c.rows)
                             .order_by(erasures.c.seq))]

