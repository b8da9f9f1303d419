"""Field laptops with wrong clocks (issue 21): a client 3 hours ahead, a day ahead, and
reset to 2000-01-01, against a real service with a right clock, next to a second client
whose clock is right. Every edit reaches the service exactly once, in order, with no
manual step; merges still hold; stamps and record dates come out right."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from sqlalchemy import create_engine, text

from fieldapp.core.hlc import Stamp
from fieldapp.core.store import Store
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import RetryPolicy, Transport
from tests.sync_client.conftest import USERS

HOUR = 3600 * 1000
Y2000 = int(dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
SKEWS = {"3 hours ahead": 3 * HOUR, "1 day ahead": 24 * HOUR, "reset to 2000-01-01": None}


def real_ms() -> int:
    return int(time.time() * 1000)


class Wall:
    """A computer's clock that is `skew` ms off (or started at 2000-01-01), settable."""

    def __init__(self, skew: int | None):
        self.skew = Y2000 - real_ms() if skew is None else skew

    def __call__(self) -> int:
        return real_ms() + self.skew


def connect(server, tmp_path, user: str, wall: Wall | None = None, folder: str | None = None):
    store = Store(tmp_path / (folder or user), author=user, wall=wall)
    transport = Transport(server.url, policy=RetryPolicy(attempts=3, base_delay=0.05, deadline=30))
    transport.login(user, USERS[user][2])
    return store, SyncEngine(store, transport, attachments=False)


def server_ops(server, store: Store) -> list[dict]:
    """What the service recorded of this device's ops, in op-counter order."""
    engine = create_engine(server.db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT op_id, result FROM ops WHERE op_id LIKE :p"), {"p": f"{store.device_id}:%"}).all()
    engine.dispose()
    out = [{"op_id": r.op_id, **(json.loads(r.result) if isinstance(r.result, str) else r.result)} for r in rows]
    return sorted(out, key=lambda r: int(r["op_id"].rsplit(":", 1)[1]))


def server_clocks(server, row_id: str) -> dict[str, str]:
    engine = create_engine(server.db)
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT field_clocks FROM practice WHERE id = :i"), {"i": row_id}).scalar()
    engine.dispose()
    return json.loads(raw) if isinstance(raw, str) else raw


def assert_exactly_once_in_order(server, store: Store) -> None:
    last = int(store.meta("op_counter") or 0)
    ops = server_ops(server, store)
    assert [o["op_id"] for o in ops] == [f"{store.device_id}:{i}" for i in range(1, last + 1)]
    assert all(o["status"] == "applied" for o in ops), ops
    positions = [max(o["versions"].values()) for o in ops]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)  # applied in the order typed


def assert_plausible(stamp_or_iso: str, slack_ms: int = 10 * 60 * 1000) -> None:
    if "T" in stamp_or_iso:
        millis = int(dt.datetime.fromisoformat(stamp_or_iso.replace("Z", "+00:00")).timestamp() * 1000)
    else:
        millis = Stamp.parse(stamp_or_iso).millis
    assert abs(millis - real_ms()) < slack_ms, (stamp_or_iso, dt.datetime.fromtimestamp(millis / 1000, dt.timezone.utc))


@pytest.mark.parametrize("skew", list(SKEWS.values()), ids=list(SKEWS))
def test_every_edit_of_a_wrong_clock_reaches_the_service_once_in_order(server, tmp_path, skew):
    wall = Wall(skew)
    a, sa = connect(server, tmp_path, "amina", wall)
    b, sb = connect(server, tmp_path, "bruno")
    # offline, before the client ever heard the service's time
    pid = a.insert("practice", {"title": "Zaï v1", "family": "land_restoration", "country": "BF"})
    assert not Stamp.parse(a.outbox()[0]["hlc"]).millis - wall() > 1000  # stamped with the wrong clock
    a.update("practice", pid, {"summary": "Poquets"})
    first = sa.sync()
    assert first.ok and first.rejected == 0 and first.waiting == 0 and a.pending_count() == 0, first
    a.update("practice", pid, {"title": "Zaï v2"})
    other = a.insert("practice", {"title": "Demi-lunes", "family": "land_restoration", "country": "BF"})
    second = sa.sync()
    assert second.ok and second.applied == 2 and a.unsynced_count() == 0, second
    assert abs(a.time.offset_ms + wall.skew) < 5000  # the service's time is known
    assert_exactly_once_in_order(server, a)
    for stamp in server_clocks(server, pid).values():
        assert_plausible(stamp)
    for row in (a.get("practice", pid), a.get("practice", other)):
        assert_plausible(row["created_at"]) and assert_plausible(row["updated_at"])  # dates a person reads
    assert sb.sync().ok
    assert b.get("practice", pid)["title"] == "Zaï v2" and b.get("practice", pid)["summary"] == "Poquets"
    assert b.get("practice", other)["title"] == "Demi-lunes"


def test_the_issue_sequence_clock_ahead_then_corrected(server, tmp_path):
    """The edit made 3 h ahead, the clock corrected, a new edit: both reach the service
    at the next sync (the hybrid clock comes back at once, not 3 hours later)."""
    wall = Wall(3 * HOUR)
    a, sa = connect(server, tmp_path, "amina", wall, "issue")
    pid = a.insert("practice", {"title": "Paillage", "family": "soil_cover", "country": "SN"})
    wall.skew = 0  # someone set the date and time right
    a.update("practice", pid, {"summary": "Résidus laissés au sol"})
    assert Stamp.parse(a.outbox()[-1]["hlc"]).millis > real_ms() + 2 * HOUR  # the clock alone never comes back
    result = sa.sync()
    assert result.ok and result.applied == 1 and a.unsynced_count() == 0, result  # both edits, folded in one op
    assert Stamp.parse(a.clock.last).millis < real_ms() + 60_000
    a.update("practice", pid, {"title": "Paillage des parcelles"})
    assert sa.sync().applied == 1
    assert_exactly_once_in_order(server, a)
    assert {"title", "summary"} <= set(server_clocks(server, pid))


def test_changes_an_older_version_set_aside_for_the_clock_are_sent(server, tmp_path):
    """Before this fix a clock_ahead refusal left the op `rejected` for ever: such ops in
    an existing database go again by themselves."""
    a, sa = connect(server, tmp_path, "amina", Wall(3 * HOUR), "legacy")
    pid = a.insert("practice", {"title": "Bocage", "family": "agroforestry", "country": "NE"})
    with a.transaction() as tx:
        tx.conn.execute(text("UPDATE outbox SET state = 'rejected', sent_at = '2026-01-01T00:00:00Z', "
                          "error = 'clock_ahead: the device''s clock is ahead'"))
    result = sa.sync()
    assert result.ok and result.applied == 1 and a.unsynced_count() == 0, result
    assert_plausible(server_clocks(server, pid)["title"])


def test_changes_refused_for_their_clock_are_restamped_and_resent(server, tmp_path):
    """A client that did not yet know the service's time sent edits a day ahead; the
    service refused them as clock_ahead. The next sync repairs the stamps (in order)
    and the service takes them, with nobody doing anything."""
    wall = Wall(24 * HOUR)
    a, _ = connect(server, tmp_path, "amina", wall, "refused")
    deaf = Transport(server.url, on_server_time=lambda *_: None)  # hears no time: an older client
    deaf.login("amina", USERS["amina"][2])
    ids = [a.insert("practice", {"title": f"Haie {i}", "family": "agroforestry", "country": "ML"}) for i in range(3)]
    refused = SyncEngine(a, deaf, attachments=False).sync()
    assert refused.ok and refused.applied == 0 and a.unsynced_count() == 3
    assert {op["state"] for op in a.outbox()} == {"waiting"} and a.rejected() == []  # not in Needs attention
    before = [op["hlc"] for op in a.outbox()]
    healthy = Transport(server.url)
    healthy.token = deaf.token
    result = SyncEngine(a, healthy, attachments=False).sync()
    assert result.ok and result.applied == 3 and a.unsynced_count() == 0, result
    assert_exactly_once_in_order(server, a)
    stamps = [server_clocks(server, pid)["title"] for pid in ids]
    assert stamps == sorted(stamps) and stamps != before  # re-stamped, order kept
    for stamp in stamps:
        assert_plausible(stamp)


@pytest.mark.parametrize("skew", [24 * HOUR, None], ids=["1 day ahead", "reset to 2000-01-01"])
def test_merge_rules_hold_against_a_client_with_a_right_clock(server, tmp_path, skew):
    a, sa = connect(server, tmp_path, "amina", Wall(skew), "merge-a")
    b, sb = connect(server, tmp_path, "bruno", None, "merge-b")
    pid = a.insert("practice", {"title": "Compost", "family": "organic_amendments", "country": "BF"})
    assert sa.sync().ok and sb.sync().ok
    # different fields: both merge
    a.update("practice", pid, {"summary": "Fosses fumières"})
    b.update("practice", pid, {"location": "Yatenga"})
    assert sa.sync().conflicts == 0 and sb.sync().conflicts == 0 and sa.sync().ok
    for store in (a, b):
        row = store.get("practice", pid)
        assert (row["summary"], row["location"]) == ("Fosses fumières", "Yatenga")
    # the same field: a conflict keeping both values; the later edit (b's) is provisional
    a.update("practice", pid, {"title": "Compost en fosse"})
    time.sleep(0.05)
    b.update("practice", pid, {"title": "Compostage"})
    assert sa.sync().ok and sb.sync().conflicts == 1 and sa.sync().ok
    for store in (a, b):
        [conflict] = store.conflicts(row_id=pid)
        assert sorted(s["value"] for s in conflict["sides"]) == ["Compost en fosse", "Compostage"]
        for side in conflict["sides"]:
            assert_plausible(side["hlc"])
        assert store.get("practice", pid)["title"] == "Compostage"  # latest in real time, not in a wrong clock's time
