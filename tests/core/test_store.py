"""The local store: round trips, outbox, tombstones, derived regions, checks."""
import threading

import pytest

from fieldapp.core.fieldspec import ValidationError
from fieldapp.core.schema import ENTITIES, entity
from fieldapp.core.store import Order, Store
from tests.core.samples import make, sample_values


@pytest.mark.parametrize("name", [e.name for e in ENTITIES])
def test_every_entity_round_trips(store, name):
    values = sample_values(store, name)
    row_id = store.insert(name, values)
    row = store.get(name, row_id)
    for field, value in values.items():
        assert row[field] == value, field  # an explicit region is kept, never re-derived
    assert row["author"] == "tester" and row["deleted"] is False
    assert set(row["field_clocks"]) >= {k for k, v in values.items() if v not in (None, [])}


def test_data_survives_reopening(tmp_path):
    with Store(tmp_path / "d") as s:
        rid = s.insert("organisation", {"name": "Coopérative Kilimo", "org_type": "producer_org", "country": "KE"})
    with Store(tmp_path / "d") as s:
        assert s.get("organisation", rid)["name"] == "Coopérative Kilimo"
        assert s.get("organisation", rid)["region"] == "AFR"


def test_insert_queues_one_field_level_operation(store):
    rid = store.insert("organisation", {"name": "INRAE", "org_type": "research", "country": "FR"})
    [op] = store.outbox()
    assert op["entity"] == "organisation" and op["row_id"] == rid and op["kind"] == "upsert"
    assert op["fields"]["name"] == "INRAE" and op["fields"]["region"] == "EUR"
    assert set(op["base"]) == set(op["fields"]) and set(op["base"].values()) == {0}
    assert op["op_id"].startswith(store.device_id + ":")


def test_updates_queue_only_changed_fields_and_fold_unsent_edits(store):
    rid = store.insert("practice", {"title": "Paillage", "family": "soil_cover", "country": "BF"})
    store.outbox()  # the insert
    with store.engine.begin() as conn:  # pretend the insert was pushed and acknowledged
        conn.exec_driver_sql("DELETE FROM outbox")
    store.update("practice", rid, {"title": "Paillage", "soc_impact": 2})
    store.update("practice", rid, {"yield_impact": 1})
    [op] = store.outbox()
    assert op["fields"] == {"soc_impact": 2, "yield_impact": 1}
    assert op["base"] == {"soc_impact": 0, "yield_impact": 0}


def test_sent_operations_are_never_modified(store):
    rid = store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE outbox SET sent_at = '2026-01-01T00:00:00Z'")
    store.update("practice", rid, {"title": "Zaï amélioré"})
    ops = store.outbox()
    assert len(ops) == 2 and ops[0]["fields"]["title"] == "Zaï" and ops[1]["fields"] == {"title": "Zaï amélioré"}


def test_no_op_update_writes_nothing(store):
    rid = store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
    before = store.get("practice", rid)
    store.update("practice", rid, {"title": "Zaï"})
    assert store.get("practice", rid)["updated_at"] == before["updated_at"] and len(store.outbox()) == 1


def test_bad_values_raise_and_change_nothing(store):
    rid = store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
    with pytest.raises(ValidationError) as info:
        store.update("practice", rid, {"soc_impact": 9, "country": "ZZ"})
    assert {e.field for e in info.value.errors} == {"soc_impact", "country"}
    with pytest.raises(ValidationError) as info:
        store.update("practice", rid, {"title": ""})
    assert info.value.errors[0].code == "required"
    assert store.get("practice", rid)["soc_impact"] is None and len(store.outbox()) == 1


def test_reference_to_a_missing_record_is_refused(store):
    with pytest.raises(ValidationError) as info:
        store.insert("contact", {"full_name": "Awa", "organisation_id": "99999999-9999-4999-8999-999999999999"})
    assert info.value.errors[0].field == "organisation_id" and info.value.errors[0].code == "missing_ref"
    assert store.stats()["contact"] == 0


def test_region_follows_country_and_parent(store):
    org = store.insert("organisation", {"name": "ICRISAT", "org_type": "research", "country": "IN"})
    contact = store.insert("contact", {"full_name": "Ravi", "organisation_id": org})
    assert store.get("contact", contact)["region"] == "ASI"
    store.update("organisation", org, {"country": "NE"})
    assert store.get("organisation", org)["region"] == "AFR"
    store.update("organisation", org, {"region": "EUR"})  # an explicit choice wins
    assert store.get("organisation", org)["region"] == "EUR"


def test_delete_leaves_tombstones_cascading_to_required_children_and_restore(store):
    meeting = make(store, "meeting")
    parts = [store.insert("meeting_participant", {"meeting_id": meeting, "name": f"P{i}"}) for i in range(3)]
    store.delete("meeting", meeting)
    assert store.get("meeting", meeting)["deleted"] is True
    assert all(store.get("meeting_participant", p)["deleted"] for p in parts)
    assert store.count("meeting") == 0 and store.count("meeting", include_deleted=True) == 1
    kinds = [op["kind"] for op in store.outbox()]
    assert kinds.count("delete") == 4
    store.restore("meeting", meeting)
    assert not store.get("meeting", meeting)["deleted"] and len(store.children("meeting_participant", meeting)) == 3


def test_ids_filter_and_sort_in_sql(store):
    for title, family, country in [("Bocage", "agroforestry", "FR"), ("Alley cropping", "agroforestry", "KE"),
                                   ("Compost", "organic_amendments", "FR")]:
        store.insert("practice", {"title": title, "family": family, "country": country, "objectives": ["B2"]})
    rows = store.records("practice", {"family": "agroforestry"})
    assert [r["title"] for r in rows] == ["Alley cropping", "Bocage"]
    rows = store.records("practice", {"country": ["FR"]}, order=Order("title", descending=True))
    assert [r["title"] for r in rows] == ["Compost", "Bocage"]
    assert store.count("practice", {"objectives__contains": "B2"}) == 3
    assert store.count("practice", text_query="compost") == 1
    with pytest.raises(KeyError):
        store.ids("practice", {"nope": 1})


def test_pending_ids_mark_unsynced_records(store):
    a = store.insert("practice", {"title": "A", "family": "agroforestry", "country": "FR"})
    assert store.pending_ids("practice") == {a} and store.pending_count() == 1


def test_writes_from_many_threads_are_serialized(store):
    errors = []

    def work(i):
        try:
            for j in range(10):
                store.insert("practice", {"title": f"T{i}-{j}", "family": "agroforestry", "country": "FR"})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and store.count("practice") == 40 and store.check() == []
    assert len({op["op_id"] for op in store.outbox()}) == 40


def test_submit_runs_on_one_writer_thread(store):
    names = [store.submit(lambda: threading.current_thread().name).result() for _ in range(3)]
    assert len(set(names)) == 1 and names[0].startswith("store-writer")
    fut = store.submit(store.insert, "practice", {"title": "Async", "family": "agroforestry", "country": "FR"})
    assert store.get("practice", fut.result())["title"] == "Async"


def test_bulk_insert_is_all_or_nothing(store):
    from fieldapp.core.store import BulkValidationError
    good = {"title": "Ok", "family": "agroforestry", "country": "FR"}
    with pytest.raises(BulkValidationError) as info:
        store.bulk_insert("practice", [good, {"title": "Bad", "family": "nope", "country": "FR"}])
    assert info.value.errors[0][0] == 1 and store.count("practice") == 0
    assert store.bulk_insert("practice", [good, good]) == 2 and store.pending_count() == 2


def test_check_reports_a_broken_search_index(store):
    rid = store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
    assert store.check() == []
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM search_doc")
    assert any("search index" in p for p in store.check())
    store.rebuild_search()
    assert store.check() == [] and store.search("zai")[0].row_id == rid


def test_clock_is_kept_across_restarts(tmp_path):
    with Store(tmp_path / "d") as s:
        s.insert("practice", {"title": "A", "family": "agroforestry", "country": "FR"})
        last = s.clock.last
    with Store(tmp_path / "d") as s:
        assert s.clock.now() > last


def test_op_ids_never_repeat_after_acknowledged_ops_leave(store):
    store.insert("practice", {"title": "A", "family": "agroforestry", "country": "FR"})
    first = store.outbox()[0]["op_id"]
    with store.engine.begin() as conn:  # the sync engine deletes acknowledged ops
        conn.exec_driver_sql("DELETE FROM outbox")
    store.insert("practice", {"title": "B", "family": "agroforestry", "country": "FR"})
    store.bulk_insert("practice", [{"title": "C", "family": "agroforestry", "country": "FR"}])
    ids = [op["op_id"] for op in store.outbox()]
    assert first not in ids and len(set(ids)) == 2


def test_shipped_reference_updates_reach_existing_databases_but_not_server_edits(tmp_path, monkeypatch):
    from fieldapp.core import reference

    with Store(tmp_path / "d") as s:
        rid = reference.reference_id("land_use", "CL")
        other = reference.reference_id("land_use", "GL")
        with s.engine.begin() as conn:  # as an older build left them; GL was since edited by the server
            conn.exec_driver_sql("UPDATE reference SET labels = '{\"en\": \"Cropland\"}' WHERE id = ?", (rid,))
            conn.exec_driver_sql("UPDATE reference SET label = 'Pasture', field_versions = '{\"label\": 9}' WHERE id = ?", (other,))
    with Store(tmp_path / "d") as s:
        assert s.catalog.label("land_use", "CL", "fr") == "Terres cultivées"
        assert s.get("reference", other)["label"] == "Pasture"
        assert s.pending_count() == 0
