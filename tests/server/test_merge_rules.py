"""The merge rules of DESIGN.md (sync rule 3), through POST /v1/sync and as pure functions."""
from __future__ import annotations

import uuid

from sync import merge
from sync.merge import Outcome, Side
from tests.server.conftest import now_hlc, practice


# ----------------------------------------------------------------- pure functions
def test_merge_field_rules():
    common = dict(current_version=5, current_device="A", base=3, device="B")
    assert merge.merge_field(current_value="x", incoming_value="y", **(common | {"base": 5})) is Outcome.APPLY
    assert merge.merge_field(current_value="x", incoming_value="x", **common) is Outcome.SAME
    assert merge.merge_field(current_value="x", incoming_value="y", **common) is Outcome.CONFLICT
    # a device's later edit supersedes its own earlier one, whatever base it carries
    assert merge.merge_field(current_value="x", incoming_value="y", **(common | {"device": "A"})) is Outcome.APPLY
    assert merge.same_value({"a": 1, "b": [1]}, {"b": [1], "a": 1})


def test_provisional_is_the_latest_clock_whatever_the_order():
    a = Side("a", "amina", "0000000001000:00000:A", "A")
    b = Side("b", "bruno", "0000000002000:00000:B", "B")
    c = Side("c", "chen", "0000000002000:00001:C", "C")
    assert merge.provisional([a, b, c]) == c
    assert merge.provisional([c, b, a]) == c
    assert merge.add_side([a], Side("a", "amina", "0000000009000:00000:A", "A")) == [a]


def test_clock_drift_and_delete_conflicts():
    now = 1_700_000_000_000
    assert merge.clock_too_far(f"{now + 11 * 60_000:013d}:00000:A", now)
    assert not merge.clock_too_far(f"{now + 5 * 60_000:013d}:00000:A", now)
    assert merge.delete_conflicts(3, {"title": 5, "summary": 2, "_row": 5}, {"title": "B"}, "A") == ["title"]
    assert merge.delete_conflicts(3, {"title": 5}, {"title": "A"}, "A") == []


# ----------------------------------------------------------------- through the API
def _shared_row(server, **fields):
    """A practice created by A and pulled by B: both hold it at the same versions."""
    a, b = server.device(name="amina"), server.device(name="bruno")
    rid = str(uuid.uuid4())
    res = a.sync(a.op("practice", rid, fields=practice(**fields)))["results"][0]
    assert res["status"] == "applied"
    got = b.sync()
    change = next(c for c in got["changes"] if c["id"] == rid)
    return a, b, rid, change["versions"]


def test_same_field_on_both_sides_is_a_conflict_keeping_both(server):
    a, b, rid, v = _shared_row(server)
    first = a.sync(a.op("practice", rid, fields={"title": "Zaï pits, improved"}, base={"title": v["title"]},
                        hlc=now_hlc(a.id)))
    assert first["results"][0]["status"] == "applied"
    late = b.op("practice", rid, fields={"title": "Zaï with manure"}, base={"title": v["title"]}, hlc=now_hlc(b.id, 1000))
    reply = b.sync(late)
    res = reply["results"][0]
    assert res["status"] == "conflict" and res["field"] == "title"
    # B's clock is later: B's value is the provisional one on the server
    assert server.row("practice", rid)["title"] == "Zaï with manure"
    [conflict] = [c for c in reply["conflicts"] if c["row_id"] == rid]
    assert conflict["status"] == "open" and conflict["provisional"] == "Zaï with manure"
    assert {(s["value"], s["author"]) for s in conflict["sides"]} == {("Zaï pits, improved", "amina"), ("Zaï with manure", "bruno")}
    # A is told: the provisional value and the conflict reach A's next sync
    pulled = a.sync()
    change = next(c for c in pulled["changes"] if c["id"] == rid)
    assert change["fields"]["title"] == "Zaï with manure"
    assert any(c["id"] == conflict["id"] for c in pulled["conflicts"])


def test_lost_conflict_tells_the_sender_the_server_value(server):
    a, b, rid, v = _shared_row(server)
    a.sync(a.op("practice", rid, fields={"title": "Later"}, base={"title": v["title"]}, hlc=now_hlc(a.id, 5000)))
    res = b.sync(b.op("practice", rid, fields={"title": "Earlier"}, base={"title": v["title"]}, hlc=now_hlc(b.id)))["results"][0]
    assert res["status"] == "conflict"
    assert res["values"] == {"title": "Later"}
    assert server.row("practice", rid)["title"] == "Later"


def test_edits_to_different_fields_always_merge(server):
    a, b, rid, v = _shared_row(server)
    ra = a.sync(a.op("practice", rid, fields={"title": "Zaï pits (2024)"}, base={"title": v["title"]}))
    rb = b.sync(b.op("practice", rid, fields={"area_ha": 12.5}, base={"area_ha": 0}))
    assert ra["results"][0]["status"] == rb["results"][0]["status"] == "applied"
    row = server.row("practice", rid)
    assert (row["title"], row["area_ha"]) == ("Zaï pits (2024)", 12.5)
    assert server.storage.open_conflicts() == []
    # each learns the other's field, not its own
    fields_a = next(c for c in a.sync()["changes"] if c["id"] == rid)["fields"]
    assert fields_a == {"area_ha": 12.5}


def test_delete_against_edit_is_a_conflict_and_keeps_the_row(server):
    a, b, rid, v = _shared_row(server)
    a.sync(a.op("practice", rid, fields={"summary": "Works on crusted soils"}, base={"summary": 0}))
    res = b.sync(b.op("practice", rid, kind="delete", base={"_row": v["_row"]}))["results"][0]
    assert res["status"] == "conflict" and res["field"] == "_deleted"
    assert res["values"] == {"_deleted": False}
    row = server.row("practice", rid)
    assert row["deleted"] is False and row["summary"] == "Works on crusted soils"
    [c] = server.storage.open_conflicts("practice")
    assert c["field"] == "_deleted" and {s["value"] for s in c["sides"]} == {True, False}


def test_edit_against_delete_revives_the_row_with_a_conflict(server):
    a, b, rid, v = _shared_row(server)
    assert b.sync(b.op("practice", rid, kind="delete", base={"_row": v["_row"]}))["results"][0]["status"] == "applied"
    assert server.row("practice", rid)["deleted"] is True
    res = a.sync(a.op("practice", rid, fields={"title": "Zaï, kept"}, base={"title": v["title"]}))["results"][0]
    assert res["status"] == "conflict" and res["field"] == "_deleted"
    row = server.row("practice", rid)
    assert row["deleted"] is False and row["title"] == "Zaï, kept"
    # the deleter learns the row is back, with the edit
    change = next(c for c in b.sync()["changes"] if c["id"] == rid)
    assert change["deleted"] is False and change["fields"]["title"] == "Zaï, kept"


def test_deleted_row_edited_again_keeps_one_conflict_and_every_value(server):
    a, b, rid, v = _shared_row(server)
    b.sync(b.op("practice", rid, kind="delete", base={"_row": v["_row"]}))
    a.sync(a.op("practice", rid, fields={"title": "First try"}, base={"title": v["title"]}))
    again = a.sync(a.op("practice", rid, fields={"title": "Second try"}, base={"title": v["title"]}))["results"][0]
    assert again["status"] == "applied"  # A's own later edit supersedes its earlier one
    [c] = server.storage.open_conflicts("practice")
    assert c["field"] == "_deleted"
    assert server.row("practice", rid)["title"] == "Second try"
    # deleted again by B (who now saw the revival): applies, no second conflict
    cur = b.sync()
    vb = next(ch for ch in cur["changes"] if ch["id"] == rid)["versions"]
    assert b.sync(b.op("practice", rid, kind="delete", base={"_row": vb["_row"]}))["results"][0]["status"] == "applied"
    assert server.row("practice", rid)["deleted"] is True
    assert len(server.storage.open_conflicts("practice")) == 1


def test_resolution_closes_the_conflict_and_reaches_everyone(server):
    a, b, rid, v = _shared_row(server)
    a.sync(a.op("practice", rid, fields={"title": "From A"}, base={"title": v["title"]}))
    reply = b.sync(b.op("practice", rid, fields={"title": "From B"}, base={"title": v["title"]}))
    assert reply["results"][0]["status"] == "conflict"
    seen = reply["results"][0]["versions"]["title"]  # the version B decided on
    res = b.sync(b.op("practice", rid, kind="resolve", fields={"title": "From A and B"},
                      base={"title": seen}))["results"][0]
    assert res["status"] == "applied"
    assert server.storage.open_conflicts() == []
    assert server.row("practice", rid)["title"] == "From A and B"
    pulled = a.sync()
    assert next(c for c in pulled["changes"] if c["id"] == rid)["fields"]["title"] == "From A and B"
    closed = [c for c in pulled["conflicts"] if c["row_id"] == rid]
    assert closed and closed[-1]["status"] == "resolved" and closed[-1]["resolution"] == "From A and B"
    # a third device joining later sees the resolved state, not an open conflict
    c = server.device(name="chen")
    assert all(x["status"] == "resolved" for x in c.sync(follow=True)["conflicts"] if x["row_id"] == rid)


def test_resolution_of_delete_against_edit(server):
    a, b, rid, v = _shared_row(server)
    b.sync(b.op("practice", rid, kind="delete", base={"_row": v["_row"]}))
    edit = a.sync(a.op("practice", rid, fields={"title": "Keep me"}, base={"title": v["title"]}))["results"][0]
    res = a.sync(a.op("practice", rid, kind="resolve", fields={"_deleted": True},
                      base={"_deleted": edit["versions"]["_deleted"]}))["results"][0]
    assert res["status"] == "applied"
    assert server.row("practice", rid)["deleted"] is True
    assert server.storage.open_conflicts() == []


def test_replayed_batch_changes_nothing(server):
    a = server.device()
    rid = str(uuid.uuid4())
    batch = [a.op("practice", rid, fields=practice()), a.op("practice", rid, fields={"area_ha": 3.0}, base={"area_ha": 0})]
    first = a.sync(*batch)
    assert [r["status"] for r in first["results"]] == ["applied", "applied"]
    before_row, before_counts = server.row("practice", rid), server.counts()
    before_pos = server.storage.feed_position()
    again = a.sync(*batch)
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert [r["versions"] for r in again["results"]] == [r["versions"] for r in first["results"]]
    assert server.row("practice", rid) == before_row
    assert server.counts() == before_counts and server.storage.feed_position() == before_pos


def test_one_device_create_edit_delete_in_one_batch(server):
    a = server.device()
    rid = str(uuid.uuid4())
    reply = a.sync(a.op("practice", rid, fields=practice()),
                   a.op("practice", rid, fields={"title": "Renamed"}, base={"title": 0}),
                   a.op("practice", rid, kind="delete", base={"_row": 0}))
    assert [r["status"] for r in reply["results"]] == ["applied"] * 3
    row = server.row("practice", rid)
    assert row["deleted"] is True and row["title"] == "Renamed"



def test_a_batch_reads_the_rows_its_earlier_ops_made(server):
    """New rows of a batch are inserted in bulk (write_batch.py): a later op of the same
    batch still finds them (a reference, a region taken from the parent, a second write
    to the same new row), and a reader gets every one, in the order they were made."""
    a, b = server.device(name="amina"), server.device(name="bruno")
    meeting = a.op("meeting", fields={"title": "Atelier Thiès", "starts_on": "2026-05-01", "country": "SN"})
    part = a.op("meeting_participant", fields={"meeting_id": meeting["row_id"], "name": "Awa Ndiaye", "gender": "female"})
    rid = str(uuid.uuid4())
    made, renamed = a.op("practice", rid, fields=practice()), a.op("practice", rid, fields={"title": "Renamed"})
    reply = a.sync(meeting, part, made, renamed)
    assert [r["status"] for r in reply["results"]] == ["applied"] * 4
    assert server.row("meeting_participant", part["row_id"])["scope_region"] == "AFR"  # the parent's region
    assert server.row("practice", rid)["title"] == "Renamed"
    got = b.sync()["changes"]
    assert [c["id"] for c in got] == [meeting["row_id"], part["row_id"], rid]
    assert [c["pos"] for c in got] == sorted(c["pos"] for c in got)
    assert next(c for c in got if c["id"] == rid)["fields"]["title"] == "Renamed"

def _conflicting_batches(server, order: str) -> tuple[str, list]:
    a, b, rid, v = _shared_row(server)
    op_a = a.op("practice", rid, fields={"title": "A's title", "area_ha": 1.0}, base={"title": v["title"]}, hlc=now_hlc(a.id))
    op_b = b.op("practice", rid, fields={"title": "B's title", "farmers": 40}, base={"title": v["title"]},
                hlc=now_hlc(b.id, 2000))
    for dev, op in ((a, op_a), (b, op_b)) if order == "ab" else ((b, op_b), (a, op_a)):
        dev.sync(op)
    row = server.row("practice", rid)
    [c] = server.storage.open_conflicts()
    return row["title"], row["area_ha"], row["farmers"], sorted(s["value"] for s in c["sides"]), c["provisional"]


def test_batches_out_of_order_converge_on_the_same_state(server):
    first = _conflicting_batches(server, "ab")
    server.backend.reset()
    server.users.clear()
    second = _conflicting_batches(server, "ba")
    assert first == second == ("B's title", 1.0, 40, ["A's title", "B's title"], "B's title")


def test_clock_far_in_the_future_is_refused(server):
    a = server.device()
    rid = str(uuid.uuid4())
    ahead = a.op("practice", rid, fields=practice(), hlc=now_hlc(a.id, 11 * 60_000))
    res = a.sync(ahead)["results"][0]
    assert res["status"] == "rejected" and res["reason"].startswith("clock_ahead")
    assert server.row("practice", rid) is None
    assert a.sync(ahead)["results"][0]["status"] == "rejected"  # judged again, not "duplicate"
    ok = a.sync(a.op("practice", rid, fields=practice(), hlc=now_hlc(a.id, 5 * 60_000)))["results"][0]
    assert ok["status"] == "applied"
