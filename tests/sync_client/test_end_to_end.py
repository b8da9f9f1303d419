"""Two and three clients against a real server process: offline edits, merges, conflicts
settled by a person, attachments, scope changes."""
from __future__ import annotations

from fieldapp.core import attachments
from fieldapp.sync_client import blobs
from fieldapp.sync_client.engine import status


def _practice(store, **kw):
    return store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"} | kw)


def test_offline_edits_on_both_sides_merge_field_by_field(client):
    a, sa = client("amina")
    b, sb = client("bruno")
    pid = _practice(a)
    assert sa.sync().ok and sb.sync().ok
    assert b.get("practice", pid)["title"] == "Zaï"
    # both offline, different fields
    a.update("practice", pid, {"soc_impact": 2, "summary": "Poquets de compost"})
    b.update("practice", pid, {"yield_impact": 3, "location": "Yatenga"})
    for engine in (sa, sb, sa):
        result = engine.sync()
        assert result.ok and result.conflicts == 0 and result.rejected == 0
    for store in (a, b):
        row = store.get("practice", pid)
        assert (row["soc_impact"], row["summary"], row["yield_impact"], row["location"]) == (2, "Poquets de compost", 3, "Yatenga")
        assert store.pending_count() == 0 and store.conflicts() == []


def test_true_conflict_surfaces_in_both_and_resolution_reaches_the_other(client):
    a, sa = client("amina")
    b, sb = client("bruno")
    pid = _practice(a, title="Cordons pierreux")
    sa.sync(), sb.sync()
    a.update("practice", pid, {"title": "Cordons pierreux (Plateau central)"})
    b.update("practice", pid, {"title": "Diguettes en pierres"})
    sa.sync(), sb.sync(), sa.sync()
    [ca] = a.conflicts(row_id=pid)
    [cb] = b.conflicts(row_id=pid)
    assert ca["id"] == cb["id"] and ca["field"] == "title"
    values = {side["value"] for side in ca["sides"]}
    assert values == {"Cordons pierreux (Plateau central)", "Diguettes en pierres"}
    assert {side["author"] for side in ca["sides"]} == {"amina", "bruno"}
    # both show the same provisional value
    assert a.get("practice", pid)["title"] == b.get("practice", pid)["title"] == ca["provisional"]
    # a person on B writes a merged value
    b.resolve_conflict(cb["id"], "Cordons pierreux / diguettes (Plateau central)")
    assert sb.sync().ok and sa.sync().ok
    assert a.get("practice", pid)["title"] == "Cordons pierreux / diguettes (Plateau central)"
    assert a.conflicts(row_id=pid) == [] and b.conflicts(row_id=pid) == []


def test_delete_against_edit_is_a_conflict_and_restore_wins_when_chosen(client):
    a, sa = client("amina")
    b, sb = client("bruno")
    pid = _practice(a, title="Demi-lunes")
    sa.sync(), sb.sync()
    a.delete("practice", pid)
    b.update("practice", pid, {"summary": "Creusées en saison sèche"})
    sb.sync(), sa.sync(), sb.sync()
    [conflict] = a.conflicts(row_id=pid)
    assert conflict["field"] == "_deleted"
    assert not a.get("practice", pid)["deleted"]  # nothing typed disappears before a person decides
    a.resolve_conflict(conflict["id"], deleted=False)
    sa.sync(), sb.sync()
    assert b.get("practice", pid)["summary"] == "Creusées en saison sèche" and not b.get("practice", pid)["deleted"]
    assert b.conflicts(row_id=pid) == []


def test_attachment_added_on_one_client_opens_on_the_other(client, tmp_path):
    a, sa = client("amina")
    b, sb = client("chen")
    pid = _practice(a, title="Compost en fosse")
    photo = tmp_path / "fosse.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 4000)  # ~1 MB, several chunks
    media_id = attachments.add_file(a, "practice", pid, photo, caption="Fosse à compost")
    result = sa.sync()
    assert result.ok and result.attachments_sent == 1
    assert sb.sync().ok
    [row] = b.children("practice_media", pid)
    assert row["id"] == media_id and row["caption"] == "Fosse à compost"
    assert attachments.local_path(b, row) is None  # fetched lazily, on open
    path = blobs.download(b, sb.transport, row["sha256"], row["size"])
    assert path.read_bytes() == photo.read_bytes()
    assert attachments.local_path(b, row) == path


def test_row_moved_out_of_a_users_region_disappears_from_their_copy(client):
    a, sa = client("amina")  # AFR only
    b, sb = client("bruno")  # AFR and EUR
    pid = _practice(b, title="Haies bocagères", country="SN")
    mid = b.insert("meeting", {"title": "Atelier Thiès", "starts_on": "2026-02-03", "country": "SN"})
    part = b.insert("meeting_participant", {"meeting_id": mid, "name": "Awa Ndiaye", "gender": "female"})
    sb.sync(), sa.sync()
    assert a.get("practice", pid) and a.get("meeting_participant", part)
    b.update("practice", pid, {"country": "FR"})  # region follows: EUR
    b.update("meeting", mid, {"country": "FR"})
    sb.sync()
    assert sa.sync().removed >= 3
    assert a.get("practice", pid) is None and a.get("meeting", mid) is None and a.get("meeting_participant", part) is None
    assert not a.search("bocageres") and a.check() == []


def test_steady_state_sync_is_one_request_and_status_tells_the_truth(client):
    a, sa = client("amina")
    sa.sync()
    for i in range(10):
        _practice(a, title=f"Pratique {i}")
    assert status(a)["pending"] == 10
    result = sa.sync()
    assert result.ok and result.requests == 1 and result.applied == 10
    noop = sa.sync()
    assert noop.requests == 1 and noop.received == 0
    st = status(a)
    assert st["pending"] == 0 and st["last"]["ok"] and st["last"]["requests"] == 1


def test_write_outside_scope_is_rejected_kept_and_shown(client):
    a, sa = client("amina")  # AFR only
    sa.sync()
    pid = _practice(a, title="Prairie permanente", country="FR")
    result = sa.sync()
    assert result.rejected == 1 and result.rejections
    [op] = a.rejected()
    assert op["row_id"] == pid and op["error"]  # the server's reason, shown to the person
    assert a.get("practice", pid)["title"] == "Prairie permanente"  # nothing typed is lost
    assert a.pending_count() == 0 and sa.sync().requests == 1  # not resent blindly


def test_a_delete_that_lost_to_an_earlier_edit_brings_the_row_back_locally(client):
    a, sa = client("amina")
    b, sb = client("bruno")
    pid = _practice(a, title="Bandes enherbées")
    sa.sync(), sb.sync()
    b.update("practice", pid, {"summary": "Contre l'érosion hydrique"})
    sb.sync()  # the edit reaches the server first
    a.delete("practice", pid)
    result = sa.sync()  # the delete arrives second: a conflict, the row stays alive
    assert result.ok
    assert not a.get("practice", pid)["deleted"]  # as everyone else sees it
    assert a.get("practice", pid)["summary"] == "Contre l'érosion hydrique"
    [conflict] = a.conflicts(row_id=pid)
    assert conflict["field"] == "_deleted"


def test_submission_made_offline_on_a_bundled_template_syncs(server, client):
    from fieldapp.forms import versions

    [proposal] = [p for p in versions.shipped_templates() if "proposal" in p.name]
    assert server.cli("publish-form", str(proposal)) == 0  # the administrator publishes the same file
    a, sa = client("amina")
    [def_id] = [i for i in versions.publish_shipped(a) if a.get("form_definition", i)["form_id"] == "project_proposal"] or [None]
    assert def_id is not None and a.pending_count() == 0  # bundled copies are never uploaded
    row = a.get("form_definition", def_id)
    sub = a.insert("form_submission", {"definition_id": def_id, "form_id": row["form_id"], "form_version": row["version"],
                                       "title": "Projet agroforestier, Kaya", "country": "BF"})
    result = sa.sync()
    assert result.ok and result.rejected == 0, result.rejections
    b, sb = client("chen")
    sb.sync()
    assert b.get("form_submission", sub)["definition_id"] == def_id
    assert b.get("form_definition", def_id)["form_id"] == "project_proposal"


def test_initial_pages_come_compact_and_compressed_with_the_best_codec_the_client_knows(server):
    import json

    from fieldapp.sync_client.transport import Transport
    from tests.sync_client.conftest import USERS

    t = Transport(server.url)
    t.login("amina", USERS["amina"][2])
    verbose = t.call("POST", "/v1/sync", json_body={"cursor": None, "device": "probe1", "ops": []})
    compact = t.call("POST", "/v1/sync", json_body={"cursor": None, "device": "probe1", "ops": [], "compact": True})
    assert compact.headers["content-encoding"] == "zstd"  # a big page, and this client accepts zstd
    rows = [c for c in compact.json()["changes"] if c["entity"] == "reference"]
    assert rows and all("*" in c["versions"] for c in rows)
    assert len(json.dumps(compact.json())) < 0.8 * len(json.dumps(verbose.json()))
    older = Transport(server.url, token=t.token, accept_encoding="xz, gzip")  # a client of before zstd
    assert older.call("POST", "/v1/sync", json_body={"cursor": None, "device": "probe1", "ops": [], "compact": True}
                      ).headers["content-encoding"] == "xz"
    gz = Transport(server.url, token=t.token)
    plain = gz.call("POST", "/v1/sync", json_body={"cursor": None, "device": "probe1", "ops": []},
                    headers={"Accept-Encoding": "gzip"})
    assert plain.headers["content-encoding"] == "gzip"  # clients that do not ask for zstd or xz never get them
    assert plain.json()["cursor"] == verbose.json()["cursor"]


def test_columnar_pages_hold_the_same_changes_as_compact_ones(server):
    """`columnar`: one array per field; decoded, the same rows, fields and metadata (a
    whole row's null fields come too, and carry no metadata)."""
    from sync.wire import expand_change, from_blocks
    from fieldapp.sync_client.transport import Transport
    from tests.sync_client.conftest import USERS

    t = Transport(server.url)
    t.login("amina", USERS["amina"][2])
    ask = {"cursor": None, "device": "probe1", "ops": [], "compact": True}
    rows = t.call("POST", "/v1/sync", json_body=ask).json()
    cols = t.call("POST", "/v1/sync", json_body=ask | {"columnar": True}).json()
    assert cols["changes"] == [] and cols["cursor"] == rows["cursor"] and len(cols["blocks"]) < len(rows["changes"])
    decoded = [expand_change(c, skip_nulls=True) for c in from_blocks(cols["blocks"])]
    expected = [expand_change(c) for c in rows["changes"]]
    assert [(c["entity"], c["id"], c["pos"]) for c in decoded] == [(c["entity"], c["id"], c["pos"]) for c in expected]
    for got, want in zip(decoded, expected):
        wanted = want.get("fields") or {}
        assert {k: v for k, v in got["fields"].items() if k in wanted} == wanted
        assert all(v is None for k, v in got["fields"].items() if k not in wanted)
        assert (got["versions"], got["clocks"], got["authors"]) == (want["versions"], want["clocks"], want["authors"])
