"""What an operator does with the service, on real processes: settings by environment and
flag (honoured by every worker), keep-alive longer than a load balancer's idle timeout,
passwords without a terminal, and a backup restored end to end (SQLite and PostgreSQL)."""
from __future__ import annotations

import hashlib
import http.client
import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from fieldapp.sync_client.demo_service import stop_process, wait_healthy
from sync.server.cli import _settings, build_parser
from sync.server.cli import main as server_cli
from sync.server.settings import Settings
from tests.server.conftest import PG_URL, REQUIRE_PG, now_hlc, practice
from tests.sync_client.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--argon-time-cost", "1", "--argon-memory-kib", "1024", "--argon-parallelism", "1", "--login-failure-delay-s", "0"]


def test_every_setting_is_a_flag_and_an_environment_variable(monkeypatch):
    serve = build_parser()._subparsers._group_actions[0].choices["serve"]
    flags = {a.dest for a in serve._actions}
    assert set(Settings.model_fields) <= flags
    monkeypatch.setenv("FIELDAPP_SERVER_TOKEN_DAYS", "7")
    monkeypatch.setenv("FIELDAPP_SERVER_KEEP_ALIVE_S", "90")
    monkeypatch.setenv("FIELDAPP_SERVER_DB", "sqlite:////srv/x.sqlite")
    settings = _settings(build_parser().parse_args(["serve", "--token-days", "3", "--no-log-requests"]))
    assert (settings.token_days, settings.keep_alive_s, settings.log_requests) == (3, 90, False)  # flag over env
    assert settings.db_url == "sqlite:////srv/x.sqlite" and settings.blob_dir == Path("/srv/blobs")
    with pytest.raises(SystemExit, match="--page-size"):
        _settings(build_parser().parse_args(["serve", "--page-size", "0"]))
    # what a worker process rebuilds from the environment is what the parent resolved
    monkeypatch.delenv("FIELDAPP_SERVER_TOKEN_DAYS")
    for key, value in settings.to_environment().items():
        monkeypatch.setenv(key, value)
    assert Settings() == settings


def _serve(tmp: Path, *extra: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    db = f"sqlite:///{tmp / 'server.sqlite'}"
    log = open(tmp / "server.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", "--db", db, "--port", str(port), *FAST, *extra],
                            stdout=log, stderr=log, cwd=ROOT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, 60, tmp / "server.log")
    return proc, url


def test_workers_honour_the_settings_given_to_the_parent(tmp_path):
    assert server_cli(["migrate", "--db", f"sqlite:///{tmp_path / 'server.sqlite'}"]) == 0
    proc, url = _serve(tmp_path, "--workers", "2", "--max-body", "4000", env={"FIELDAPP_SERVER_TOKEN_DAYS": "2"})
    try:
        big = {"username": "x" * 5000, "password": "y"}
        # new connection each time, so both workers answer some
        answers = {requests.post(f"{url}/v1/login", json=big, headers={"Connection": "close"}, timeout=10).status_code
                   for _ in range(12)}
        assert answers == {413}
        assert requests.post(f"{url}/v1/login", json={"username": "x", "password": "y"}, timeout=10).status_code == 401
    finally:
        stop_process(proc)


def test_kept_alive_connections_outlive_a_load_balancers_idle_timeout(tmp_path):
    """uvicorn's default closes after 5 s idle; a load balancer reusing the connection then
    got ConnectionResetError (bench/server.py on PostgreSQL). Ours stay open 75 s."""
    assert server_cli(["migrate", "--db", f"sqlite:///{tmp_path / 'server.sqlite'}"]) == 0
    proc, url = _serve(tmp_path)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", int(url.rsplit(":", 1)[1]), timeout=10)
        conn.request("GET", "/v1/health")
        first = conn.getresponse()
        first.read()
        assert first.status == 200 and first.getheader("connection") != "close"
        time.sleep(6.5)
        conn.request("GET", "/v1/health")  # the same socket: raises if the server closed it
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        stop_process(proc)


def test_create_user_reads_the_password_from_stdin_or_the_environment(tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 's.sqlite'}"]
    assert server_cli(["migrate", *db]) == 0
    cmd = [sys.executable, "-m", "sync.server.cli", "create-user", "amina", "--role", "correspondent", "--region", "AFR",
           "--password-stdin", *db]
    done = subprocess.run(cmd, input="s3cret-from-stdin\n", capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    env = {**os.environ, "FIELDAPP_SERVER_PASSWORD": "s3cret-from-env"}
    done = subprocess.run(cmd[:4] + ["bruno", "--role", "viewer", "--region", "*", *db], capture_output=True, text=True, cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 0, done.stderr
    refused = subprocess.run(cmd[:4] + ["chen", "--role", "viewer", "--region", "*", *db], capture_output=True, text=True, cwd=ROOT,
                             stdin=subprocess.DEVNULL, timeout=60, env={k: v for k, v in os.environ.items()
                                                                        if k != "FIELDAPP_SERVER_PASSWORD"})
    assert refused.returncode != 0 and "--password-stdin" in refused.stderr  # no terminal, no silent hang
    from sync.server.accounts import Accounts
    from sync.server.db import make_engine

    engine = make_engine(db[1])
    accounts = Accounts(engine, Settings(db_url=db[1]))
    assert accounts.login("amina", "s3cret-from-stdin", "127.0.0.1") and accounts.login("bruno", "s3cret-from-env", "127.0.0.1")
    engine.dispose()


# ---------------------------------------------------------------- backup and restore
def _databases(kind: str, tmp: Path):
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'live.sqlite'}", f"sqlite:///{tmp / 'restored.sqlite'}", None
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("FIELDAPP_REQUIRE_PG=1 but FIELDAPP_TEST_PG_URL is not set")
        pytest.skip("PostgreSQL half skipped: set FIELDAPP_TEST_PG_URL")
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"fieldapp_bk_{secrets.token_hex(4)}" for _ in range(2)]
    with admin.connect() as conn:
        for n in names:
            conn.exec_driver_sql(f'CREATE DATABASE "{n}"')
    urls = [make_url(PG_URL).set(database=n).render_as_string(hide_password=False) for n in names]
    return urls[0], urls[1], (admin, names)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_backup_restores_the_records_accounts_and_attachments(tmp_path, kind):
    live, restored_url, cleanup = _databases(kind, tmp_path)
    try:
        _backup_round_trip(tmp_path, live, restored_url)
    finally:
        if cleanup:
            admin, names = cleanup
            with admin.connect() as conn:
                for n in names:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
            admin.dispose()


def _backup_round_trip(tmp: Path, live: str, restored_url: str) -> None:
    blobs, restored_blobs = tmp / "blobs", tmp / "restored-blobs"
    common = ["--db", live, "--blobs", str(blobs)]
    assert server_cli(["migrate", *common]) == 0
    env = {"FIELDAPP_SERVER_PASSWORD": "amina-pass-123"}
    assert subprocess.run([sys.executable, "-m", "sync.server.cli", "create-user", "amina", "--role", "correspondent",
                           "--region", "AFR", *common], env={**os.environ, **env}, cwd=ROOT, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=60).returncode == 0
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", *common, "--port", str(port), *FAST],
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "live.log", "wb"), cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, 60, tmp / "live.log")
        token = requests.post(f"{url}/v1/login", json={"username": "amina", "password": "amina-pass-123"}, timeout=30).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        data = os.urandom(3000)
        sha = hashlib.sha256(data).hexdigest()
        assert requests.put(f"{url}/v1/blobs/{sha}", data=data, headers=h | {"Content-Range": f"bytes 0-2999/3000"},
                            timeout=30).json()["complete"]
        device, pid = f"dev{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
        ops = [{"op_id": f"{device}:1", "entity": "practice", "row_id": pid, "kind": "upsert",
                "fields": practice(title="Zaï before the backup"), "base": {}, "hlc": now_hlc(device)},
               {"op_id": f"{device}:2", "entity": "practice_media", "row_id": str(uuid.uuid4()), "kind": "upsert",
                "fields": {"practice_id": pid, "sha256": sha, "file_name": "pit.jpg", "mime_type": "image/jpeg", "size": 3000},
                "base": {}, "hlc": now_hlc(device)}]
        reply = requests.post(f"{url}/v1/sync", json={"device": device, "cursor": None, "ops": ops}, headers=h, timeout=30).json()
        assert [r["status"] for r in reply["results"]] == ["applied", "applied"], reply["results"]
        # backup while the service runs
        done = subprocess.run([sys.executable, "-m", "sync.server.cli", "backup", str(tmp / "backup"), *common],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
    finally:
        stop_process(proc)
    assert oct((tmp / "backup").stat().st_mode & 0o777) == "0o700"
    # restore into another database and blob folder, as on a new machine
    target = ["--db", restored_url, "--blobs", str(restored_blobs)]
    done = subprocess.run([sys.executable, "-m", "sync.server.cli", "restore", str(tmp / "backup"), *target],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    again = subprocess.run([sys.executable, "-m", "sync.server.cli", "restore", str(tmp / "backup"), *target],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert again.returncode == 2 and "--force" in again.stderr  # never overwrites data by accident
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", *target, "--port", str(port), *FAST],
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "restored.log", "wb"), cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, 60, tmp / "restored.log")
        token = requests.post(f"{url}/v1/login", json={"username": "amina", "password": "amina-pass-123"}, timeout=30).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        reply = requests.post(f"{url}/v1/sync", json={"device": "fresh-laptop", "cursor": None, "ops": []}, headers=h,
                              timeout=30).json()
        titles = [c for c in reply["changes"] if c.get("entity") == "practice"]
        assert titles, reply
        got = requests.get(f"{url}/v1/blobs/{sha}", headers=h, timeout=30)
        assert got.status_code == 200 and got.content == data
    finally:
        stop_process(proc)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_serving_process_collects_garbage_rarely(tmp_path, monkeypatch, workers):
    """A first-sync page holds a hundred thousand containers until it is sent: with
    Python's collector thresholds the service walked them again and again (a quarter of
    its CPU for a 100 000-practice first sync). Each serving process, one worker or
    several, raises them before it serves."""
    import gc

    import uvicorn

    from sync.server import cli, logs

    seen: list[tuple[int, ...]] = []

    def run(app, **_kw):
        if isinstance(app, str):  # several workers: each builds its app with the factory
            cli.app_from_env()
        seen.append(gc.get_threshold())

    before, environment = gc.get_threshold(), dict(os.environ)  # several workers: serve exports its settings
    gc.set_threshold(700, 10, 10)
    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(logs, "configure", lambda *_a, **_k: None)  # the service's logging stays out of this process
    try:
        assert server_cli(["serve", "--db", f"sqlite:///{tmp_path / 'db.sqlite'}", "--blobs", str(tmp_path / "blobs"),
                           "--workers", str(workers), *FAST]) == 0
    finally:
        gc.set_threshold(*before)
        os.environ.clear()
        os.environ.update(environment)
    assert seen == [cli.SERVING_GC] and cli.SERVING_GC[0] >= 50 * 700
