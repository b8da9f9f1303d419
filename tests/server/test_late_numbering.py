"""Feed positions are numbered at the end of a write (storage._number, PostgreSQL): a
batch holds the feed counter's lock only for that short step, so another batch runs
and commits while the first is still applying its ops; the numbers every part of a
write holds (feed entries, row versions, results, conflicts, the op log) stay the same
numbers. And the sync reply is the same JSON whether its changes were encoded at once
or spliced from the feed reader's cache (reply_json.py)."""
from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from sync.protocol import Op
from sync.server.principal import Principal
from sync.server.reply_json import Changes, dumps, encode_reply
from sync.server.storage import PROVISIONAL, Storage
from sync.server.tables import TABLES
from tests.server.conftest import now_hlc, practice

WRITER = Principal(1, "writer", "administrator", ("*",))


def _op(device: str, n: int, row_id: str | None = None, **fields) -> Op:
    return Op(op_id=f"{device}:{n}", entity="practice", row_id=row_id or str(uuid.uuid4()), kind="upsert",
              fields=practice(**fields), base={}, hlc=now_hlc(device))


# PostgreSQL only: SQLite has one writer at a time, its batches lock the counter first
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_batch_commits_while_another_is_still_applying(server, monkeypatch):
    storage = Storage(server.backend.engine)
    original = Storage._apply
    first_inside, second_done = threading.Event(), threading.Event()

    def held_apply(self, ctx, now_ms):
        result = original(self, ctx, now_ms)
        if ctx.op.device == "slow":
            first_inside.set()
            # The counter lock held for the whole transaction made the other batch wait
            # for this one: both stuck until this wait gave up.
            second_done.wait(timeout=20)
        return result

    monkeypatch.setattr(Storage, "_apply", held_apply)
    out: dict[str, list] = {}
    slow = threading.Thread(target=lambda: out.setdefault("slow", storage.apply_ops(WRITER, [_op("slow", 1)])))
    slow.start()
    assert first_inside.wait(timeout=20)
    out["fast"] = storage.apply_ops(WRITER, [_op("fast", 1)])
    finished_while_held = not out.get("slow")
    second_done.set()
    slow.join(timeout=30)
    assert finished_while_held, "the second batch waited for the first to commit"
    assert out["slow"][0]["status"] == out["fast"][0]["status"] == "applied"
    # committed last, numbered last: a reader at the fast one's position still gets the slow one
    assert out["slow"][0]["versions"]["_row"] > out["fast"][0]["versions"]["_row"]


def test_every_part_of_a_write_holds_the_same_real_positions(server):
    storage = Storage(server.backend.engine)
    before = storage.feed_position()
    row_id = str(uuid.uuid4())
    # a new row, then edited twice in the same batch, and a second new row
    ops = [_op("dev", 1, row_id, title="one"), _op("dev", 2, row_id, title="two"), _op("dev", 3, row_id, title="three"),
           _op("dev", 4)]
    results = storage.apply_ops(WRITER, ops)
    assert [r["status"] for r in results] == ["applied"] * 4
    top = storage.feed_position()
    with server.backend.engine.connect() as conn:
        row = conn.execute(select(TABLES["practice"]).where(TABLES["practice"].c.id == row_id)).mappings().one()
        feed = conn.execute(select(TABLES["feed"]).where(TABLES["feed"].c.pos > before)).mappings().all()
        logged = conn.execute(select(TABLES["ops"].c.op_id, TABLES["ops"].c.result)
                              .where(TABLES["ops"].c.device == "dev")).all()
    versions = dict(row["field_versions"])
    assert all(before < v <= top < PROVISIONAL for v in versions.values())
    assert row["row_version"] == versions["_row"] == results[2]["versions"]["_row"]
    assert row["scope_since"] == results[0]["versions"]["_row"]
    assert versions["title"] == results[2]["versions"]["title"]
    assert {f["row_id"]: f["pos"] for f in feed if f["kind"] == "change"}[row_id] == row["row_version"]
    assert sorted(f["pos"] for f in feed) == sorted({f["pos"] for f in feed}) and max(f["pos"] for f in feed) <= top
    assert {op_id: r["versions"] for op_id, r in logged} == {r["op_id"]: r["versions"] for r in results}


def test_conflicts_opened_in_a_batch_hold_real_positions(server):
    storage = Storage(server.backend.engine)
    row_id = str(uuid.uuid4())
    storage.apply_ops(WRITER, [_op("a", 1, row_id, title="a's")])
    before = storage.feed_position()
    # another device, not having seen a's title: a conflict opened, then a second side added
    batch = [Op(op_id=f"b:{n}", entity="practice", row_id=row_id, kind="upsert", fields={"title": title}, base={},
                hlc=now_hlc("b")) for n, title in ((1, "b's"), (2, "b's again"))]
    assert [r["status"] for r in storage.apply_ops(WRITER, batch)] == ["conflict", "conflict"]
    top = storage.feed_position()
    with server.backend.engine.connect() as conn:
        conflicts = conn.execute(select(TABLES["conflicts"])).mappings().all()
    assert len(conflicts) == 1
    assert before < conflicts[0]["pos"] <= top
    assert all(s.get("version") is None or s["version"] <= top for s in conflicts[0]["sides"])
    page = storage.changes(WRITER, "reader", before)
    assert [c["id"] for c in page["conflicts"]] == [conflicts[0]["id"]]


def test_a_spliced_reply_is_the_reply_encoded_at_once():
    change = {"op": "upsert", "id": "x", "fields": {"title": "Pratique née à Ségou", "n": 1.5}, "deleted": False}
    other = {"op": "removed", "id": "y", "pos": 3}
    payload = {"results": [], "changes": Changes([change, other], [dumps(change), None]), "cursor": "3.e", "more": False}
    plain = {**payload, "changes": [change, other]}
    assert encode_reply(payload) == json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
    with pytest.raises(ValueError):
        encode_reply({"changes": Changes([{"v": float("nan")}], [None])})  # strict JSON still


def test_two_batches_creating_one_id_at_once_merge(server, monkeypatch):
    """Without the counter held throughout, both batches find the id free; the second's
    insert fails on the primary key once the first commits, and it is run again, merging
    into the row (never a refusal, never two rows)."""
    storage = Storage(server.backend.engine)
    original = Storage._apply
    first_inside = threading.Event()

    def held_apply(self, ctx, now_ms):
        result = original(self, ctx, now_ms)
        if ctx.op.device == "slow":
            first_inside.set()
            time.sleep(0.5)  # the other batch starts meanwhile
        return result

    monkeypatch.setattr(Storage, "_apply", held_apply)
    row_id = str(uuid.uuid4())
    out: dict[str, list] = {}
    slow = threading.Thread(target=lambda: out.setdefault(
        "slow", storage.apply_ops(WRITER, [_op("slow", 1, row_id, title="slow", farmers=1)])))
    slow.start()
    assert first_inside.wait(timeout=20)
    out["fast"] = storage.apply_ops(WRITER, [_op("fast", 1, row_id, title="fast", farmers=2)])
    slow.join(timeout=30)
    # whichever inserted first created it; the other merged into it
    assert {out["slow"][0]["status"], out["fast"][0]["status"]} <= {"applied", "conflict"}
    with server.backend.engine.connect() as conn:
        feed = conn.execute(select(TABLES["feed"]).where(TABLES["feed"].c.row_id == row_id,
                                                         TABLES["feed"].c.kind == "change")).all()
        row = conn.execute(select(TABLES["practice"]).where(TABLES["practice"].c.id == row_id)).mappings().one()
    assert len(feed) == 1 and feed[0].pos == row["row_version"]


def test_a_reader_gets_every_row_when_the_row_cache_overflows_mid_page(server):
    """The second reader of a feed larger than the row cache lost rows: reading the rows the
    cache lacked evicted rows it had just been found to hold, and those were skipped as
    "gone" (bench/sync.py: 381 of 10 000 practices missing on the second client)."""
    from sync.server.row_cache import Bounded

    readers = [server.device("correspondent", ("AFR",)) for _ in range(3)]  # in sync before the writes
    writer = server.device("correspondent", ("AFR",))
    ops = [writer.op("organisation", fields={"name": f"Coopérative {i}", "country": "SN", "org_type": "ngo"})
           for i in range(40)]
    writer.sync(*ops)
    storage = server.storage
    storage._rows, storage._whole = Bounded(25), Bounded(25)  # smaller than what the readers fetch
    wanted = {op["row_id"] for op in ops}
    for n, reader in enumerate(readers):  # the first fills the cache, the next ones read through it
        got = {c["id"] for c in reader.sync()["changes"] if c["entity"] == "organisation"}
        assert got == wanted, (n, len(wanted - got))


def test_a_first_sync_leaves_the_cache_to_the_rows_written_last(server):
    """A first sync reads the whole feed once: its old rows do not enter the row caches
    (they would push out the rows every device in sync asks for), the feed's last
    CACHED_ROWS positions do, and the reader gets every row either way."""
    from sync.server.row_cache import Bounded

    writer = server.device("correspondent", ("AFR",))
    ops = [writer.op("organisation", fields={"name": f"Coopérative {i}", "country": "SN", "org_type": "ngo"})
           for i in range(60)]
    for i in range(0, 60, 10):
        writer.sync(*ops[i:i + 10])
    storage = server.storage
    storage.CACHED_ROWS = 20
    storage._rows, storage._whole = Bounded(20), Bounded(20)
    with server.backend.engine.connect() as conn:
        feed = TABLES["feed"]
        top = conn.execute(select(feed.c.pos).order_by(feed.c.pos.desc()).limit(1)).scalar()
        hot = set(conn.execute(select(feed.c.row_id).where(feed.c.pos > top - 20)).scalars())
    newcomer = server.device("correspondent", ("AFR",), initial_sync=False)
    got = {c["id"] for c in newcomer.sync(limit=15)["changes"] if c["entity"] == "organisation"}
    assert got == {op["row_id"] for op in ops}
    cached = {key[1] for key in storage._rows._items}
    whole = {key[0][1] for key in storage._whole._items}
    assert cached and cached <= hot and whole and whole <= hot
    assert {op["row_id"] for op in ops[-10:]} <= cached  # the last batch written: in the cache
