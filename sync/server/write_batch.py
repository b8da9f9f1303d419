"""One write transaction's connection, sending the inserts of new rows in bulk.

A push of ten new records cost three round trips per op (look the row up, insert it,
insert its feed entry), most of a push's time on PostgreSQL. Here the row lookups of a
batch are one query (`absent`: ids no row holds when the batch starts, so their ops skip
the lookup) and the inserts of new rows and their feed entries are held back and sent as
one executemany per table, just before the next other statement of the transaction.

Why that is the same as sending each insert at once: every statement other than a held
insert sends the held ones first, so no read of the transaction ever misses one, and
the commit comes after them too. Held inserts of different tables may reach the
database in another order than they were made; the service declares no foreign keys
(tables.py), and a new row's references are read (hence sent) before it is inserted.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, Table, insert, select


class WriteBatch:
    """Wraps a writing transaction's Connection; `execute` and `begin_nested` send the
    held inserts first, anything else goes to the Connection as it is. With `hold`
    false (a batch run op by op in savepoints, where a bad row must fail alone) an
    insert is sent at once."""

    def __init__(self, conn: Connection, *, hold: bool = True):
        self.conn = conn
        self.hold = hold
        self._held: dict[Table, list[Mapping[str, Any]]] = {}

    def insert(self, table: Table, values: Mapping[str, Any]) -> None:
        if not self.hold:
            self.conn.execute(insert(table), dict(values))
            return
        self._held.setdefault(table, []).append(values)

    def flush(self) -> None:
        held, self._held = self._held, {}
        for table, rows in held.items():
            self.conn.execute(insert(table), list(rows))

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.flush()
        return self.conn.execute(*args, **kwargs)

    def begin_nested(self) -> Any:
        self.flush()
        return self.conn.begin_nested()

    def __getattr__(self, name: str) -> Any:  # dialect, info...: the Connection's own
        return getattr(self.conn, name)


Conn = Connection | WriteBatch  # what the storage's checks read through


def absent(conn: Conn, table: Table, ids: Iterable[str]) -> set[str]:
    """The ids among `ids` that no row of `table` holds, in one query per 500 ids. A
    batch writing concurrently may insert one of them first (PostgreSQL: writers lock the
    feed counter only to number their entries): this batch's insert then fails on the
    primary key once the other commits, and storage.apply_ops runs it again, merging."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        found |= set(conn.execute(select(table.c.id).where(table.c.id.in_(wanted[i:i + 500]))).scalars())
    return set(wanted) - found
