"""Everything about one person, exported; and the local scrub an erasure runs: no copy
of the values left in the tables, outbox, conflicts, search index or the file's bytes."""
from __future__ import annotations

import json

from fieldapp.core import migrate, person_data
from fieldapp.core.personal_fields import ANONYMOUS

NAME, EMAIL = "Kwame Mensah-Owusu", "kwame.mo@example.org"


def _person(store):
    org = store.insert("organisation", {"name": "CSIR Ghana", "org_type": store.catalog.codes("org_type")[0],
                                        "country": "GH"})
    cid = store.insert("contact", {"full_name": NAME, "email": EMAIL, "phone": "+233 24 000 1111",
                                   "organisation_id": org, "country": "GH", "notes": "Sols ferrugineux q88"})
    mid = store.insert("meeting", {"title": "Atelier Tamale", "starts_on": "2026-05-04", "country": "GH"})
    part = store.insert("meeting_participant", {"meeting_id": mid, "contact_id": cid, "name": NAME,
                                                "gender": "male", "age_group": "adult"})
    store.insert("meeting_participant", {"meeting_id": mid, "name": "Ama Boateng", "gender": "female"})
    action = store.insert("action_item", {"meeting_id": mid, "text": "Partager les données", "owner_contact_id": cid,
                                          "owner_name": NAME})
    return cid, mid, part, action


def test_export_holds_the_contact_participations_actions_and_authorship(store):
    cid, mid, part, action = _person(store)
    store.author = NAME  # a contact who also writes in the app
    pid = store.insert("practice", {"title": "Compost Tamale", "family": "land_restoration", "country": "GH"})
    data = json.loads(person_data.export_person(store, cid).json())
    assert data["contact"]["full_name"] == NAME and data["contact"]["organisation"] == "CSIR Ghana"
    assert [(p["id"], p["meeting"]["title"]) for p in data["participations"]] == [(part, "Atelier Tamale")]
    assert [a["id"] for a in data["action_items"]] == [action]
    assert {"entity": "practice", "id": pid} in [{"entity": a["entity"], "id": a["id"]} for a in data["authored"]]
    html = person_data.export_html(person_data.export_person(store, cid), store.catalog)
    assert NAME in html and "Atelier Tamale" in html and "Partager les données" in html and EMAIL in html


def _files_holding(folder, needle: str) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_local_scrub_leaves_no_copy_in_tables_outbox_conflicts_index_or_bytes(store):
    cid, mid, part, _action = _person(store)
    store.update("contact", cid, {"email": "second.kwame@example.org"})
    assert store.search("Mensah") and _files_holding(store.data_dir, "Mensah")
    rows = person_data.erased_rows(store, cid)
    assert rows["meeting_participant"] == [part]
    assert person_data.scrub_local(store, rows) == 3
    contact = store.get("contact", cid)
    assert contact["deleted"] and contact["full_name"] == ANONYMOUS and contact["email"] is None
    assert store.get("meeting_participant", part)["name"] == ANONYMOUS
    assert len(store.children("meeting_participant", mid)) == 2  # attendance keeps its number
    assert [o for o in store.outbox() if o["row_id"] in (cid, part)] == []
    assert store.search("Mensah") == [] and store.search("Ama") == []  # index rebuilt (Ama is no contact)
    assert store.search("Atelier Tamale")  # the rest of the index is back
    for value in (NAME, "Mensah", EMAIL, "second.kwame", "Sols ferrugineux", "+233 24"):
        assert _files_holding(store.data_dir, value) == [], value
    copy = migrate.backup(store.db_path, "after-erasure")  # a backup made after it holds nothing either
    assert NAME.encode() not in copy.read_bytes()


def test_erasure_notices_are_applied_once_in_order(store):
    cid, _mid, part, _action = _person(store)
    notices = [{"seq": 4, "erased_at": "2026-12-01T10:00:00Z", "rows": [{"entity": "contact", "id": cid},
                                                                       {"entity": "meeting_participant", "id": part}]},
               {"seq": 2, "erased_at": "2026-11-30T10:00:00Z", "rows": []}]
    assert person_data.apply_erasures(store, notices) == 2
    assert person_data.applied_erasures(store) == 4
    assert store.get("meeting_participant", part)["name"] == ANONYMOUS
