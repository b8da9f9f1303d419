"""Engines and migrations: the same code on SQLite (default) and PostgreSQL.
A SQLite database file is created 0600 (in a new folder: 0700).

SQLite: WAL, a busy timeout, and writers start with BEGIN IMMEDIATE (connections opened
with `write_conn`) so two writers never deadlock upgrading a read lock.
PostgreSQL: psycopg 3, READ COMMITTED; writers take the feed counter row's lock for the
short step that numbers their feed entries (storage.py).
"""
from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from fieldapp.core.migrate import alembic_config
from fieldapp.paths import make_private_dir, make_private_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_server"


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """Create the engine for `url`; SQLite's folder is created when missing.

    PostgreSQL's pool is per server process: a request thread holds one connection at a
    time, and a process runs at most 40 of them (the thread pool that runs the routes), so
    `pool_size` + overflow = 40 never keeps a thread waiting for one. `pool_size` 20 keeps
    20 devices syncing at once on connections kept open: with 10, the 10 above it were
    opened and closed again at each request (a new server backend each). With `--workers
    N`, up to 40 N connections: PostgreSQL's default max_connections (100) holds 2 processes;
    more need a higher max_connections or a pooler (PgBouncer) in front."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # 0700 folder, 0600 file (SQLite gives -wal and -shm the file's mode): the
            # database holds every region's contacts.
            make_private_dir(Path(parsed.database).parent, tighten=False)  # may be any folder
            make_private_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_size=pool_size, max_overflow=max(0, 40 - pool_size), pool_pre_ping=True)
    raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql+psycopg://")


_SQLITE_WRITERS: "weakref.WeakKeyDictionary[Engine, threading.RLock]" = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def _writer_lock(engine: Engine):
    """SQLite allows one writer; queueing writers of this process on a lock is far cheaper
    than letting them spin in SQLite's busy handler (which sleeps in growing steps)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _GUARD:
        lock = _SQLITE_WRITERS.get(engine)
        if lock is None:
            lock = _SQLITE_WRITERS[engine] = threading.RLock()
        return lock


@contextmanager
def write_conn(engine: Engine) -> Iterator[Connection]:
    """A connection for a writing transaction: BEGIN IMMEDIATE on SQLite (after queueing
    on this process's writer lock); a plain connection on PostgreSQL."""
    with _writer_lock(engine), engine.connect().execution_options(write=True) as conn:
        yield conn


@contextmanager
def reading(source: Engine | Connection) -> Iterator[Connection]:
    """A connection for reads: `source` itself when it is one, so that the checks of one
    request share it, else one from the pool. Every checkout costs a ping, a BEGIN and a
    ROLLBACK on PostgreSQL; a sync request made seven (bench/server.py)."""
    if isinstance(source, Connection):
        yield source
        return
    with source.connect() as conn:
        yield conn


def _config() -> Config:
    return alembic_config(MIGRATIONS)


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()


def is_current(engine: Engine) -> bool:
    return current(engine) == head()


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Upgrade to the newest revision; returns (from, to)."""
    before = current(engine)
    if before == head():
        return before, before or ""
    cfg = _config()
    with write_conn(engine) as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, head()
