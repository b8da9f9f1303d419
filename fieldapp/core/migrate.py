"""Run the local store's Alembic migrations, taking a backup first.

A database that exists and is behind the newest revision is copied (SQLite's online
backup, so a WAL database copies whole) into `backups/` beside it before anything runs.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from fieldapp.paths import make_private_dir, make_private_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(script_location: Path) -> Config:
    """An Alembic configuration in code (no alembic.ini to ship); the server's
    migrations use it too."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return cfg


def _config() -> Config:
    return alembic_config(MIGRATIONS)


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup(db_path: Path, label: str, key=None) -> Path:  # noqa: ANN001 - encryption.DatabaseKey
    """Copy the database with SQLite's backup API (an encrypted one, given its `key`, with
    sqlcipher_export: the copy is encrypted too); returns the copy's path."""
    folder = make_private_dir(db_path.parent / "backups")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{db_path.stem}-{label}-{stamp}.sqlite"
    n = 1
    while target.exists():
        target = folder / f"{db_path.stem}-{label}-{stamp}-{n}.sqlite"
        n += 1
    if key is not None:
        from fieldapp.core.cipher_db import export_encrypted

        export_encrypted(db_path, target, key, source_key=key)
        return target
    src = sqlite3.connect(db_path)
    try:
        dst = sqlite3.connect(make_private_file(target))
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()
    return target


def upgrade(engine: Engine, db_path: Path | None, target: str = "head") -> Path | None:
    """Upgrade to `target` (the newest revision by default); returns the backup taken,
    if any. Tests pass an older target to build fixtures of earlier revisions."""
    rev = current(engine)
    goal = head() if target == "head" else target
    if rev == goal:
        return None
    taken = None
    if db_path is not None and db_path.exists() and db_path.stat().st_size > 0 and _has_tables(engine):
        holder = getattr(engine, "key_holder", None)  # core.encryption's, on an encrypted database
        taken = backup(db_path, f"before-{goal}-from-{rev or 'none'}", holder.key if holder else None)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
    return taken


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type='table'").scalar())
