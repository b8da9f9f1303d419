"""A sync request holds one pooled connection at a time.

Why: the routes run on up to 40 threads per process against a pool of 40 connections
(db.make_engine); a request that takes a second connection while holding one can empty
the pool under load and wait on itself. bench/server.py caught exactly this when the
request's reads were first made to share a connection: the first syncs of 20 new devices
on SQLite (a pool of 15) hung until the pool's timeout.
"""
from __future__ import annotations

import threading
import uuid

from sqlalchemy import event

from sync.wire import from_blocks
from tests.server.conftest import practice


class Holding:
    """Counts the connections checked out of an engine's pool, and the most at once."""

    def __init__(self, engine):
        self.now = self.most = 0
        self._lock = threading.Lock()
        event.listen(engine, "checkout", self._out)
        event.listen(engine, "checkin", self._in)
        self.engine = engine

    def _out(self, *_a) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def _in(self, *_a) -> None:
        with self._lock:
            self.now -= 1

    def close(self) -> None:
        event.remove(self.engine, "checkout", self._out)
        event.remove(self.engine, "checkin", self._in)


def test_a_sync_never_holds_two_pooled_connections_at_once(server):
    dev = server.device(initial_sync=False)
    holding = Holding(server.backend.engine)
    try:
        server.storage._epoch = None  # the process's epoch begins on this request (its first)
        ids = [str(uuid.uuid4()), str(uuid.uuid4())]
        first = dev.sync(dev.op("practice", ids[0], fields=practice()))  # a device new to the service: recorded
        assert [r["status"] for r in first["results"]] == ["applied"]
        dev.sync(dev.op("practice", ids[1], fields=practice()))
        rows = server.device(name=dev.user, initial_sync=False).sync()  # other devices' first syncs
        cols = server.device(name=dev.user, initial_sync=False).sync(columnar=True, compact=True)
    finally:
        holding.close()
    assert set(ids) <= {c["id"] for c in rows["changes"]}
    assert set(ids) <= {c["id"] for c in from_blocks(cols["blocks"])}
    assert holding.now == 0
    assert holding.most == 1
