"""Bring a database's tables up to a SQLAlchemy MetaData built from the one schema.

Migrations call this instead of repeating field lists: adding a field to the schema is
an additive change (new nullable column, new index) that this applies. Renames, drops
and data moves are written as explicit steps in the revision that needs them.
Used by the client's and the server's Alembic revisions alike.
"""
from __future__ import annotations

from sqlalchemy import Connection, MetaData, inspect
from sqlalchemy.schema import CreateColumn


def reconcile(conn: Connection, metadata: MetaData) -> list[str]:
    """Create missing tables, columns and indexes; return what was done, for the log."""
    done: list[str] = []
    insp = inspect(conn)
    existing = set(insp.get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in existing:
            table.create(conn)
            done.append(f"create table {table.name}")
            continue
        have_cols = {c["name"] for c in insp.get_columns(table.name)}
        for col in table.columns:
            if col.name in have_cols:
                continue
            ddl = CreateColumn(col).compile(dialect=conn.dialect)
            conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN {ddl}')
            done.append(f"add column {table.name}.{col.name}")
        have_idx = {i["name"] for i in insp.get_indexes(table.name)}
        for idx in table.indexes:
            if idx.name not in have_idx:
                idx.create(conn)
                done.append(f"create index {idx.name}")
    return done


def replace_order_indexes(conn: Connection, metadata: MetaData) -> None:
    """Drop the single-column indexes of default list orders that the covering
    (field, id, deleted) ones replace, then reconcile (client revision 0004, server s0002)."""
    from fieldapp.core.schema import ENTITIES
    from fieldapp.core.tables import order_fields

    for e in ENTITIES:
        for name in order_fields(e):
            conn.exec_driver_sql(f'DROP INDEX IF EXISTS "ix_{e.name}_{name}"')
    reconcile(conn, metadata)
