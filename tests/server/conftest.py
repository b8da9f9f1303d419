"""Fixtures of the service's tests: every test runs on SQLite and on PostgreSQL.

PostgreSQL is used when FIELDAPP_TEST_PG_URL is set (a URL whose database part is ignored:
a fresh database `fieldapp_t_<random>` is created through the `postgres` database for the
session and dropped at the end, so runs never collide). With FIELDAPP_REQUIRE_PG=1 an
unreachable server fails the run; otherwise only the PostgreSQL half is skipped, saying why.
Between tests the database is emptied and the reference data put back from a snapshot
(much faster than migrating a new database per test).
"""
from __future__ import annotations

import itertools
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from sync.server.db import make_engine, migrate, write_conn
from sync.server.settings import Settings
from sync.server.storage import Storage
from sync.server.tables import METADATA, TABLES

PG_URL = os.environ.get("FIELDAPP_TEST_PG_URL")
REQUIRE_PG = os.environ.get("FIELDAPP_REQUIRE_PG") == "1"
PASSWORD = "correct horse battery"
REGIONS = ("AFR", "EUR")  # in-scope / out-of-scope region for scoped users


def fast_settings(db_url: str, blob_dir: Path, **kw: Any) -> Settings:
    """Settings with cheap password hashing and no login delay, so tests stay fast."""
    base = dict(db_url=db_url, blob_dir=blob_dir, argon_time_cost=1, argon_memory_kib=1024, argon_parallelism=1,
                login_failure_delay_s=0.0, log_requests=False)
    return Settings(**(base | kw))


@pytest.fixture(scope="session")
def pg_url() -> Any:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("FIELDAPP_REQUIRE_PG=1 but FIELDAPP_TEST_PG_URL is not set")
        pytest.skip("PostgreSQL half skipped: set FIELDAPP_TEST_PG_URL=postgresql+psycopg://user@host:port/db to run it")
    admin_url = make_url(PG_URL).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"fieldapp_t_{secrets.token_hex(5)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        admin.dispose()
        if REQUIRE_PG:
            pytest.fail(f"FIELDAPP_REQUIRE_PG=1 but PostgreSQL at {admin_url.render_as_string(hide_password=True)} "
                        f"is unreachable: {exc.orig}")
        pytest.skip(f"PostgreSQL half skipped: {admin_url.render_as_string(hide_password=True)} unreachable ({exc.orig})")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@dataclass
class Backend:
    name: str
    url: str
    engine: Any
    snapshot: dict[str, list[dict]]
    tmp: Path

    def reset(self) -> None:
        """Empty every table, then put back the migrated, reference-seeded state."""
        with write_conn(self.engine) as conn, conn.begin():
            for t in reversed(METADATA.sorted_tables):
                conn.execute(t.delete())
            for name, rows in self.snapshot.items():
                if rows:
                    conn.execute(insert(TABLES[name]), rows)


def _prepare(name: str, url: str, tmp: Path) -> Backend:
    engine = make_engine(url)
    migrate(engine)
    Storage(engine).seed_reference()
    with engine.connect() as conn:
        snapshot = {n: [dict(r) for r in conn.execute(select(TABLES[n])).mappings()]
                    for n in ("reference", "feed", "feed_counter")}
    return Backend(name, url, engine, snapshot, tmp)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request, tmp_path_factory) -> Any:
    tmp = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'server.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url")
    b = _prepare(request.param, url, tmp)
    yield b
    b.engine.dispose()


@pytest.fixture
def server(backend, tmp_path):
    """A fresh service on the backend: `.client` (TestClient), `.user(role, regions)`."""
    from fastapi.testclient import TestClient

    from sync.server.app import create_app

    backend.reset()
    settings = fast_settings(backend.url, tmp_path / "blobs")
    app = create_app(settings, engine=backend.engine)
    with TestClient(app) as client:
        yield Server(app, client, backend, settings)


_counter = itertools.count(1)


def now_hlc(device: str, ahead_ms: int = 0) -> str:
    return f"{int(time.time() * 1000) + ahead_ms:013d}:{next(_counter) % 100000:05d}:{device}"


@dataclass
class Device:
    """A client device as the protocol sees it: a token, an id, an op counter, a cursor."""

    server: "Server"
    token: str
    id: str
    user: str
    cursor: str | None = None
    seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def op(self, entity: str, row_id: str | None = None, kind: str = "upsert", fields: dict | None = None,
           base: dict | None = None, hlc: str | None = None) -> dict:
        return {"op_id": f"{self.id}:{next(self.seq)}", "entity": entity, "row_id": row_id or str(uuid.uuid4()),
                "kind": kind, "fields": fields or {}, "base": base or {}, "hlc": hlc or now_hlc(self.id)}

    def post(self, body: dict) -> Any:
        return self.server.client.post("/v1/sync", json=body, headers=self.headers)

    def sync(self, *ops: dict, follow: bool = True, **extra: Any) -> dict:
        """Send ops; keep pulling while `more`. Returns the first reply with every page's
        changes and conflicts appended."""
        body = {"device": self.id, "cursor": self.cursor, "ops": list(ops), **extra}
        r = self.post(body)
        assert r.status_code == 200, r.text
        reply = r.json()
        self.cursor = reply["cursor"]
        while follow and reply["more"]:
            r = self.post({"device": self.id, "cursor": self.cursor, **extra})
            assert r.status_code == 200, r.text
            page = r.json()
            reply["changes"] += page["changes"]
            reply["conflicts"] += page["conflicts"]
            reply["more"] = page["more"]
            self.cursor = reply["cursor"] = page["cursor"]
        return reply


@dataclass
class Server:
    app: Any
    client: Any
    backend: Backend
    settings: Settings
    users: dict[str, Any] = field(default_factory=dict)

    @property
    def storage(self) -> Storage:
        return self.app.state.services.storage

    @property
    def accounts(self):
        return self.app.state.services.accounts

    def user(self, role: str, regions: tuple[str, ...] = ("AFR",), name: str | None = None) -> str:
        name = name or f"{role}-{len(self.users)}"
        self.accounts.create_user(name, PASSWORD, role, list(regions))
        self.users[name] = role
        return name

    def login(self, name: str) -> str:
        r = self.client.post("/v1/login", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return r.json()["token"]

    def device(self, role: str = "correspondent", regions: tuple[str, ...] = ("AFR",), name: str | None = None,
               initial_sync: bool = True) -> Device:
        name = self.user(role, regions, name) if name is None or name not in self.users else name
        dev = Device(self, self.login(name), f"dev{uuid.uuid4().hex[:8]}", name)
        if initial_sync:
            dev.sync()
        return dev

    def row(self, entity: str, row_id: str) -> dict | None:
        return self.storage.row(entity, row_id)

    def counts(self) -> dict[str, int]:
        """Rows per table: 'nothing changed' checks compare these."""
        from sqlalchemy import func

        with self.backend.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in METADATA.sorted_tables
                    if t.name not in ("login_failures",)}


def practice(**kw: Any) -> dict:
    """Fields of a valid practice in Sub-Saharan Africa (Burkina Faso)."""
    return {"title": "Zaï pits", "family": "agroforestry", "country": "BF"} | kw

