"""Backup and restore of the whole service: the database and the attachment folder,
into one folder an operator can copy off the machine.

Order matters: the database is copied first (SQLite's online backup API, or pg_dump's
consistent snapshot), then the blob folder. A row can only name a blob whose upload
completed, so every blob the database copy references is already on disk when the folder
is copied; blobs uploaded meanwhile come along unreferenced, which is harmless.

After a restore the service's change feed is behind what clients hold: they are told
their cursor is ahead and re-sync, re-sending their local changes (sync/protocol.py).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from sync.server import db
from sync.server.settings import Settings

MANIFEST = "manifest.json"
SQLITE_FILE = "server.sqlite"
PG_FILE = "database.pgdump"
BLOBS = "blobs"


class BackupError(Exception):
    """Why a backup or restore could not be made (said to the operator as it is)."""


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def backup(settings: Settings, dest: Path) -> dict:
    """Write a backup of the service into the new folder `dest`; returns its manifest."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: choose a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o700)  # it holds every account's hash and every contact
    engine = db.make_engine(settings.db_url)
    try:
        revision = db.current(engine)
        from sync.server.storage import Storage

        position = Storage(engine).feed_position()
    finally:
        engine.dispose()
    if settings.is_sqlite:
        source = sqlite3.connect(_sqlite_path(settings.db_url))
        target = sqlite3.connect(dest / SQLITE_FILE)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        database_file = SQLITE_FILE
    else:
        subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                        f"--file={dest / PG_FILE}", f"--dbname={_libpq_url(settings.db_url)}"],
                       check=True, capture_output=True, text=True)
        database_file = PG_FILE
    blobs = 0
    if settings.blob_dir and settings.blob_dir.exists():
        shutil.copytree(settings.blob_dir, dest / BLOBS)
        blobs = sum(1 for p in (dest / BLOBS).rglob("*") if p.is_file())
    manifest = {"format": 1, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "database": "sqlite" if settings.is_sqlite else "postgresql", "file": database_file,
                "revision": revision, "feed_position": position, "blob_files": blobs}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for p in dest.rglob("*"):
        p.chmod(0o700 if p.is_dir() else 0o600)
    return manifest


def _feed_top(settings: Settings) -> int | None:
    """The feed position of the database a restore is about to replace; None when it
    cannot be read (gone with the machine, say)."""
    try:
        if settings.is_sqlite:
            path = _sqlite_path(settings.db_url)
            if not path.exists():
                return None
            # immutable: no lock, no -shm, nothing left open that the restore's unlinking
            # of -wal/-shm could break (a bound is enough: the restore adds a margin)
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
            try:
                return int(conn.execute("SELECT pos FROM feed_counter WHERE id = 1").fetchone()[0])
            finally:
                conn.close()
        engine = db.make_engine(settings.db_url)
        try:
            if db.current(engine) is None:
                return None
            from sync.server.storage import Storage

            return Storage(engine).feed_position()
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - unreadable: the restore assumes the worst
        return None


def _has_data(settings: Settings) -> bool:
    engine = db.make_engine(settings.db_url)
    try:
        if db.current(engine) is None:
            return False
        from sync.server.storage import Storage

        return Storage(engine).feed_position() > 0
    finally:
        engine.dispose()


def restore(settings: Settings, source: Path, *, force: bool = False) -> dict:
    """Put the backup in `source` in place of the service's database and blobs (the service
    must be stopped). Refuses to overwrite a database holding data unless `force`."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a Field App service backup ({exc})") from None
    wanted = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest["database"] != wanted:
        raise BackupError(f"the backup holds a {manifest['database']} database, the service uses {wanted}")
    if not force and _has_data(settings):
        raise BackupError("the service's database holds data: pass --force to replace it with the backup")
    handed_out = _feed_top(settings)  # what the history about to be replaced handed out
    if settings.is_sqlite:
        target = _sqlite_path(settings.db_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        src = sqlite3.connect(source / SQLITE_FILE)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    else:
        subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                        "--single-transaction", f"--dbname={_libpq_url(settings.db_url)}", str(source / PG_FILE)],
                       check=True, capture_output=True, text=True)
    if (source / BLOBS).exists() and settings.blob_dir:
        if settings.blob_dir.exists():
            shutil.rmtree(settings.blob_dir)
        shutil.copytree(source / BLOBS, settings.blob_dir)
    engine = db.make_engine(settings.db_url)
    try:
        db.migrate(engine)  # a backup of an older release is brought up to this one
        from sync.server.storage import Storage

        # Clients whose cursor comes from the replaced history are told they are ahead
        # and re-sync, re-sending their changes (sync/protocol.py, 409 cursor_ahead).
        Storage(engine).mark_restored(handed_out)
    finally:
        engine.dispose()
    return manifest
