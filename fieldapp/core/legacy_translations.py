"""Moving the old single `translations` JSON field of practices ({lang: {field: text}})
into the per-language fields that replaced it (`title_es`, `summary_ar`...).

Run once by the client's revision 0005 and the server's s0004, each on its own
database, so both replicas hold the same values afterwards without a sync: the moved
fields take the version, clock (and, on the server, author and device) the old field
had. A value already in a new field wins over the old document. The old column is
left as it was (nothing is dropped: a language outside the six stays readable there);
nothing reads it any more. On the client, unsent edits of the old field are rewritten
as edits of the new fields, so what was typed offline still reaches the server.
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from sqlalchemy import Connection, Table, delete, inspect, select, text, update

from fieldapp.core.schema import PRACTICE
from fieldapp.core.translations import legacy_values

OLD_FIELD = "translations"


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def has_old_column(conn: Connection) -> bool:
    return OLD_FIELD in {c["name"] for c in inspect(conn).get_columns(PRACTICE.name)}


def move_rows(conn: Connection, table: Table, meta_maps: Sequence[str]) -> int:
    """Copy old documents into the new fields of `table` (the client's or the server's
    practice table) where those are empty; `meta_maps` names the per-field JSON maps to
    extend ("field_versions", "field_clocks", ...). Returns how many rows changed."""
    if not has_old_column(conn):
        return 0
    olds = conn.execute(text(f"SELECT id, {OLD_FIELD} FROM {PRACTICE.name} WHERE {OLD_FIELD} IS NOT NULL")).all()
    changed = 0
    for row_id, doc in olds:
        row = conn.execute(select(table).where(table.c.id == row_id)).mappings().one()
        values = {k: v for k, v in legacy_values(PRACTICE, row["language"], _json(doc)).items() if row[k] is None}
        if not values:
            continue
        sets: dict[str, Any] = dict(values)
        for name in meta_maps:
            meta = dict(_json(row[name]) or {})
            if OLD_FIELD in meta:
                sets[name] = meta | {k: meta[OLD_FIELD] for k in values}
        conn.execute(update(table).where(table.c.id == row_id).values(**sets))
        changed += 1
    return changed


def move_outbox(conn: Connection, outbox: Table) -> int:
    """Rewrite the client's unsent edits of the old field as edits of the new fields
    (each based on the version the old field's edit was based on). An edit left with
    nothing to send leaves the outbox. Returns how many operations were rewritten."""
    ops = conn.execute(text("SELECT seq, row_id, fields, base FROM outbox WHERE entity = :e"),
                       {"e": PRACTICE.name}).mappings().all()
    done = 0
    for op in ops:
        fields, base = dict(_json(op["fields"]) or {}), dict(_json(op["base"]) or {})
        if OLD_FIELD not in fields:
            continue
        language = fields.get("language") or conn.execute(
            text(f"SELECT language FROM {PRACTICE.name} WHERE id = :i"), {"i": op["row_id"]}).scalar()
        moved = legacy_values(PRACTICE, language, fields.pop(OLD_FIELD))
        old_base = base.pop(OLD_FIELD, 0)
        fields |= {k: v for k, v in moved.items() if k not in fields}
        base |= {k: old_base for k in moved if k not in base}
        if fields:
            conn.execute(update(outbox).where(outbox.c.seq == op["seq"]).values(fields=fields, base=base))
        else:
            conn.execute(delete(outbox).where(outbox.c.seq == op["seq"]))
        done += 1
    return done
