"""apply_reply on crafted replies: the rules the end-to-end tests cannot isolate."""
from fieldapp.sync_client.apply import apply_reply, take_batch


def _practice(store, **kw):
    return store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"} | kw)


def test_a_lost_delete_is_undone_from_the_result_alone(store):
    pid = _practice(store)
    apply_reply(store, take_batch(store, 10), {"results": [], "changes": [], "conflicts": [], "cursor": "1", "more": False})
    store.delete("practice", pid)
    ops = take_batch(store, 10)
    delete_op = next(op for op in ops if op["kind"] == "delete")
    reply = {"results": [{"op_id": delete_op["op_id"], "status": "conflict", "field": "_deleted",
                          "versions": {"_deleted": 7, "_row": 7}, "values": {"_deleted": False}}],
             "changes": [], "conflicts": [], "cursor": "7", "more": False}  # the row itself is on a later page
    apply_reply(store, ops, reply)
    assert store.get("practice", pid)["deleted"] is False
    assert store.search("zai")[0].row_id == pid


def test_results_rebase_later_edits_of_the_same_field(store):
    pid = _practice(store)
    first = take_batch(store, 10)  # on the wire
    store.update("practice", pid, {"title": "Zaï amélioré"})  # typed meanwhile: a new op on top of the first
    reply = {"results": [{"op_id": first[0]["op_id"], "status": "applied", "versions": {"title": 5, "family": 5}}],
             "changes": [], "conflicts": [], "cursor": "5", "more": False}
    apply_reply(store, first, reply)
    [later] = store.outbox()
    assert later["fields"] == {"title": "Zaï amélioré"} and later["base"]["title"] == 5
    assert store.get("practice", pid)["field_versions"]["title"] == 5


def test_a_remote_change_never_overwrites_a_pending_local_edit(store):
    pid = _practice(store)
    ops = take_batch(store, 10)
    apply_reply(store, ops, {"results": [{"op_id": ops[0]["op_id"], "status": "applied", "versions": {"title": 3}}],
                             "changes": [], "conflicts": [], "cursor": "3", "more": False})
    store.update("practice", pid, {"title": "Mine, not yet sent"})
    change = {"op": "upsert", "entity": "practice", "id": pid, "pos": 4, "fields": {"title": "Theirs", "location": "Kaya"},
              "versions": {"title": 4, "location": 4}, "clocks": {}, "authors": {"title": "bruno"}, "deleted": False}
    apply_reply(store, [], {"results": [], "changes": [change], "conflicts": [], "cursor": "4", "more": False})
    row = store.get("practice", pid)
    assert row["title"] == "Mine, not yet sent" and row["location"] == "Kaya"
    assert store.meta("sync_cursor") == "4"


def test_compact_changes_expand_to_the_verbose_form():
    from sync.wire import compact_change, expand_change

    verbose = {"op": "upsert", "entity": "practice", "id": "x", "pos": 9,
               "fields": {"title": "Zaï", "country": "BF", "soc_impact": 2},
               "versions": {"title": 9, "country": 9, "soc_impact": 9, "_row": 9, "_deleted": 3},
               "clocks": {"title": "c1", "country": "c1", "soc_impact": "c1"},
               "authors": {"title": "amina", "country": "amina", "soc_impact": "bruno"}}
    compact = compact_change(verbose)
    assert compact["versions"] == {"*": 9, "_row": 9, "_deleted": 3} and compact["clocks"] == {"*": "c1"}
    assert compact["authors"] == verbose["authors"]  # not shared: left as it was
    assert expand_change(compact) == verbose
    single = {**verbose, "fields": {"title": "Zaï"}, "versions": {"title": 4}, "clocks": {"title": "c"}, "authors": {}}
    assert compact_change(single) == single


def test_a_page_of_new_rows_is_written_in_bulk_and_stays_consistent(store):
    def change(rid, title, pos):
        return {"op": "upsert", "entity": "practice", "id": rid, "pos": pos,
                "fields": {"title": title, "family": "agroforestry", "country": "SN", "region": "AFR"},
                "versions": {"*": pos, "_row": pos}, "clocks": {"*": f"{pos:013d}:00000:srv"}, "authors": {"*": "bruno"},
                "deleted": False}
    ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(1, 301)]
    page = [change(rid, f"Haie {i}", i) for i, rid in enumerate(ids, 1)]
    page.append(change(ids[0], "Haie vive (corrigée)", 400))  # the same new row again, later in the page
    apply_reply(store, [], {"results": [], "changes": page, "conflicts": [], "cursor": "400", "more": False})
    assert store.count("practice") == 300 and store.get("practice", ids[0])["title"] == "Haie vive (corrigée)"
    assert store.get("practice", ids[0])["field_versions"]["title"] == 400
    assert store.get("practice", ids[5])["author"] == "bruno" and store.pending_count() == 0
    assert store.check() == [] and store.search("corrigee")[0].row_id == ids[0]


def test_a_row_synced_whole_stores_its_shared_metadata_once_and_reads_it_per_field(store):
    from sqlalchemy import text

    rid = "00000000-0000-4000-8000-000000000777"
    change = {"op": "upsert", "entity": "practice", "id": rid, "pos": 12,
              "fields": {"title": "Haie", "family": "agroforestry", "country": "SN", "region": "AFR"},
              "versions": {"*": 12, "_row": 12}, "clocks": {"*": "0000000000012:00000:srv"}, "authors": {"*": "bruno"},
              "deleted": False}
    apply_reply(store, [], {"results": [], "changes": [change], "conflicts": [], "cursor": "12", "more": False})
    with store.engine.connect() as conn:
        raw = conn.execute(text("SELECT field_versions FROM practice WHERE id = :i"), {"i": rid}).scalar()
    assert '"*": 12' in raw and '"title"' not in raw  # one entry, not one per field
    versions = store.get("practice", rid)["field_versions"]
    assert versions["title"] == versions["country"] == versions["_row"] == 12
    assert "summary" not in versions  # not in the change: "*" never covered it
    # an edit bases each field on the version it really had: 12, or 0 for the field the server never wrote
    store.update("practice", rid, {"title": "Haie vive", "summary": "Brise-vent"})
    [op] = take_batch(store, 10)
    assert op["base"] == {"title": 12, "summary": 0}
    assert store.get("practice", rid)["field_clocks"]["family"] == "0000000000012:00000:srv"


def test_compact_row_metadata_expands_back_exactly():
    from fieldapp.core import rowmeta
    from fieldapp.core.schema import BY_NAME

    e = BY_NAME["practice"]
    shared = {"title": 3, "country": 3, "family": 3, "_row": 3}
    stored = rowmeta.compact(e, shared)
    assert stored["*"] == 3 and rowmeta.expand(e, stored) == shared
    mixed = {"title": 3, "country": 4}
    assert rowmeta.compact(e, mixed) == mixed and rowmeta.expand(e, mixed) == mixed
    assert rowmeta.expand(e, stored | {"summary": 9, "title": 5}) == shared | {"summary": 9, "title": 5}  # own keys win


def test_a_columnar_page_stores_rows_as_sent_and_they_read_as_written_out(store):
    """A columnar page's rows carry their null fields too; "*" covers only those with a
    value, whether the row is new (stored as sent) or met again (the per-field path)."""
    from sync.wire import expand_change, to_blocks

    def change(rid, title, pos, summary=None):
        return {"op": "upsert", "entity": "practice", "id": rid, "pos": pos,
                "fields": {"title": title, "family": "agroforestry", "country": "SN", "region": "AFR", "summary": summary},
                "versions": {"*": pos, "_row": pos}, "clocks": {"*": f"{pos:013d}:00000:srv"},
                "authors": {"*": "bruno"}, "deleted": False}
    ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(1, 4)]
    page = [change(rid, f"Haie {i}", i) for i, rid in enumerate(ids, 1)] + [change(ids[0], "Haie vive", 9, "Brise-vent")]
    apply_reply(store, [], {"results": [], "blocks": to_blocks(page), "conflicts": [], "cursor": "9", "more": False})
    for sent in page[1:]:
        expected = expand_change(sent, skip_nulls=True)
        row = store.get("practice", sent["id"])
        assert row["field_versions"] == expected["versions"] and row["field_clocks"] == expected["clocks"]
        assert row["title"] == sent["fields"]["title"] and row["author"] == "bruno"
    assert "summary" not in store.get("practice", ids[1])["field_versions"]  # null: no version to base an edit on
    store.update("practice", ids[1], {"summary": "Paillage"})
    [op] = take_batch(store, 10)
    assert op["base"] == {"summary": 0}
