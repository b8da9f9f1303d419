"""Attachments: which ones are missing, resumable chunked upload, hash check, ranges, limits."""
from __future__ import annotations

import hashlib
import os
import uuid

from fastapi.testclient import TestClient

from sync.server.app import create_app
from tests.server.conftest import PASSWORD, fast_settings, practice


def _put(server, dev, sha, data, start, total):
    end = start + len(data) - 1
    return server.client.put(f"/v1/blobs/{sha}", content=data,
                             headers=dev.headers | {"Content-Range": f"bytes {start}-{end}/{total}"})


def test_missing_lists_only_what_the_server_lacks(server):
    dev = server.device()
    have = os.urandom(100)
    sha_have = hashlib.sha256(have).hexdigest()
    assert _put(server, dev, sha_have, have, 0, 100).json()["complete"]
    sha_new = hashlib.sha256(b"new").hexdigest()
    r = server.client.post("/v1/blobs/missing", json={"sha256": [sha_have, sha_new, sha_new]}, headers=dev.headers)
    assert r.json() == {"missing": [sha_new]}
    bad = server.client.post("/v1/blobs/missing", json={"sha256": ["../../etc"]}, headers=dev.headers)
    assert bad.status_code == 422 and bad.json()["field"].startswith("sha256")


def test_upload_resumes_at_the_server_offset_and_checks_the_hash(server):
    dev = server.device()
    data = os.urandom(250_000)
    sha = hashlib.sha256(data).hexdigest()
    status = server.client.get(f"/v1/blobs/{sha}/upload", headers=dev.headers).json()
    assert status == {"sha256": sha, "offset": 0, "size": None, "complete": False}
    assert _put(server, dev, sha, data[:100_000], 0, len(data)).json()["offset"] == 100_000
    # the connection dropped; the client asks where to resume
    status = server.client.get(f"/v1/blobs/{sha}/upload", headers=dev.headers).json()
    assert status["offset"] == 100_000 and status["size"] == len(data)
    wrong = _put(server, dev, sha, data[50_000:60_000], 50_000, len(data))
    assert wrong.status_code == 409 and wrong.headers["Upload-Offset"] == "100000"
    assert _put(server, dev, sha, data[100_000:200_000], 100_000, len(data)).json()["complete"] is False
    done = _put(server, dev, sha, data[200_000:], 200_000, len(data)).json()
    assert done["complete"] is True
    stored = server.settings.blob_dir / "objects" / sha[:2] / sha
    assert stored.read_bytes() == data
    assert not any((server.settings.blob_dir / "partial").iterdir())
    # sending it again costs nothing
    assert _put(server, dev, sha, data[:10], 0, len(data)).json()["complete"] is True


def test_corrupted_upload_is_refused_and_starts_over(server):
    dev = server.device()
    data = b"the real bytes"
    sha = hashlib.sha256(data).hexdigest()
    r = _put(server, dev, sha, b"other bytes!!!", 0, len(data))
    assert r.status_code == 422 and r.json()["error"] == "hash_mismatch"
    assert server.client.post("/v1/blobs/missing", json={"sha256": [sha]}, headers=dev.headers).json()["missing"] == [sha]
    assert server.client.get(f"/v1/blobs/{sha}/upload", headers=dev.headers).json()["offset"] == 0
    assert _put(server, dev, sha, data, 0, len(data)).json()["complete"]


def test_ranged_download_of_a_blob_in_scope(server):
    dev = server.device()
    data = bytes(range(256)) * 40
    sha = hashlib.sha256(data).hexdigest()
    _put(server, dev, sha, data, 0, len(data))
    pid = str(uuid.uuid4())
    dev.sync(dev.op("practice", pid, fields=practice()),
             dev.op("practice_media", fields={"practice_id": pid, "sha256": sha, "file_name": "soil.png",
                                              "mime_type": "image/png", "size": len(data)}))
    reader = server.device("viewer", ("AFR",))
    whole = server.client.get(f"/v1/blobs/{sha}", headers=reader.headers)
    assert whole.status_code == 200 and whole.content == data
    part = server.client.get(f"/v1/blobs/{sha}", headers=reader.headers | {"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    tail = server.client.get(f"/v1/blobs/{sha}", headers=reader.headers | {"Range": "bytes=-10"})
    assert tail.content == data[-10:]
    bad = server.client.get(f"/v1/blobs/{sha}", headers=reader.headers | {"Range": f"bytes={len(data) + 5}-"})
    assert bad.status_code == 416 and bad.json()["error"] == "bad_range"
    outsider = server.device("viewer", ("EUR",))
    assert server.client.get(f"/v1/blobs/{sha}", headers=outsider.headers).status_code == 404


def test_limits_per_file_and_per_user(backend, tmp_path):
    backend.reset()
    app = create_app(fast_settings(backend.url, tmp_path / "b", blob_max=1000, user_quota=1500), engine=backend.engine)
    app.state.services.accounts.create_user("amina", PASSWORD, "correspondent", ["AFR"])
    with TestClient(app) as c:
        h = {"Authorization": "Bearer " + c.post("/v1/login", json={"username": "amina", "password": PASSWORD}).json()["token"]}

        def put(data: bytes):
            return c.put(f"/v1/blobs/{hashlib.sha256(data).hexdigest()}", content=data, headers=h)

        big = put(os.urandom(1001))
        assert big.status_code == 413 and big.json()["error"] == "too_large"
        assert put(os.urandom(900)).status_code == 200
        over = put(os.urandom(700))
        assert over.status_code == 413 and over.json()["error"] == "quota"
        assert put(os.urandom(500)).status_code == 200
