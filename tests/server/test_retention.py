"""History with a retention, on SQLite and PostgreSQL: the op log keeps entries within
the retention, drops acknowledged ones past it and every one past the horizon; removals
past the horizon are purged and an older cursor is told to start again; administrators
read a row's per-field history."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from sync.protocol import parse_cursor
from sync.server import retention
from sync.server.tables import TABLES
from tests.server.conftest import practice

DAY = dt.timedelta(days=1)


def _age_ops(server, op_ids, days: float) -> None:
    then = retention._iso(dt.datetime.now(dt.timezone.utc) - days * DAY)
    ops = TABLES["ops"]
    with server.backend.engine.begin() as conn:
        conn.execute(update(ops).where(ops.c.op_id.in_(op_ids)).values(received_at=then))


def _op_ids(server) -> set[str]:
    with server.backend.engine.connect() as conn:
        return set(conn.execute(select(TABLES["ops"].c.op_id)).scalars())


def test_the_op_log_keeps_the_retention_and_drops_what_is_acknowledged_or_past_the_horizon(server):
    dev, gone = server.device(), server.device()
    recent, acked = dev.op("practice", fields=practice(title="Récent")), dev.op("practice", fields=practice(title="Vu"))
    lost = gone.op("practice", fields=practice(title="Appareil perdu"))
    dev.sync(recent, acked), gone.sync(lost)
    _age_ops(server, [acked["op_id"], lost["op_id"]], 120)  # both past the 90-day retention
    seen = TABLES["device_scopes"]
    with server.backend.engine.begin() as conn:  # `gone` last synced before its op was answered: not acknowledged
        conn.execute(update(seen).where(seen.c.device == gone.id).values(
            last_seen_at=retention._iso(dt.datetime.now(dt.timezone.utc) - 200 * DAY)))
    done = retention.compact(server.backend.engine, retention_days=90, horizon_days=365)
    assert done["ops_dropped"] == 1 and _op_ids(server) >= {recent["op_id"], lost["op_id"]}
    assert acked["op_id"] not in _op_ids(server)
    _age_ops(server, [lost["op_id"]], 400)  # past the horizon: dropped whatever its device did
    assert retention.compact(server.backend.engine, retention_days=90, horizon_days=365)["ops_dropped"] == 1
    assert lost["op_id"] not in _op_ids(server)
    with pytest.raises(ValueError):
        retention.compact(server.backend.engine, retention_days=90, horizon_days=30)


def test_removals_past_the_horizon_are_purged_and_an_older_cursor_starts_again(server):
    writer = server.device("correspondent", ("AFR", "EUR"))
    reader = server.device("correspondent", ("AFR",))
    row = writer.op("practice", fields=practice(title="Déménage"))
    writer.sync(row)
    reader.sync()
    old_cursor = reader.cursor
    versions = server.row("practice", row["row_id"])["field_versions"]
    writer.sync(writer.op("practice", row["row_id"], fields={"country": "FR"}, base={"country": versions["country"]}))
    feed = TABLES["feed"]
    with server.backend.engine.connect() as conn:
        removals = conn.execute(select(func.count()).select_from(feed).where(feed.c.kind == "removed")).scalar()
    assert removals == 1
    now = dt.datetime.now(dt.timezone.utc)
    retention.compact(server.backend.engine, now=now - 400 * DAY)  # a mark, long ago, at today's feed position
    done = retention.compact(server.backend.engine, now=now)
    assert done["removals_purged"] == 1 and done["purged_through"] > parse_cursor(old_cursor)[0]
    r = reader.post({"device": reader.id, "cursor": old_cursor})
    assert r.status_code == 409 and r.json()["error"] == "cursor_expired"
    fresh = reader.post({"device": reader.id, "cursor": None})
    assert fresh.status_code == 200 and row["row_id"] not in {c["id"] for c in fresh.json()["changes"]}


def test_administrators_read_who_changed_which_field_when(server):
    dev = server.device(name="author-1")
    admin = server.device("administrator", ("*",))
    row = dev.op("practice", fields=practice(title="Paillage"))
    dev.sync(row)
    versions = server.row("practice", row["row_id"])["field_versions"]
    dev.sync(dev.op("practice", row["row_id"], fields={"title": "Paillage de résidus"}, base={"title": versions["title"]}))
    r = server.client.get(f"/v1/admin/history/practice/{row['row_id']}", headers=admin.headers)
    assert r.status_code == 200, r.text
    history = r.json()["history"]
    assert [h["fields"].get("title") for h in history] == ["Paillage", "Paillage de résidus"]
    assert {h["user"] for h in history} == {"author-1"} and {h["device"] for h in history} == {dev.id}
    assert all(h["at"] for h in history)
    assert server.client.get(f"/v1/admin/history/practice/{row['row_id']}", headers=dev.headers).status_code == 403
