"""End to end: `fieldapp-server serve` as a real process on 127.0.0.1 (a free port),
spoken to over HTTP with gzip bodies both ways, as the desktop client will."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import requests

from sync.server.cli import main
from tests.server.conftest import now_hlc, practice

SECRET = "end to end secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, blobs, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", "--db", url, "--blobs", str(blobs),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | {"PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return proc
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start within 30 s")


def stop_server(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        _out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
    return err


def test_real_server_process(backend, tmp_path):
    backend.reset()
    for name, region in (("amina", "AFR"), ("bruno", "AFR")):
        assert main(["create-user", name, "--role", "correspondent", "--region", region, "--password", SECRET,
                     "--db", backend.url]) == 0
    port = free_port()
    proc = start_server(backend.url, tmp_path / "blobs", port)
    base = f"http://127.0.0.1:{port}"
    try:
        health = requests.get(f"{base}/v1/health", timeout=5).json()
        assert health["status"] == "ok" and health["database"] == ("sqlite" if backend.name == "sqlite" else "postgresql")
        tokens = {}
        for name in ("amina", "bruno"):
            r = requests.post(f"{base}/v1/login", json={"username": name, "password": SECRET}, timeout=10)
            assert r.status_code == 200, r.text
            tokens[name] = r.json()["token"]
        rid = str(uuid.uuid4())
        body = {"device": "laptopA", "cursor": None, "ops": [{
            "op_id": "laptopA:1", "entity": "practice", "row_id": rid, "kind": "upsert",
            "fields": practice(title="Compost on degraded plots"), "base": {}, "hlc": now_hlc("laptopA")}]}
        r = requests.post(f"{base}/v1/sync", data=gzip.compress(json.dumps(body).encode()), timeout=30,
                          headers={"Authorization": f"Bearer {tokens['amina']}", "Content-Type": "application/json",
                                   "Content-Encoding": "gzip", "Accept-Encoding": "gzip"})
        assert r.status_code == 200, r.text
        assert r.headers.get("Content-Encoding") == "gzip"  # the initial page is large: compressed
        assert r.json()["results"][0]["status"] == "applied"
        pulled = requests.post(f"{base}/v1/sync", json={"device": "laptopB", "cursor": None}, timeout=30,
                               headers={"Authorization": f"Bearer {tokens['bruno']}"}).json()
        assert any(c["id"] == rid and c["fields"]["title"] == "Compost on degraded plots" for c in pulled["changes"])

        data = os.urandom(300_000)
        sha = hashlib.sha256(data).hexdigest()
        auth = {"Authorization": f"Bearer {tokens['amina']}"}
        assert requests.put(f"{base}/v1/blobs/{sha}", data=data[:100_000], timeout=30,
                            headers=auth | {"Content-Range": f"bytes 0-99999/{len(data)}"}).json()["offset"] == 100_000
        offset = requests.get(f"{base}/v1/blobs/{sha}/upload", headers=auth, timeout=10).json()["offset"]
        done = requests.put(f"{base}/v1/blobs/{sha}", data=data[offset:], timeout=30,
                            headers=auth | {"Content-Range": f"bytes {offset}-{len(data) - 1}/{len(data)}"}).json()
        assert done["complete"] is True
        part = requests.get(f"{base}/v1/blobs/{sha}", headers=auth | {"Range": "bytes=5-14"}, timeout=10)
        assert part.status_code == 206 and part.content == data[5:15]
        bad = requests.post(f"{base}/v1/sync", data=b"{nope", timeout=10,
                            headers=auth | {"Content-Type": "application/json"})
        assert bad.status_code == 400 and bad.json()["error"] == "malformed_json"
    finally:
        logs = stop_server(proc)
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any(entry.get("event") == "request" and entry.get("path") == "/v1/sync" for entry in lines)
    for secret in (SECRET, *tokens.values()):
        assert secret not in logs
