"""A refused change never blocks a device and is never dropped silently (issue 13 item 1,
issue 12 item 4's client half, issue 21 item 3): it is set aside, the rest of the outbox
syncs, causes that go away are retried by themselves, and a person can fix, retry or
discard the rest."""
from __future__ import annotations

import gzip
import json
from http.server import BaseHTTPRequestHandler

import requests
from sqlalchemy import insert

from fieldapp.core import outbox
from fieldapp.core.tables import TABLES
from fieldapp.forms.versions import publish_shipped, shipped_templates, store_definitions
from fieldapp.sync_client.engine import status
from fieldapp.sync_client.transport import RetryPolicy, Transport
from fieldapp.sync_client.engine import SyncEngine
from tests.local_http import LocalHTTP


def _practice(store, **kw):
    return store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"} | kw)


def test_one_refused_change_does_not_block_the_others_and_is_fixed_by_editing(client):
    a, sa = client("amina")  # AFR only
    sa.sync()
    ok1 = _practice(a, title="Cordons pierreux")
    bad = _practice(a, title="Prairie permanente", country="FR")  # EUR: outside amina's regions
    ok2 = _practice(a, title="Demi-lunes")
    result = sa.sync()
    assert result.ok and result.applied == 2 and result.rejected == 1
    assert a.get("practice", ok1)["field_versions"] and a.get("practice", ok2)["field_versions"]
    [refused] = a.rejected()
    assert refused["row_id"] == bad and refused["error"].startswith("out_of_scope")
    st = status(a)
    assert (st["pending"], st["rejected"], st["unsynced"]) == (0, 1, 1)  # counted, not sent blindly again
    later = _practice(a, title="Zaï amélioré")
    assert sa.sync().applied == 1 and a.get("practice", later)["field_versions"]  # later edits still go
    # the person fixes the record: the edit and the refused change go again as one
    a.update("practice", bad, {"country": "SN"})
    assert a.rejected() == [] and a.pending_count() == 1
    fixed = sa.sync()
    assert fixed.ok and fixed.applied == 1 and a.unsynced_count() == 0
    assert a.get("practice", bad)["field_versions"]


def test_a_missing_form_template_waits_and_the_submission_goes_once_it_is_published(client, server):
    a, sa = client("amina")
    sa.sync()
    publish_shipped(a)  # bundled templates, as on a first start; the service has none of them
    [definition] = store_definitions(a, "project_self_assessment").values()
    sid = a.insert("form_submission", {"definition_id": definition["id"], "form_id": definition["form_id"],
                                       "form_version": definition["version"], "title": "Auto-évaluation Yatenga",
                                       "country": "BF"})
    first = sa.sync()
    assert first.ok and first.waiting == 1 and first.rejected == 0
    [waiting] = a.set_aside()
    assert waiting["state"] == "waiting" and waiting["row_id"] == sid and waiting["error"].startswith("missing_ref")
    assert a.rejected() == [] and status(a)["unsynced"] == 1  # not lost, not a person's job, still counted
    again = sa.sync()
    assert again.waiting == 1  # tried again by itself
    path = next(p for p in shipped_templates() if p.stem == definition["form_id"])
    assert server.cli("publish-form", str(path)) == 0  # an administrator publishes it
    done = sa.sync()
    assert done.ok and done.applied == 1 and a.unsynced_count() == 0
    assert a.get("form_submission", sid)["field_versions"]


def test_retry_and_discard(client):
    a, sa = client("amina")
    sa.sync()
    synced = _practice(a, title="Bocage sahélien")
    sa.sync()
    a.update("practice", synced, {"country": "FR"})  # moving it out of amina's regions is refused
    local_only = _practice(a, title="Jachère", country="DE")
    assert sa.sync().rejected == 2
    by_row = {op["row_id"]: op for op in a.rejected()}
    # retry: sent again with the record's current values and a new id
    a_op = by_row[local_only]
    with a.transaction() as tx:  # meanwhile corrected through a path that does not fold (an import, say)
        tx.conn.execute(TABLES["practice"].update().where(TABLES["practice"].c.id == local_only).values(country="SN", region="AFR"))
    assert outbox.retry(a, a_op["op_id"])
    [again] = [op for op in a.outbox() if op["row_id"] == local_only]
    assert again["state"] == "pending" and again["op_id"] != a_op["op_id"] and again["fields"]["country"] == "SN"
    assert sa.sync().applied == 1 and a.get("practice", local_only)["field_versions"]
    # discard an edit of a synced record: the change goes, the record stays
    assert outbox.discard(a, by_row[synced]["op_id"])
    assert a.get("practice", synced)["deleted"] is False and a.unsynced_count() == 0
    # discard a record that exists only here: it goes with its change
    gone = _practice(a, title="Haie brise-vent", country="IT")
    assert sa.sync().rejected == 1
    assert outbox.discard(a, a.rejected()[0]["op_id"])
    assert a.get("practice", gone)["deleted"] is True and a.rejected() == [] and a.check() == []


def test_a_request_the_service_refuses_for_one_op_sets_that_op_aside(client):
    """An op no correct client sends (an older version's, say) makes the service refuse
    the whole request with 422 naming it: it is set aside with the reason, the rest goes."""
    a, sa = client("amina")
    sa.sync()
    good = _practice(a, title="Paillage")
    with a.transaction() as tx:
        tx.conn.execute(insert(TABLES["outbox"]).values(
            op_id=f"{a.device_id}:9999", entity="practice", row_id="5b0f4a4e-3a9c-4c51-9a55-0c2f1d7b0001", kind="upsert",
            fields={"no_such_field": 1}, base={"no_such_field": 0}, hlc=a.clock.now(), created_at="2026-01-01T00:00:00Z"))
    result = sa.sync()
    assert result.ok and result.applied == 1 and a.get("practice", good)["field_versions"]
    [refused] = a.rejected()
    assert refused["op_id"] == f"{a.device_id}:9999" and refused["error"].startswith("unknown_field")


class FailingOnOneOp(LocalHTTP):
    """Forwards to the service, but answers 500 to any request carrying `poison` (the
    service failing on one op, as it did on PostgreSQL for NaN): the rest must get through."""

    def __init__(self, target: str, poison: str):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                plain = gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body
                if poison.encode() in plain:
                    proxy.failed += 1
                    out = json.dumps({"error": "internal", "message": "boom", "field": None}).encode()
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                r = requests.request(self.command, target + self.path, data=body or None, headers=headers, stream=True)
                raw = r.raw.read(decode_content=False)
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = _forward

            def log_message(self, *args) -> None:
                pass

        self.failed = 0
        super().__init__(Handler)


def test_an_op_the_service_fails_on_is_found_and_set_aside(client, server):
    a, sa = client("amina")
    sa.sync()
    ids = [_practice(a, title=f"Haie {i}") for i in range(5)]
    poisoned = _practice(a, title="POISON-7f3a")
    ids += [_practice(a, title=f"Mare {i}") for i in range(4)]
    proxy = FailingOnOneOp(server.url, "POISON-7f3a")
    try:
        t = Transport(proxy.url, token=sa.transport.token, policy=RetryPolicy(attempts=1, deadline=20))
        result = SyncEngine(a, t, attachments=False).sync()
    finally:
        proxy.stop()
    assert result.ok and result.applied == 9 and proxy.failed >= 2, result
    assert all(a.get("practice", pid)["field_versions"] for pid in ids)
    [refused] = a.rejected()
    assert refused["row_id"] == poisoned and refused["error"].startswith("server_error")
