"""A full disk (issue 21 item 5): on a small filesystem really filled up (a tmpfs mount
when this runs as root; else SQLite's own page limit gives the same error) the person
reads which folder is full and how much room is needed, the database stays intact,
and once room is made the sync goes through. Attachments that cannot fit never start."""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from fieldapp.core import diskspace
from fieldapp.core.store import Store
from fieldapp.sync_client import blobs
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import Transport
from sync.protocol import parse_cursor
from tests.sync_client.conftest import USERS

SIZE_MB = 12


class SmallDisk:
    """A `SIZE_MB` tmpfs, or, where mounting is not allowed, a folder whose database
    may not grow past its size (PRAGMA max_page_count: SQLite answers exactly as on a
    full disk)."""

    def __init__(self, where: Path, try_mount: bool = True):
        self.path = where / "small"
        self.path.mkdir()
        self.mounted = try_mount and os.geteuid() == 0 and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(self.path)], capture_output=True).returncode == 0
        self.filler = self.path / "filler.bin"
        self.store: Store | None = None

    def fill(self, store: Store, leave: int) -> None:
        """Leave about `leave` bytes free for the store."""
        self.store = store
        if self.mounted:
            free = diskspace.free_bytes(self.path)
            with self.filler.open("wb") as fh:
                fh.write(b"\0" * max(free - leave, 0))
                fh.flush()
                os.fsync(fh.fileno())
            return
        store.engine.dispose()
        pages = (store.db_path.stat().st_size + leave) // 4096

        @event.listens_for(store.engine, "connect")
        def limit(dbapi_conn, _record) -> None:
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

        self._limit = limit

    def free(self) -> None:
        if self.mounted:
            self.filler.unlink()
        elif self.store is not None:
            event.remove(self.store.engine, "connect", self._limit)
            self.store.engine.dispose()

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture(params=["tmpfs", "sqlite-page-limit"])
def small_disk(tmp_path, request):
    disk = SmallDisk(tmp_path, try_mount=request.param == "tmpfs")
    yield disk
    if disk.store is not None:
        disk.store.close()
    disk.unmount()


def login(server) -> Transport:
    t = Transport(server.url)
    t.login("amina", USERS["amina"][2])
    return t


def test_a_full_disk_is_named_with_the_room_needed_and_the_database_stays_intact(server, tmp_path, small_disk):
    # the service holds more than a nearly full disk can take
    other = Store(tmp_path / "writer", author="amina")
    other_engine = SyncEngine(other, login(server), attachments=False)
    for i in range(150):
        other.insert("practice", {"title": f"Pratique {i} " + "texte " * 60, "family": "agroforestry", "country": "SN",
                                  "summary": "résumé " * 200})
    assert other_engine.sync().ok
    other.close()

    store = Store(small_disk.path / "data", author="amina")
    mine = store.insert("practice", {"title": "Mine, typed before the disk filled up", "family": "agroforestry", "country": "SN"})
    engine = SyncEngine(store, login(server), attachments=False)
    small_disk.fill(store, leave=48 * 1024)
    if not small_disk.mounted:
        engine.reserve = diskspace.free_bytes(store.data_dir) + diskspace.MB  # the margin check, on a big disk

    # 1. before a sync: the margin check names the folder and the room needed
    refused = engine.sync()
    assert not refused.ok and refused.error_kind == "disk_full" and refused.requests == 0
    assert str(store.data_dir) in refused.error and "free at least" in refused.error and "Nothing was lost" in refused.error

    # 2. during a sync: SQLite's "database or disk is full" becomes the same message
    engine.reserve = 0
    full = engine.sync()
    assert not full.ok and full.error_kind == "disk_full", full
    assert str(store.data_dir) in full.error and "free at least" in full.error
    # 3. and a local edit fails the same way, with the same words
    with pytest.raises(OperationalError) as caught:
        for i in range(400):
            store.insert("practice", {"title": f"Encore {i} " + "x" * 400, "family": "agroforestry", "country": "SN"})
    assert diskspace.is_disk_full(caught.value)
    assert str(store.data_dir) in diskspace.explain(caught.value, store.data_dir).message

    # the database is intact and kept everything it had
    assert store.check() == []
    assert store.get("practice", mine)["title"] == "Mine, typed before the disk filled up"
    assert store.meta("sync_cursor") is None or parse_cursor(store.meta("sync_cursor"))[0] >= 0

    # room made: the sync goes through, the edit typed before reaches the service
    small_disk.free()
    engine.reserve = diskspace.MB
    done = engine.sync()
    assert done.ok and store.unsynced_count() == 0 and done.received >= 150, done
    assert store.check() == []


def test_an_attachment_download_that_cannot_fit_never_starts(server, tmp_path):
    store = Store(tmp_path / "client", author="amina")
    try:
        transport = login(server)
        before = transport.traffic.requests
        too_big = diskspace.free_bytes(store.data_dir) + 1
        sha = uuid.uuid4().hex * 2
        with pytest.raises(diskspace.DiskFull) as caught:
            blobs.download(store, transport, sha, too_big)
        assert transport.traffic.requests == before  # nothing asked of the network
        assert not list(store.files_dir.rglob("*.part")) if store.files_dir.exists() else True
        assert str(store.files_dir) in str(caught.value) and "free at least" in str(caught.value)
    finally:
        store.close()


def test_the_window_warns_at_start_when_room_runs_low(tmp_path):
    free = diskspace.free_bytes(tmp_path)
    assert diskspace.low_space_warning(tmp_path, margin=free // 2) is None
    warning = diskspace.low_space_warning(tmp_path, margin=free + 10 * diskspace.MB)
    assert warning and str(tmp_path) in warning and "Free at least" in warning
