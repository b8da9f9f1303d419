"""Erase a person, end to end: a real service on 127.0.0.1 and two laptops. After the
administrator's erasure and a sync of each laptop, a byte search of every database file
(WAL included) of both laptops and of the service, and of backups made afterwards, finds
none of the person's values; attendance keeps its count; the erasure is recorded."""
from __future__ import annotations

import json

import pytest

from fieldapp.core import migrate
from fieldapp.core.personal_fields import ANONYMOUS
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import RetryPolicy, ServerRefused, Transport
from tests.sync_client.conftest import USERS, started_server

ADMIN = ("olga", "olga-admin-pass-123")
NAME, EMAIL, PHONE = "Fatoumata Sidibé-Keïta", "fatoumata.sk@example.org", "+223 76 41 99 08"
NOTE_A, NOTE_B, PHONE_LATE = "Parle bambara zz7781", "Préfère le matin zz7782", "+223 66 00 12 34"
SECRETS = (NAME, EMAIL, PHONE, NOTE_A, NOTE_B, PHONE_LATE, "Sidib", "Keïta", "fatoumata")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = started_server(tmp_path_factory.mktemp("erasure-server"), USERS | {ADMIN[0]: ("administrator", ["*"], ADMIN[1])})
    yield s
    s.stop()


def _transport(server, user: str, password: str) -> Transport:
    t = Transport(server.url, policy=RetryPolicy(attempts=3, base_delay=0.05, deadline=30))
    t.login(user, password)
    return t


def _forms(value: str) -> list[bytes]:
    """How a value can sit in a file: UTF-8, and JSON's \\u escapes (SQLAlchemy's JSON)."""
    return sorted({value.encode("utf-8"), json.dumps(value)[1:-1].encode("ascii")})


def _holding(folder) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".log")):
        data = path.read_bytes()
        hits = [s for s in SECRETS if any(form in data for form in _forms(s))]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


def test_erasure_reaches_every_replica_and_leaves_no_byte_behind(server, make_store, tmp_path):
    a, b = make_store("amina", author="amina"), make_store("chen", author="chen")
    sa = SyncEngine(a, _transport(server, "amina", USERS["amina"][2]))
    sb = SyncEngine(b, _transport(server, "chen", USERS["chen"][2]))
    cid = a.insert("contact", {"full_name": NAME, "email": EMAIL, "phone": PHONE, "gender": "female", "country": "ML"})
    mid = a.insert("meeting", {"title": "Atelier Ségou", "starts_on": "2026-03-02", "country": "ML"})
    linked = a.insert("meeting_participant", {"meeting_id": mid, "contact_id": cid, "name": NAME, "gender": "female",
                                              "age_group": "youth"})
    a.insert("meeting_participant", {"meeting_id": mid, "name": "Oumar Coulibaly", "gender": "male"})
    action = a.insert("action_item", {"meeting_id": mid, "text": "Envoyer le rapport", "owner_contact_id": cid,
                                      "owner_name": NAME})
    assert sa.sync().ok and sb.sync().ok
    a.update("contact", cid, {"notes": NOTE_A})  # a true conflict: both values on the service and the laptops
    b.update("contact", cid, {"notes": NOTE_B})
    assert sa.sync().ok and sb.sync().ok and sa.sync().ok
    assert b.conflicts(row_id=cid) and a.conflicts(row_id=cid)
    b.update("contact", cid, {"phone": PHONE_LATE})  # unsent when the erasure happens
    assert _holding(tmp_path / "amina") and _holding(tmp_path / "chen") and _holding(server.folder)

    admin = _transport(server, *ADMIN)
    with pytest.raises(ServerRefused) as refused:  # a correspondent may not erase
        sa.transport.call("POST", "/v1/admin/erase", json_body={"contact_id": cid})
    assert refused.value.status == 403
    reply = admin.call("POST", "/v1/admin/erase", json_body={"contact_id": cid}).json()
    assert reply["rows"] == 3  # the contact, its participation, its action item

    ra, rb = sa.sync(), sb.sync()
    assert ra.ok and rb.ok and rb.rejected == 1 and "erased" in rb.rejections[0]  # the late edit refused...
    assert b.pending_count() == 0 and b.set_aside() == []  # ...and scrubbed, not kept aside with its value
    for store in (a, b):
        contact = store.get("contact", cid)
        assert contact["deleted"] and contact["full_name"] == ANONYMOUS and contact["email"] is None
        participants = store.children("meeting_participant", mid)
        assert len(participants) == 2  # attendance keeps its number
        anonymised = store.get("meeting_participant", linked)
        assert anonymised["name"] == ANONYMOUS and anonymised["contact_id"] is None
        assert (anonymised["gender"], anonymised["age_group"]) == ("female", "youth")  # the figures stay true
        assert store.get("action_item", action)["owner_name"] is None
        assert store.conflicts(row_id=cid) == [] and store.search("Sidibe") == []
    # an offline laptop's old edit cannot write the person back
    late = sa.transport.sync({"device": a.device_id, "cursor": None, "ops": [{
        "op_id": f"{a.device_id}:999999", "entity": "contact", "row_id": cid, "kind": "upsert",
        "fields": {"email": "back@example.org"}, "base": {}, "hlc": a.clock.now()}]})
    assert late["results"][0]["status"] == "rejected" and late["results"][0]["reason"]

    assert _holding(tmp_path / "amina") == {}
    assert _holding(tmp_path / "chen") == {}
    assert _holding(server.folder) == {}
    # backups made after the erasure hold nothing either
    migrate.backup(b.db_path, "after-erasure")
    assert server.cli("backup", str(tmp_path / "service-backup")) == 0
    assert _holding(tmp_path / "chen") == {} and _holding(tmp_path / "service-backup") == {}

    history = admin.call("GET", "/v1/admin/erasures").json()
    assert [(h["erased_by"], h["rows"]) for h in history] == [(ADMIN[0], 3)] and history[0]["erased_at"]
    assert not any(any(f in json.dumps(history).encode() for f in _forms(s)) for s in SECRETS)
    with pytest.raises(ServerRefused):
        sb.transport.call("GET", "/v1/admin/erasures")


def test_erasure_notices_name_only_rows_the_reader_may_read(server, make_store):
    a = make_store("amina2", author="amina")
    sa = SyncEngine(a, _transport(server, "amina", USERS["amina"][2]))
    bruno = SyncEngine(make_store("bruno2", author="bruno"), _transport(server, "bruno", USERS["bruno"][2]))
    cid = bruno.store.insert("contact", {"full_name": "Jean Dupont zz5512", "country": "FR"})  # EUR: not amina's
    assert bruno.sync().ok and sa.sync().ok
    admin = _transport(server, *ADMIN)
    seq = admin.call("POST", "/v1/admin/erase", json_body={"contact_id": cid}).json()["seq"]
    mine = sa.transport.call("GET", f"/v1/erasures?after={seq - 1}").json()["erasures"]
    assert mine == [{"seq": seq, "erased_at": mine[0]["erased_at"], "rows": []}]
    theirs = bruno.transport.call("GET", f"/v1/erasures?after={seq - 1}").json()["erasures"]
    assert theirs[0]["rows"] == [{"entity": "contact", "id": cid}]
    with pytest.raises(ServerRefused) as missing:
        admin.call("POST", "/v1/admin/erase", json_body={"contact_id": "00000000-0000-4000-8000-000000000000"})
    assert missing.value.status == 404


def test_a_sync_asks_for_erasures_only_when_the_service_has_a_new_one(server, make_store):
    """The reply names the service's latest erasure: a sync that brought changes stays one
    request (before, every such sync asked GET /v1/erasures as well), and a new erasure is
    still fetched and applied at the next sync."""
    a = SyncEngine(make_store("amina3", author="amina"), _transport(server, "amina", USERS["amina"][2]))
    b = SyncEngine(make_store("bruno3", author="bruno"), _transport(server, "bruno", USERS["bruno"][2]))
    assert a.sync().ok and b.sync().ok  # each learns the erasures made so far (the other tests')
    cid = b.store.insert("contact", {"full_name": "Awa Traoré qq7731", "country": "BF"})  # AFR: both read it
    assert b.sync().ok
    before = a.transport.traffic.requests
    assert a.sync().received >= 1
    assert a.transport.traffic.requests - before == 1  # changes came; no erasure is new: no second request
    assert a.store.get("contact", cid)["full_name"] == "Awa Traoré qq7731"
    _transport(server, *ADMIN).call("POST", "/v1/admin/erase", json_body={"contact_id": cid})
    before = a.transport.traffic.requests
    assert a.sync().ok
    assert a.transport.traffic.requests - before == 2  # the page, then the new erasure's notice
    assert a.store.get("contact", cid)["full_name"] != "Awa Traoré qq7731"
