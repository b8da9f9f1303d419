"""Item 1: operation ids are deduplicated per (authenticated user, device, op id)."""
from __future__ import annotations

import json
import uuid

from sqlalchemy import select, text

from sync.server.db import migrate, write_conn
from sync.server.tables import TABLES
from tests.security.conftest import leaks, marker, upload
from tests.server.conftest import Device, now_hlc, practice


def _as(world, role, region, device_id: str) -> Device:
    """The person's token, but ops stamped with another device id (anyone can read one
    in a clock stamp)."""
    person = world.dev(role, region)
    return Device(world.server, person.token, device_id, person.user)


def test_another_users_op_id_is_not_a_duplicate_and_reveals_nothing(world):
    admin = world.admin
    spoof = _as(world, "correspondent", "AFR", admin.id)
    rid = str(uuid.uuid4())
    op = {"op_id": f"{admin.id}:3", "entity": "practice", "row_id": rid, "kind": "upsert",
          "fields": practice(title="Mine"), "base": {}, "hlc": now_hlc(admin.id)}
    result = spoof.sync(op)["results"][0]
    assert result["status"] == "applied" and not leaks(result, "EUR")
    assert world.server.row("practice", rid)["title"] == "Mine"


def test_same_id_same_content_is_a_duplicate_other_content_is_refused(world):
    server = world.server
    dev = world.dev("correspondent", "AFR")
    rid = str(uuid.uuid4())
    op = dev.op("practice", rid, fields=practice(title="Once"))
    first = dev.sync(op)["results"][0]
    again = dev.sync(op)["results"][0]
    assert first["status"] == "applied" and again["status"] == "duplicate"
    assert (again["versions"], again["values"]) == (first["versions"], first["values"])
    other = dict(op, row_id=str(uuid.uuid4()), fields=practice(title="Another change"))
    refused = dev.sync(other)["results"][0]
    assert refused["status"] == "rejected" and refused["reason"].startswith("op_id_reused:"), refused
    assert server.row("practice", other["row_id"]) is None  # refused, not applied ...
    assert server.storage.row("practice", rid)["title"] == "Once"  # ... and nothing overwritten
    # the same content sent again under a fresh id goes through
    assert dev.sync(dict(other, op_id=f"{dev.id}:{10**9}"))["results"][0]["status"] == "applied"


def test_a_duplicate_answer_is_emptied_once_the_row_left_the_senders_scope(world):
    server, admin = world.server, world.admin
    dev = world.dev("correspondent", "AFR")
    rid = str(uuid.uuid4())
    op = dev.op("practice", rid, fields=practice(title=f"Moved {marker('EUR')}"))
    assert dev.sync(op)["results"][0]["status"] == "applied"
    v = server.row("practice", rid)["field_versions"]
    admin.sync(admin.op("practice", rid, fields={"country": "FR"}, base={"country": v["country"]}))
    assert server.row("practice", rid)["scope_region"] == "EUR"
    again = dev.sync(op)["results"][0]
    assert again["status"] == "duplicate" and again["values"] == {} and again["versions"] == {}
    assert not leaks(again, "EUR")


def test_migration_keeps_every_logged_op_and_their_dedup(server):
    """A database of revision s0002 (ops keyed by op_id alone, no blob holders) upgrades
    without loss: every logged op keeps its user and result and gains its device; whoever
    uploaded a blob holds it."""
    engine = server.backend.engine
    dev = server.device()
    rid = str(uuid.uuid4())
    op = dev.op("practice", rid, fields=practice(title="Logged before the upgrade"))
    assert dev.sync(op)["results"][0]["status"] == "applied"
    sha = upload(server, dev, b"uploaded before the upgrade")
    ops = TABLES["ops"]
    with engine.connect() as conn:
        logged = [dict(r) for r in conn.execute(select(ops)).mappings()]
    assert len(logged) == 1
    with write_conn(engine) as conn, conn.begin():  # the tables as revision s0002 left them
        conn.exec_driver_sql("DROP TABLE ops")
        conn.exec_driver_sql("CREATE TABLE ops (op_id VARCHAR(140) NOT NULL PRIMARY KEY, user_id INTEGER NOT NULL, "
                             "received_at VARCHAR(40) NOT NULL, result JSON NOT NULL)")
        conn.execute(text("INSERT INTO ops (op_id, user_id, received_at, result) VALUES (:o, :u, :r, :res)"),
                     [{"o": r["op_id"], "u": r["user_id"], "r": r["received_at"], "res": json.dumps(r["result"])}
                      for r in logged])
        conn.exec_driver_sql("DROP TABLE blob_holders")
        conn.exec_driver_sql("UPDATE alembic_version_server SET version_num = 's0002'")
    assert migrate(engine) == ("s0002", "s0003")
    with engine.connect() as conn:
        after = [dict(r) for r in conn.execute(select(ops)).mappings()]
        holders = [tuple(r) for r in conn.execute(select(TABLES["blob_holders"].c.sha256, TABLES["blob_holders"].c.user_id))]
    assert [(r["user_id"], r["device"], r["op_id"], r["result"]) for r in after] == \
        [(r["user_id"], dev.id, r["op_id"], r["result"]) for r in logged]
    assert holders == [(sha, logged[0]["user_id"])]
    assert dev.sync(op)["results"][0]["status"] == "duplicate"  # still deduplicated after the upgrade
    assert server.client.get(f"/v1/blobs/{sha}", headers=dev.headers).status_code == 200
