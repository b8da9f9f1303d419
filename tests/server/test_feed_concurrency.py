"""The change feed never skips (DESIGN.md sync rule 5): concurrent writers whose
transactions commit in a different order than they began, and readers polling the feed
all the while; every change must reach every reader exactly once.

Each write transaction is slowed at random between its operations, so a transaction that
began first often commits last: the classic case where a plain sequence skips a row.
"""
from __future__ import annotations

import random
import threading
import time
import uuid

from sync.protocol import Op, parse_cursor
from sync.server.principal import Principal
from sync.server.storage import Storage
from tests.server.conftest import now_hlc, practice

WRITERS, BATCHES, READERS = 4, 25, 3


def test_each_change_reaches_each_reader_exactly_once(server, monkeypatch):
    storage = Storage(server.backend.engine, page_size=7)  # small pages: many cursor moves
    original = Storage._apply

    def slow_apply(self, ctx, now_ms):
        result = original(self, ctx, now_ms)
        time.sleep(random.random() * 0.004)  # inside the open transaction
        return result

    monkeypatch.setattr(Storage, "_apply", slow_apply)
    writer = Principal(1, "writer", "administrator", ("*",))
    reader = Principal(2, "reader", "viewer", ("AFR",))
    start = storage.feed_position()
    written: list[str] = []
    written_lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []
    seen: dict[int, list[str]] = {i: [] for i in range(READERS)}
    positions: dict[int, list[int]] = {i: [] for i in range(READERS)}

    def write(w: int) -> None:
        try:
            device = f"w{w}"
            for b in range(BATCHES):
                ops = []
                for k in range(random.randint(1, 3)):
                    rid = str(uuid.uuid4())
                    ops.append(Op(op_id=f"{device}:{b}-{k}", entity="practice", row_id=rid, kind="upsert",
                                  fields=practice(title=f"{device} {b} {k}"), base={}, hlc=now_hlc(device)))
                results = storage.apply_ops(writer, ops)
                assert all(r["status"] == "applied" for r in results), results
                with written_lock:
                    written.extend(op.row_id for op in ops)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    def read(i: int) -> None:
        cursor = start
        try:
            while True:
                finished = done.is_set()
                while True:
                    page = storage.changes(reader, f"reader{i}", cursor)
                    for c in page["changes"]:
                        if c["entity"] == "practice":
                            seen[i].append(c["id"])
                            positions[i].append(c["pos"])
                    assert parse_cursor(page["cursor"])[0] >= cursor
                    cursor = parse_cursor(page["cursor"])[0]
                    if not page["more"]:
                        break
                if finished:
                    return
                time.sleep(0.001)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    readers = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(timeout=120)
    done.set()
    for t in readers:
        t.join(timeout=120)
    assert not errors, errors
    assert len(written) >= WRITERS * BATCHES
    for i in range(READERS):
        assert sorted(seen[i]) == sorted(written), f"reader {i}: missed {len(set(written) - set(seen[i]))}, " \
                                                   f"duplicates {len(seen[i]) - len(set(seen[i]))}"
        assert positions[i] == sorted(positions[i])
