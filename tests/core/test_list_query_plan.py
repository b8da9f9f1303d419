"""The ordered id list of a long list is read from the order's covering index alone:
`deleted = 0` led SQLite to an index on `deleted` (every row matches), a read of every
row and a sort in a temp B-tree: the first screen of 20 000 practices took 194 ms
(669 ms encrypted) instead of 15."""
from __future__ import annotations

from sqlalchemy.dialects import sqlite

from fieldapp.core.store import Store


def _plan(store: Store, monkeypatch, **kw) -> str:
    seen: list[str] = []
    real_connect = store.engine.connect

    class Spy:
        def __init__(self):
            self.conn = real_connect()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.conn.close()

        def execute(self, stmt, *a):
            sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
            seen.append(" ".join(r[-1] for r in self.conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)))
            return self.conn.execute(stmt, *a)

    monkeypatch.setattr(store.engine, "connect", Spy)
    store.ids("practice", **kw)
    monkeypatch.undo()
    return seen[-1]


def test_the_default_list_reads_the_covering_order_index_without_sorting(store, monkeypatch):
    store.insert("practice", {"title": "Paillage", "family": "agroecology", "country": "SN"})
    plan = _plan(store, monkeypatch)
    assert "COVERING INDEX ix_practice_title_order" in plan and "TEMP B-TREE" not in plan, plan


def test_deleted_rows_stay_out_of_the_list(store):
    kept = store.insert("practice", {"title": "Agroforesterie", "family": "agroecology", "country": "SN"})
    gone = store.insert("practice", {"title": "Brûlis évité", "family": "agroecology", "country": "SN"})
    store.delete("practice", gone)
    assert store.ids("practice") == [kept]
    assert set(store.ids("practice", include_deleted=True)) == {kept, gone}
