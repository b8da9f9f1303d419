"""Bad requests get a 4xx JSON answer naming the problem, and change nothing."""
from __future__ import annotations

import gzip
import hashlib
import json
import uuid

import pytest
from fastapi.testclient import TestClient

from sync.server.app import create_app
from tests.server.conftest import fast_settings, practice


def _assert_error(r, status: int, code: str | None = None, field: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "message", "field"} and body["message"]
    if code:
        assert body["error"] == code, body
    if field:
        assert body["field"] == field, body
    return body


@pytest.fixture
def dev(server):
    d = server.device()
    d.before = server.counts()
    return d


def _unchanged(server, dev):
    assert server.counts() == dev.before


def test_malformed_json(server, dev):
    r = server.client.post("/v1/sync", content=b'{"cursor": null, "ops": [', headers=dev.headers | {"content-type": "application/json"})
    _assert_error(r, 400, "malformed_json", "body")
    _unchanged(server, dev)


@pytest.mark.parametrize("body, field", [
    ({"cursor": 12}, "cursor"),
    ({"cursor": "-1"}, "cursor"),
    ({"ops": "everything"}, "ops"),
    ({"ops": [{"op_id": "dev:1"}]}, "ops[0].entity"),
    ({"cursor": None, "surprise": 1}, "surprise"),
    ({"limit": 10**9}, "limit"),
])
def test_wrong_types_in_the_envelope(server, dev, body, field):
    _assert_error(dev.post(body), 422, "invalid", field)
    _unchanged(server, dev)


def test_wrong_value_types_name_the_field_and_block_nothing_else(server, dev):
    good = dev.op("practice", fields=practice())
    bad = dev.op("practice", fields=practice(area_ha="lots"))
    results = dev.sync(good, bad)["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["field"] == "area_ha" and results[1]["reason"].startswith("type:")
    assert "number" in results[1]["reason"]
    assert server.counts()["practice"] == dev.before["practice"] + 1  # the good op went through


@pytest.mark.parametrize("mutate, code, field", [
    (lambda op: op | {"entity": "practices; DROP TABLE users"}, "unknown_entity", "entity"),
    (lambda op: op | {"fields": {"title\"; --": "x"}}, "unknown_field", "title\"; --"),
    (lambda op: op | {"base": {"nonsense": 1}}, "unknown_field", "base.nonsense"),
    (lambda op: op | {"hlc": "yesterday"}, "bad_clock", "hlc"),
    (lambda op: op | {"fields": practice(title="x" * 10_000)}, "too_long", "title"),
    (lambda op: op | {"fields": practice(description="y" * 200_000)}, "too_long", "description"),
    (lambda op: op | {"fields": practice(title="nul\x00byte")}, "bad_text", "title"),
    (lambda op: op | {"fields": practice(farmers=10**30)}, "range", "farmers"),
    (lambda op: op | {"kind": "delete", "fields": {"title": "x"}}, "unexpected_fields", "fields"),
])
def test_ops_no_correct_client_sends_are_refused_one_by_one(server, dev, mutate, code, field):
    op = mutate(dev.op("practice", fields=practice()))
    after = dev.op("practice", fields=practice())
    results = dev.sync(op, after)["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["reason"].split(":")[0] == code and results[0]["field"] == field, results[0]
    assert server.counts()["practice"] == dev.before["practice"] + 1


@pytest.mark.parametrize("mutate, field", [
    (lambda op: op | {"row_id": "../../etc/passwd"}, "ops[0].row_id"),
    (lambda op: op | {"kind": "truncate"}, "ops[0].kind"),
    (lambda op: op | {"base": {"title": -3}}, "ops[0].base.title"),
])
def test_envelopes_no_correct_client_sends_are_refused_whole(server, dev, mutate, field):
    op = mutate(dev.op("practice", fields=practice()))
    _assert_error(dev.post({"ops": [op]}), 422, "invalid", field)
    _unchanged(server, dev)


def test_sql_metacharacters_are_stored_as_typed(server, dev):
    title = "Robert'); DROP TABLE practice; -- \" OR 1=1"
    rid = str(uuid.uuid4())
    assert dev.sync(dev.op("practice", rid, fields=practice(title=title)))["results"][0]["status"] == "applied"
    assert server.row("practice", rid)["title"] == title
    assert server.counts()["practice"] == dev.before["practice"] + 1


def test_state_dependent_problems_are_rejected_per_op(server, dev):
    rid = str(uuid.uuid4())
    results = dev.sync(
        dev.op("practice", fields=practice(family="not-a-family")),
        dev.op("practice", fields={"title": "No family, no country"}),
        dev.op("practice", fields=practice(organisation_id=str(uuid.uuid4()))),
        dev.op("practice", rid, kind="delete", base={"_row": 0}),
        dev.op("practice", fields=practice()),
    )["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "rejected", "rejected", "applied"]
    assert results[0]["field"] == "family" and results[0]["reason"].startswith("choice")
    assert results[1]["reason"].startswith("required")
    assert results[2]["reason"].startswith("missing_ref") and results[2]["field"] == "organisation_id"
    assert results[3]["reason"].startswith("not_found")
    assert server.counts()["practice"] == dev.before["practice"] + 1


def test_gzip_bodies_bombs_and_bad_encodings(server, dev):
    op = dev.op("practice", fields=practice())
    ok = server.client.post("/v1/sync", content=gzip.compress(json.dumps({"ops": [op]}).encode()),
                            headers=dev.headers | {"content-type": "application/json", "content-encoding": "gzip"})
    assert ok.status_code == 200 and ok.json()["results"][0]["status"] == "applied"
    dev.before = server.counts()
    bomb = gzip.compress(b'{"ops": [' + b" " * (200 * 1024 * 1024) + b"]}", compresslevel=9)
    assert len(bomb) < 300_000
    r = server.client.post("/v1/sync", content=bomb,
                           headers=dev.headers | {"content-type": "application/json", "content-encoding": "gzip"})
    _assert_error(r, 413, "too_large", "body")
    r = server.client.post("/v1/sync", content=b"not gzip at all",
                           headers=dev.headers | {"content-type": "application/json", "content-encoding": "gzip"})
    _assert_error(r, 400, "bad_gzip")
    r = server.client.post("/v1/sync", content=b"{}", headers=dev.headers | {"content-type": "application/json",
                                                                              "content-encoding": "br"})
    _assert_error(r, 415, "unsupported_encoding")
    _unchanged(server, dev)


def test_oversize_bodies_are_refused_before_reading(backend, tmp_path):
    backend.reset()
    app = create_app(fast_settings(backend.url, tmp_path / "b", max_body=64 * 1024, chunk_max=1024), engine=backend.engine)
    app.state.services.accounts.create_user("amina", "long enough secret", "correspondent", ["AFR"])
    with TestClient(app) as c:
        token = c.post("/v1/login", json={"username": "amina", "password": "long enough secret"}).json()["token"]
        h = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
        r = c.post("/v1/sync", content=b'{"ops": [], "cursor": "' + b"1" * 100_000 + b'"}', headers=h)
        _assert_error(r, 413, "too_large")
        data = b"z" * 2048
        r = c.put(f"/v1/blobs/{hashlib.sha256(data).hexdigest()}", content=data, headers=h)
        _assert_error(r, 413, "too_large")


def test_deeply_nested_json_is_a_4xx(server, dev):
    deep = b'{"ops": [{"op_id": "a:1", "entity": "practice", "row_id": "x", "kind": "upsert", "hlc": "1:1:a", "fields": {"answers": ' \
        + b"[" * 100_000 + b"]" * 100_000 + b"}}]}"
    r = server.client.post("/v1/sync", content=deep, headers=dev.headers | {"content-type": "application/json"})
    assert 400 <= r.status_code < 500 and r.json()["error"]
    _unchanged(server, dev)


def test_unknown_routes_methods_and_tokens(server, dev):
    _assert_error(server.client.get("/v1/nowhere"), 404, "not_found")
    _assert_error(server.client.delete("/v1/sync", headers=dev.headers), 405, "method_not_allowed")
    _assert_error(server.client.post("/v1/sync", json={}, headers={"Authorization": "Bearer forged"}), 401, "unauthorized")
    _assert_error(server.client.post("/v1/sync", json={}), 401, "unauthorized")
    _assert_error(server.client.post("/v1/login", json={"username": "a\x00b", "password": "x"}), 422, "invalid")


def test_path_tricks_in_attachments(server, dev):
    for path in ("/v1/blobs/..%2F..%2Fetc%2Fpasswd", "/v1/blobs/../../etc/passwd", "/v1/blobs/" + "A" * 64,
                 "/v1/blobs/%2e%2e/upload"):
        r = server.client.get(path, headers=dev.headers)
        assert r.status_code in (404, 422), (path, r.status_code)
        assert r.json()["error"]
    r = server.client.put("/v1/blobs/..%2Fescape", content=b"x", headers=dev.headers)
    assert r.status_code in (404, 422)
    # a media row's file name is only a label; its sha256 must be a real digest
    pid = str(uuid.uuid4())
    dev.sync(dev.op("practice", pid, fields=practice()))
    media = {"practice_id": pid, "sha256": "../../../../etc/passwd", "file_name": "../../x.jpg", "mime_type": "image/jpeg", "size": 1}
    result = dev.sync(dev.op("practice_media", fields=media))["results"][0]
    assert result["status"] == "rejected" and result["reason"].startswith("bad_sha256") and result["field"] == "sha256"
    ok = dev.sync(dev.op("practice_media", fields=media | {"sha256": "a" * 64}))["results"][0]
    assert ok["status"] == "applied"  # "../../x.jpg" is kept as a label; no file is ever named by it
    assert not any(p.name == "x.jpg" for p in server.settings.blob_dir.rglob("*"))


def test_health_says_503_when_the_database_is_down(tmp_path):
    app = create_app(fast_settings("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path / "b"))
    with TestClient(app) as c:
        _assert_error(c.get("/v1/health"), 503, "unavailable")
