"""Erasing a person on the service, on SQLite and PostgreSQL: rows scrubbed (participants
anonymised, counts kept), op log and conflicts scrubbed, later ops refused, only
administrators may erase or list erasures, notices name ids only and only in scope."""
from __future__ import annotations

import json

from sqlalchemy import Text, cast, func, select

from fieldapp.core.personal_fields import ANONYMOUS
from sync.server.tables import TABLES

NAME, EMAIL, NOTE = "Aminata Diallo-Bâ", "aminata.db@example.org", "Joignable le soir q7731"


def _stored_text(backend) -> str:
    """Every entity row, op-log entry and conflict as text (what the tables hold)."""
    out = []
    with backend.engine.connect() as conn:
        for name in ("contact", "meeting_participant", "action_item", "ops", "conflicts"):
            t = TABLES[name]
            out += [json.dumps([str(v) for v in row], ensure_ascii=False) for row in conn.execute(select(t))]
    return "\n".join(out)


def test_erasure_scrubs_rows_op_log_and_conflicts(server):
    a = server.device("correspondent", ("AFR",))
    b = server.device("correspondent", ("AFR",))
    admin = server.device("administrator", ("*",))
    contact = a.op("contact", fields={"full_name": NAME, "email": EMAIL, "gender": "female", "country": "SN"})
    meeting = a.op("meeting", fields={"title": "Atelier Kaolack", "starts_on": "2026-04-01", "country": "SN"})
    linked = a.op("meeting_participant", fields={"meeting_id": meeting["row_id"], "contact_id": contact["row_id"],
                                                 "name": NAME, "gender": "female", "age_group": "adult"})
    other = a.op("meeting_participant", fields={"meeting_id": meeting["row_id"], "name": "Moussa Fall", "gender": "male"})
    a.sync(contact, meeting, linked, other)
    version = 0  # notes never set: both edits start from it, a true conflict
    b.sync()
    a.sync(a.op("contact", contact["row_id"], fields={"notes": NOTE}, base={"notes": version}))
    b.sync(b.op("contact", contact["row_id"], fields={"notes": "Autre note q7732"}, base={"notes": version}))
    assert server.storage.open_conflicts("contact")
    assert NAME in _stored_text(server.backend) and NOTE in _stored_text(server.backend)

    refused = server.client.post("/v1/admin/erase", json={"contact_id": contact["row_id"]}, headers=a.headers)
    assert refused.status_code == 403
    r = server.client.post("/v1/admin/erase", json={"contact_id": contact["row_id"]}, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == 2  # the contact and its participation
    again = server.client.post("/v1/admin/erase", json={"contact_id": contact["row_id"]}, headers=admin.headers)
    assert again.json() == r.json()  # a retry is the same erasure

    stored = _stored_text(server.backend)
    for value in (NAME, EMAIL, NOTE, "Autre note q7732", json.dumps(NAME)[1:-1]):
        assert value not in stored, value
    row = server.row("contact", contact["row_id"])
    assert row["deleted"] and row["full_name"] == ANONYMOUS and row["email"] is None and row["country"] == "SN"
    assert server.storage.open_conflicts("contact") == []
    part = server.row("meeting_participant", linked["row_id"])
    assert (part["name"], part["contact_id"], part["gender"]) == (ANONYMOUS, None, "female")
    with server.backend.engine.connect() as conn:
        t = TABLES["meeting_participant"]
        assert conn.execute(select(func.count()).select_from(t).where(t.c.meeting_id == meeting["row_id"],
                                                                       ~t.c.deleted)).scalar() == 2
        ops = TABLES["ops"]
        assert conn.execute(select(func.count()).select_from(ops).where(cast(ops.c.result, Text).contains("Moussa"))
                            ).scalar() == 1  # the other participant's ops are untouched

    # every reader of the region hears of it (ids only); the laptop's old edit is refused
    late = a.sync(a.op("contact", contact["row_id"], fields={"email": "back@example.org"}))
    assert late["results"][0]["status"] == "rejected" and "erased" in late["results"][0]["reason"]
    notices = server.client.get("/v1/erasures?after=0", headers=b.headers).json()["erasures"]
    assert [sorted(r["entity"] for r in n["rows"]) for n in notices] == [["contact", "meeting_participant"]]
    assert NAME not in json.dumps(notices) and "erased_by" not in notices[0]
    outsider = server.device("correspondent", ("EUR",))
    assert server.client.get("/v1/erasures?after=0", headers=outsider.headers).json()["erasures"][0]["rows"] == []
    history = server.client.get("/v1/admin/erasures", headers=admin.headers).json()
    assert [(h["erased_by"], h["rows"]) for h in history] == [(admin.user, 2)]
    assert server.client.get("/v1/admin/erasures", headers=b.headers).status_code == 403


def test_erasing_an_unknown_contact_is_a_404_and_changes_nothing(server):
    admin = server.device("administrator", ("*",))
    before = server.counts()
    r = server.client.post("/v1/admin/erase", json={"contact_id": "00000000-0000-4000-8000-000000000000"},
                           headers=admin.headers)
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert server.counts() == before


def test_an_erasure_number_past_the_column_is_refused_not_a_server_error(server):
    """schemathesis found it on PostgreSQL: after=2147483648 overflowed the 32-bit seq
    column inside the query, a 500."""
    b = server.device("correspondent", ("AFR",))
    assert server.client.get("/v1/erasures?after=2147483647", headers=b.headers).json() == {"erasures": []}
    refused = server.client.get("/v1/erasures?after=2147483648", headers=b.headers)
    assert refused.status_code == 422 and refused.json()["field"] == "after"
