"""The change feed as clients see it: pages, no echo, scope, removals, children moving along."""
from __future__ import annotations

import datetime as dt
import uuid

from fieldapp.core.reference import shipped_rows
from sync.protocol import parse_cursor
from tests.server.conftest import practice


def test_initial_sync_comes_in_large_pages_each_row_once(server):
    rows = [{"id": str(uuid.uuid4()), **practice(title=f"Practice {i}", region="AFR")} for i in range(2100)]
    server.storage.seed_rows("practice", rows, validated=True)
    dev = server.device(initial_sync=False)
    pages, seen = 0, []
    while True:
        reply = dev.sync(follow=False)
        pages += 1
        seen += [(c["entity"], c["id"]) for c in reply["changes"]]
        if not reply["more"]:
            break
    assert pages == 2  # 2100 practices + the reference lists, 2000 changes a page
    assert len(seen) == len(set(seen)) == 2100 + len(shipped_rows())
    assert {r["id"] for r in rows} <= {i for e, i in seen if e == "practice"}


def test_a_client_never_gets_its_own_writes_back(server):
    a, b = server.device(), server.device()
    rid = str(uuid.uuid4())
    reply = a.sync(a.op("practice", rid, fields=practice()))
    assert all(c["id"] != rid for c in reply["changes"])
    assert all(c["id"] != rid for c in a.sync()["changes"])
    got = [c for c in b.sync()["changes"] if c["id"] == rid]
    assert got and got[0]["fields"]["title"] == "Zaï pits" and got[0]["versions"]["title"] > 0


def test_rows_edited_many_times_reach_a_new_device_once(server):
    a = server.device()
    rid = str(uuid.uuid4())
    a.sync(a.op("practice", rid, fields=practice()))
    for i in range(5):
        a.sync(a.op("practice", rid, fields={"farmers": i + 1}, base={"farmers": 0}))
    fresh = server.device(initial_sync=False)
    changes = [c for c in fresh.sync()["changes"] if c["id"] == rid]
    assert len(changes) == 1 and changes[0]["fields"]["farmers"] == 5


def test_rows_outside_the_scope_are_not_sent(server):
    africa, europe = server.device(regions=("AFR",)), server.device(regions=("EUR",))
    rid = str(uuid.uuid4())
    assert africa.sync(africa.op("practice", rid, fields=practice()))["results"][0]["status"] == "applied"
    assert all(c["id"] != rid for c in europe.sync()["changes"])
    admin = server.device("administrator", ("*",), initial_sync=False)
    assert any(c["id"] == rid for c in admin.sync()["changes"])


def test_a_row_leaving_the_scope_is_removed_and_arrives_whole_elsewhere(server):
    africa, europe = server.device(regions=("AFR",)), server.device(regions=("EUR",))
    both = server.device(regions=("AFR", "EUR"))
    meeting, participant = str(uuid.uuid4()), str(uuid.uuid4())
    africa.sync(
        africa.op("meeting", meeting, fields={"title": "Regional meeting", "starts_on": dt.date.today().isoformat(),
                                              "country": "SN"}),
        africa.op("meeting_participant", participant, fields={"meeting_id": meeting, "name": "Awa Diop"}),
    )
    assert server.row("meeting_participant", participant)["scope_region"] == "AFR"
    europe.sync()
    both.sync()
    v = server.row("meeting", meeting)["field_versions"]
    res = both.sync(both.op("meeting", meeting, fields={"country": "FR"}, base={"country": v["country"]}))["results"][0]
    assert res["status"] == "applied" and res["values"] == {"country": "FR", "region": "EUR"}
    # the participant moved with its meeting
    assert server.row("meeting_participant", participant)["scope_region"] == "EUR"
    gone = africa.sync()["changes"]
    assert {(c["op"], c["entity"], c["id"]) for c in gone} >= {("removed", "meeting", meeting),
                                                                ("removed", "meeting_participant", participant)}
    arrived = {c["id"]: c for c in europe.sync()["changes"] if c["op"] == "upsert"}
    assert arrived[meeting]["fields"]["title"] == "Regional meeting"  # whole row, not just `country`
    assert arrived[participant]["fields"]["name"] == "Awa Diop"
    # a device that holds both regions gets no removal
    assert all(c["op"] != "removed" for c in both.sync()["changes"])


def test_reference_data_reaches_everyone_and_only_administrators_write_it(server):
    admin = server.device("administrator", ("*",))
    corr = server.device()
    rid = str(uuid.uuid4())
    entry = {"list_name": "practice_family", "code": "biochar", "label": "Biochar"}
    denied = corr.sync(corr.op("reference", rid, fields=entry))["results"][0]
    assert denied["status"] == "rejected" and denied["reason"].startswith("forbidden")
    assert admin.sync(admin.op("reference", rid, fields=entry))["results"][0]["status"] == "applied"
    assert any(c["id"] == rid for c in corr.sync()["changes"])
    # the new code is accepted at once by validation
    ok = corr.sync(corr.op("practice", fields=practice(family="biochar")))["results"][0]
    assert ok["status"] == "applied"


def test_cursor_moves_forward_and_an_idle_sync_is_empty(server):
    a = server.device()
    start = parse_cursor(a.cursor)[0]
    a.sync(a.op("practice", fields=practice()))
    assert parse_cursor(a.cursor)[0] > start
    idle = a.sync()
    assert idle["changes"] == [] and idle["conflicts"] == [] and idle["more"] is False
