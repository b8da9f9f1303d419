"""An initial sync's rows as the bulk path writes them (columnar blocks a column at a
time, the null fields' lists registered once, the shipped reference entries replaced in
one statement): they read back exactly as the per-row path writes them, the search finds
them, a reopened store still reads their metadata, and a first sync cut between pages
resumes where it stopped."""
from __future__ import annotations

import copy

from sqlalchemy import text

from fieldapp.core import rowmeta
from fieldapp.core.reference import shipped_rows
from fieldapp.core.schema import BY_NAME
from fieldapp.core.store import Store
from fieldapp.sync_client.apply import apply_reply
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import TransportError
from sync.wire import expand_change, to_blocks

FAMILIES = ("agroforestry", "cover_crops", "land_restoration")


def _change(i: int, **fields) -> dict:
    pos = 1000 + i
    values = {"title": f"Haie vive {i}", "family": FAMILIES[i % 3], "country": "SN", "region": "AFR",
              "summary": f"Brise-vent numéro {i}" if i % 2 else None, "description": "Agroécologie" if i % 5 == 0 else None,
              "title_fr": None, "title_es": f"Seto {i}" if i % 7 == 0 else None} | fields
    return {"op": "upsert", "entity": "practice", "id": f"00000000-0000-4000-8000-{i:012d}", "pos": pos,
            "fields": values, "versions": {"*": pos, "_row": pos, "_deleted": pos},
            "clocks": {"*": f"{pos:013d}:00000:srv"}, "authors": {"*": "bruno"}, "deleted": False,
            "created_at": "2026-01-02T03:04:05.000Z", "updated_at": "2026-01-02T03:04:05.000Z"}


def _page(changes: list[dict], cursor: str, more: bool = False) -> dict:
    return {"results": [], "blocks": to_blocks(copy.deepcopy(changes)), "conflicts": [], "cursor": cursor, "more": more}


def _rows(store: Store, entity: str = "practice") -> list[dict]:
    return [store.get(entity, i) for i in store.ids(entity, include_deleted=True)]


def test_bulk_written_rows_read_as_the_per_row_path_writes_them_and_are_found(make_store):
    changes = [_change(i) for i in range(1, 301)]
    bulk = make_store("bulk")
    apply_reply(bulk, [], _page(changes, "1300"))
    one_by_one = make_store("rows")  # the general path: changes written out, one row at a time
    apply_reply(one_by_one, [], {"results": [], "changes": [expand_change(c, skip_nulls=True) for c in changes],
                                 "conflicts": [], "cursor": "1300", "more": False})
    assert _rows(bulk) == _rows(one_by_one) and len(_rows(bulk)) == 300
    row = bulk.get("practice", changes[1]["id"])
    assert row["field_versions"]["title"] == 1002 and "title_fr" not in row["field_versions"]  # null: no version
    assert bulk.check() == [] and bulk.pending_count() == 0
    assert {h.row_id for h in bulk.search("agroecologie", limit=100)} == {c["id"] for c in changes if int(c["id"][-4:]) % 5 == 0}
    assert bulk.search("seto 7")[0].row_id == changes[6]["id"]  # a translation, found too


def test_the_null_fields_list_is_stored_once_and_read_back_by_a_reopened_store(tmp_path):
    changes = [_change(i) for i in range(1, 51)]
    with Store(tmp_path / "data", author="tester") as store:
        apply_reply(store, [], _page(changes, "1050"))
        before = _rows(store)
        with store.engine.connect() as conn:
            raw = conn.execute(text("SELECT field_versions, field_clocks FROM practice WHERE id = :i"),
                               {"i": changes[0]["id"]}).one()
            lists = dict(conn.execute(text("SELECT key, value FROM meta WHERE key LIKE 'rowmeta_set:%'")).all())
    # the ~50 null fields of a practice are named by a key, not spelled out in every row
    assert all(len(value) < 120 for value in raw), raw
    assert lists and all(key[len(rowmeta.SET_PREFIX):] == rowmeta.set_key(__import__("json").loads(v)) for key, v in lists.items())
    rowmeta._SETS.clear()  # as a new process: only what the database holds
    with Store(tmp_path / "data", author="tester") as store:
        assert _rows(store) == before
        store.update("practice", changes[0]["id"], {"title_fr": "Haie"})  # a null field: based on version 0
        [op] = store.take_batch(10)
        assert op["base"] == {"title_fr": 0}


def test_shipped_reference_entries_met_in_a_page_take_the_service_values_and_metadata(store):
    entries = [r for r in shipped_rows()][:20]
    e = BY_NAME["reference"]
    changes = []
    for n, r in enumerate(entries):
        pos = 10 + n
        fields = {f.name: r.get(f.name) for f in e.fields} | {"label": f"{r['label']} (service)"}
        changes.append({"op": "upsert", "entity": "reference", "id": r["id"], "pos": pos, "fields": fields,
                        "versions": {"*": pos, "_row": pos, "_deleted": pos}, "clocks": {"*": f"{pos:013d}:00000:srv"},
                        "authors": {"*": "system"}, "deleted": False, "updated_at": "2026-01-02T03:04:05.000Z"})
    apply_reply(store, [], _page(changes, "30"))
    for change in changes:
        row = store.get("reference", change["id"])
        expected = expand_change(change, skip_nulls=True)
        assert row["label"] == change["fields"]["label"] and row["author"] == "system"
        assert row["field_versions"] == expected["versions"] and row["field_clocks"] == expected["clocks"]
    # met again (now synced): the general path merges into what is stored
    again = dict(changes[0], pos=99, versions={"*": 99, "_row": 99, "_deleted": 99},
                 fields=changes[0]["fields"] | {"label": "Relabelled"})
    apply_reply(store, [], _page([again], "99"))
    assert store.get("reference", again["id"])["label"] == "Relabelled"
    assert store.get("reference", again["id"])["field_versions"]["label"] == 99
    assert store.catalog is not None and store.check() == []


class _CutAfter:
    """A transport that delivers `pages` replies of the real one, then loses the link."""

    def __init__(self, transport, pages: int):
        self.inner, self.left = transport, pages
        self.traffic, self.on_server_time = transport.traffic, transport.on_server_time

    def _spend(self) -> None:
        if self.left <= 0:
            raise TransportError("connection lost")
        self.left -= 1

    def sync(self, request: dict) -> dict:
        self._spend()
        return self.inner.sync(request)

    def call(self, method: str, path: str, **kw):
        self._spend()
        return self.inner.call(method, path, **kw)

    def health(self) -> dict:
        return self.inner.health()


def test_a_first_sync_cut_between_pages_resumes_where_it_stopped(client):
    writer, writer_engine = client("amina", "writer")
    ids = [writer.insert("practice", {"title": f"Cordon pierreux {i}", "family": "land_restoration", "country": "BF",
                                      "summary": "Demi-lunes" if i % 2 else None}) for i in range(120)]
    assert writer_engine.sync().ok
    store, engine = client("amina", "reader")
    # the feed starts with the 381 shipped reference entries, then these practices
    cut = SyncEngine(store, _CutAfter(engine.transport, 2), page_limit=200)
    result = cut.sync()
    assert not result.ok and result.error_kind == "network"
    partial = store.count("practice")
    assert 0 < partial < len(ids) and store.check() == []  # whole pages, each with its cursor
    resumed = SyncEngine(store, engine.transport, page_limit=200).sync()
    assert resumed.ok and store.count("practice") == len(ids) and store.check() == []
    whole, whole_engine = client("amina", "whole")  # the same first sync, never cut
    first = whole_engine.sync()
    assert first.ok and result.received + resumed.received == first.received  # resumed from its cursor
    assert {h.row_id for h in store.search("cordon pierreux", limit=200)} == set(ids)
    assert _rows(store) == _rows(whole)


def test_a_row_met_twice_in_a_page_far_apart_is_written_then_updated(store):
    from fieldapp.core.pages import FLUSH_EACH

    changes = [_change(i) for i in range(1, FLUSH_EACH + 11)]
    later = dict(_change(3), pos=9999, versions={"*": 9999, "_row": 9999, "_deleted": 9999})
    later["fields"] = later["fields"] | {"title": "Haie vive (corrigée)"}
    apply_reply(store, [], _page(changes + [later], "9999"))  # written in an earlier flush of the same page
    row = store.get("practice", later["id"])
    assert row["title"] == "Haie vive (corrigée)" and row["field_versions"]["title"] == 9999
    assert store.count("practice") == len(changes) and store.check() == []
