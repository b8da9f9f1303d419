"""The attacker's view of the service: several users in several regions, on SQLite and on
PostgreSQL (the backends of tests/server/conftest.py: PostgreSQL when
FIELDAPP_TEST_PG_URL is set, mandatory with FIELDAPP_REQUIRE_PG=1).

`world` is one service holding, for each of two regions (AFR, EUR), a practice, an
organisation with a contact (email and phone), an attachment with its bytes, and the
people who work there: a correspondent, a reviewer, a facilitator and a viewer per
region, one correspondent of Asia who sees neither, and an administrator. Every secret
value of a region carries its region's marker, so a test can search any answer for a
leak of the other region with one substring check.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.server.conftest import Device, Server, backend, pg_url, practice, server  # noqa: F401 (fixtures)

COUNTRY = {"AFR": "BF", "EUR": "FR", "ASI": "IN"}
ROLES_IN_REGION = ("correspondent", "reviewer", "facilitator", "viewer")


def marker(region: str) -> str:
    """Text only rows of `region` hold."""
    return f"secret-of-{region.lower()}"


def upload(server: Server, dev: Device, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    r = server.client.put(f"/v1/blobs/{sha}", content=data, headers=dev.headers)
    assert r.status_code == 200 and r.json()["complete"], r.text
    return sha


@dataclass
class Region:
    code: str
    practice: str
    organisation: str
    contact: str
    media: str
    sha: str
    blob: bytes
    versions: dict[str, int] = field(default_factory=dict)


@dataclass
class World:
    server: Server
    admin: Device
    regions: dict[str, Region]
    people: dict[tuple[str, str], Device]  # (role, region) -> a device of that person

    def dev(self, role: str, region: str) -> Device:
        return self.people[(role, region)]

    def fresh(self, role: str, region: str) -> Device:
        """A new device of the same person, with no cursor (an initial sync to come)."""
        person = self.people[(role, region)]
        return self.server.device(name=person.user, initial_sync=False)


def leaks(answer: Any, region: str) -> bool:
    """Does `answer` (a JSON body, bytes or text) hold anything of `region`'s rows?"""
    text = answer if isinstance(answer, str) else answer.decode("utf-8", "replace") if isinstance(answer, bytes) \
        else json.dumps(answer, ensure_ascii=False)
    return marker(region) in text


@pytest.fixture
def world(server) -> World:
    admin = server.device("administrator", ("*",), name="root")
    regions: dict[str, Region] = {}
    for code in ("AFR", "EUR"):
        secret = marker(code)
        pid, oid, cid, mid = (str(uuid.uuid4()) for _ in range(4))
        blob = f"photo bytes {secret}".encode()
        sha = upload(server, admin, blob)
        country = COUNTRY[code]
        reply = admin.sync(
            admin.op("practice", pid, fields=practice(title=f"Practice {secret}", country=country)),
            admin.op("organisation", oid, fields={"name": f"Org {secret}", "org_type": "ngo", "country": country}),
            admin.op("contact", cid, fields={"full_name": f"Contact {secret}", "organisation_id": oid,
                                             "email": f"{secret}@example.org", "phone": "+33 1 23 45 67 89",
                                             "country": country}),
            admin.op("practice_media", mid, fields={"practice_id": pid, "sha256": sha, "file_name": f"{secret}.jpg",
                                                    "mime_type": "image/jpeg", "size": len(blob)}),
        )
        assert [r["status"] for r in reply["results"]] == ["applied"] * 4, reply["results"]
        regions[code] = Region(code, pid, oid, cid, mid, sha, blob, dict(server.row("practice", pid)["field_versions"]))
    people = {(role, code): server.device(role, (code,), name=f"{role}-{code.lower()}")
              for role in ROLES_IN_REGION for code in ("AFR", "EUR")}
    people[("correspondent", "ASI")] = server.device("correspondent", ("ASI",), name="correspondent-asi")
    people[("administrator", "*")] = admin
    return World(server, admin, regions, people)


# ----------------------------------------------------------------- real HTTP, real clients
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live(server):
    """The `server` fixture's service over real HTTP on 127.0.0.1 (uvicorn in a thread,
    stopped at the end of the test): the desktop client's sync engine talks to it."""
    import threading
    import time

    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(server.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the service did not start"
        time.sleep(0.02)
    server.url = f"http://127.0.0.1:{port}"
    yield server
    srv.should_exit = True
    thread.join(15)


@pytest.fixture
def desktop(live, make_store):
    """desktop(user, folder=None) -> (store, engine): a desktop client of `user` (created
    as an AFR correspondent when new) syncing with the live service."""
    from fieldapp.sync_client.engine import SyncEngine
    from fieldapp.sync_client.transport import RetryPolicy, Transport
    from tests.server.conftest import PASSWORD

    def make(user: str, folder: str | None = None, regions: tuple[str, ...] = ("AFR",)):
        if user not in live.users:
            live.user("correspondent", regions, name=user)
        store = make_store(folder or user, author=user)
        transport = Transport(live.url, policy=RetryPolicy(attempts=2, base_delay=0.05, deadline=30))
        transport.login(user, PASSWORD)
        return store, SyncEngine(store, transport)

    return make


def backup_tables(engine) -> dict[str, list[dict]]:
    """A logical backup of the whole service database (every table, every row)."""
    from sqlalchemy import select

    from sync.server.tables import METADATA

    with engine.connect() as conn:
        return {t.name: [dict(r) for r in conn.execute(select(t)).mappings()] for t in METADATA.sorted_tables}


def restore_tables(engine, backup: dict[str, list[dict]]) -> None:
    """Put the backup back as it was (whatever was written since is gone), then record
    the restore as `fieldapp-server restore` does."""
    from sync.server.storage import Storage

    handed_out = Storage(engine).feed_position()
    from sqlalchemy import insert

    from sync.server.db import write_conn
    from sync.server.tables import METADATA, TABLES

    with write_conn(engine) as conn, conn.begin():
        for t in reversed(METADATA.sorted_tables):
            conn.execute(t.delete())
        for name, rows in backup.items():
            if rows:
                conn.execute(insert(TABLES[name]), rows)
    Storage(engine).mark_restored(handed_out)
