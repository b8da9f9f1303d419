"""Restores on either side lose nothing typed (items 1 and 5), through the desktop
client's real sync engine over HTTP.

Item 5: the service restored from a backup older than a client's last sync. The client's
cursor is then ahead of the server's feed: it is told so (409 cursor_ahead), syncs again
from the start, receives what was written after the restore, and sends again the edits
the restore lost. Item 1: the client's data folder restored from a backup: its op
counter goes back and its next ops reuse ids the server holds for other changes; those
are refused (op_id_reused) and sent again under new ids, never answered "duplicate"."""
from __future__ import annotations

import shutil
import sqlite3

import pytest

from fieldapp.sync_client.apply import CURSOR_KEY
from sync.protocol import parse_cursor
from tests.security.conftest import backup_tables, restore_tables
from tests.server.conftest import practice


def test_a_restored_service_sends_a_client_ahead_back_to_the_start(desktop, live):
    amina, amina_sync = desktop("amina")
    bruno, bruno_sync = desktop("bruno")
    kept = amina.insert("practice", practice(title="Before the backup"))
    assert amina_sync.sync().ok
    backup = backup_tables(live.backend.engine)
    lost = amina.insert("practice", practice(title="Created after the backup"))
    amina.update("practice", kept, {"summary": "Edited after the backup"})
    assert amina_sync.sync().ok and amina.pending_count() == 0  # acknowledged, out of the outbox

    restore_tables(live.backend.engine, backup)  # the service is restored; both edits are gone
    assert live.row("practice", lost) is None and live.row("practice", kept)["summary"] is None
    newer = bruno.insert("practice", practice(title="Written after the restore"))
    assert bruno_sync.sync().ok
    assert live.storage.cursor_is_ahead(*parse_cursor(amina.meta(CURSOR_KEY)))  # amina's cursor is from the lost history

    result = amina_sync.sync()
    assert result.ok, result.error
    assert live.row("practice", lost)["title"] == "Created after the backup"
    assert live.row("practice", kept)["summary"] == "Edited after the backup"
    assert amina.get("practice", newer)["title"] == "Written after the restore"
    assert amina.pending_count() == 0 and not amina.rejected()
    assert amina_sync.sync().ok  # and from then on an ordinary sync
    assert bruno_sync.sync().ok and bruno.get("practice", lost)["title"] == "Created after the backup"


def test_a_restored_client_folder_never_loses_edits_to_reused_op_ids(desktop, live, tmp_path):
    amina, amina_sync = desktop("amina", folder="laptop")
    amina.insert("practice", practice(title="First"))
    assert amina_sync.sync().ok
    # the data folder is backed up (SQLite's backup API, as the app's own backups do)
    saved = tmp_path / "saved.sqlite"
    src, dst = sqlite3.connect(amina.db_path), sqlite3.connect(saved)
    src.backup(dst)
    src.close()
    dst.close()
    second = amina.insert("practice", practice(title="Second, synced then lost locally"))
    assert amina_sync.sync().ok
    folder = amina.data_dir
    amina.close()
    for suffix in ("-wal", "-shm"):
        (folder / f"{amina.db_path.name}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(saved, amina.db_path)  # the laptop's folder is restored: the counter went back

    again, again_sync = desktop("amina", folder="laptop")
    third = again.insert("practice", practice(title="Third, typed after the restore"))
    result = again_sync.sync()
    assert result.ok, result.error
    assert live.row("practice", third)["title"] == "Third, typed after the restore"  # not swallowed as a duplicate
    assert live.row("practice", second)["title"] == "Second, synced then lost locally"  # nor overwritten
    assert again.pending_count() == 0 and not again.rejected()
    assert again.get("practice", second)["title"] == "Second, synced then lost locally"  # back on the laptop


def test_the_operators_backup_and_restore_commands_end_to_end(tmp_path, make_store):
    """The same story with the real thing: `fieldapp-server serve` as a process, its
    `backup` while it runs, `restore` while it is stopped (SQLite; the PostgreSQL half of
    this story is the logical restore above)."""
    import subprocess
    import sys

    from fieldapp.sync_client.engine import SyncEngine
    from fieldapp.sync_client.transport import RetryPolicy, Transport
    from tests.server.test_end_to_end import free_port, start_server, stop_server

    def main(args: list[str]) -> int:
        """`fieldapp-server ...` as the operator runs it: its own process."""
        done = subprocess.run([sys.executable, "-m", "sync.server.cli", *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=180)
        assert done.returncode == 0, done.stderr
        return done.returncode

    db, blobs_dir = f"sqlite:///{tmp_path / 'srv' / 'server.sqlite'}", tmp_path / "srv" / "blobs"
    common = ["--db", db, "--blobs", str(blobs_dir)]
    assert main(["migrate", *common]) == 0
    for name in ("amina", "bruno"):
        assert main(["create-user", name, "--role", "correspondent", "--region", "AFR",
                     "--password", "restore test secret", *common]) == 0
    port = free_port()
    proc = start_server(db, blobs_dir, port)

    def client(name):
        store = make_store(name, author=name)
        transport = Transport(f"http://127.0.0.1:{port}", policy=RetryPolicy(attempts=4, base_delay=0.2, deadline=30))
        transport.login(name, "restore test secret")
        return store, SyncEngine(store, transport)

    try:
        amina, amina_sync = client("amina")
        bruno, bruno_sync = client("bruno")
        amina.insert("practice", practice(title="In the backup"))
        assert amina_sync.sync().ok
        assert main(["backup", str(tmp_path / "backup"), *common]) == 0
        lost = amina.insert("practice", practice(title="After the backup"))
        assert amina_sync.sync().ok
    finally:
        stop_server(proc)
    assert main(["restore", str(tmp_path / "backup"), "--force", *common]) == 0
    proc = start_server(db, blobs_dir, port)
    try:
        newer = bruno.insert("practice", practice(title="After the restore"))
        assert bruno_sync.sync().ok
        result = amina_sync.sync()
        assert result.ok, result.error
        assert amina.get("practice", newer)["title"] == "After the restore"
        assert bruno_sync.sync().ok and bruno.get("practice", lost)["title"] == "After the backup"
    finally:
        stop_server(proc)


def _copy_database(backend, saved) -> None:
    """A backup as an operator takes one outside the service: the SQLite file copied, or
    pg_dump of the PostgreSQL database."""
    import subprocess

    from sqlalchemy.engine import make_url

    backend.engine.dispose()  # SQLite: the last connection closing folds the WAL into the file
    url = make_url(backend.url)
    if backend.name == "sqlite":
        shutil.copyfile(url.database, saved)
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_dump", "-Fc", "-f", str(saved), dsn], check=True)


def _copy_back(backend, saved) -> None:
    """The backup put back by hand, without `fieldapp-server restore`: nothing records it."""
    import os
    import subprocess

    from sqlalchemy.engine import make_url

    backend.engine.dispose()
    url = make_url(backend.url)
    if backend.name == "sqlite":
        for suffix in ("-wal", "-shm"):
            if os.path.exists(url.database + suffix):
                os.remove(url.database + suffix)
        shutil.copyfile(saved, url.database)
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--single-transaction", "-d", dsn, str(saved)],
                       check=True, capture_output=True)


@pytest.mark.parametrize("restarted", [False, True], ids=["while-running", "after-a-restart"])
def test_a_database_copied_back_by_hand_is_noticed_after_new_writes_pass_the_cursor(desktop, live, tmp_path,
                                                                                    restarted):
    """Item 5 without `fieldapp-server restore`: the database file (or a pg_dump) copied
    back, then colleagues write more than the lost history held, so amina's cursor is no
    longer above the feed's top. She is still told she is ahead, and nothing is lost."""
    from sync.server.storage import Storage

    amina, amina_sync = desktop("amina")
    bruno, bruno_sync = desktop("bruno")  # logged in before the backup: his token survives it
    kept = amina.insert("practice", practice(title="Before the backup"))
    assert amina_sync.sync().ok
    saved = tmp_path / "backup.copy"
    _copy_database(live.backend, saved)
    lost = amina.insert("practice", practice(title="Created after the backup"))
    amina.update("practice", kept, {"summary": "Edited after the backup"})
    assert amina_sync.sync().ok and amina.pending_count() == 0
    ahead = parse_cursor(amina.meta(CURSOR_KEY))[0]

    _copy_back(live.backend, saved)
    assert live.row("practice", lost) is None
    if restarted:  # a new service process: it remembers nothing of the one before
        live.storage.__dict__.update(Storage(live.backend.engine).__dict__)
    newer = [bruno.insert("practice", practice(title=f"Written after the restore {i}")) for i in range(6)]
    assert bruno_sync.sync().ok
    assert live.storage.feed_position() >= ahead  # the feed has grown past amina's cursor

    result = amina_sync.sync()
    assert result.ok, result.error
    assert live.row("practice", lost)["title"] == "Created after the backup"
    assert live.row("practice", kept)["summary"] == "Edited after the backup"
    assert all(amina.get("practice", rid) for rid in newer)
    assert amina.pending_count() == 0 and not amina.rejected()
    assert bruno_sync.sync().ok and bruno.get("practice", lost)["title"] == "Created after the backup"


def test_a_cursor_handed_out_right_after_a_restore_is_not_ahead(server):
    """The counter stands at the end of the restore's gap until someone writes: a device
    syncing then gets that position, and its next sync is an ordinary one (not sent back
    to the start again and again while the service is idle)."""

    dev = server.device()
    dev.sync(dev.op("practice", fields=practice()))
    restore_tables(server.backend.engine, backup_tables(server.backend.engine))
    fresh = server.device(name=dev.user, initial_sync=False)
    fresh.sync()
    r = fresh.post({"device": fresh.id, "cursor": fresh.cursor, "ops": []})
    assert r.status_code == 200, r.text
