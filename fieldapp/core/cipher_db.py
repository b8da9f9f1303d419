"""SQLCipher itself: keys, opening an encrypted database, exporting one into another.

The low layer of encryption at rest (`encryption.py` keeps the keys and migrates a
folder; `files_key.py` and `migrate.py`'s backups need only these), so that none of them
imports the others back.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine, create_engine, event

from fieldapp.core import json_columns
from fieldapp.i18n import _
from fieldapp.paths import make_private_dir, make_private_file

PLAIN_HEADER = b"SQLite format 3\x00"
CACHE_KIB = 64 * 1024
_SCRYPT = {"n": 2**15, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024}  # ~0.1 s, 32 MiB
# Each page read from disk is checked and each page written is signed with an HMAC: on
# this hardware HMAC-SHA512 (SQLCipher 4's default) costs more than the AES itself, and a
# single-record save reads and writes ~80 pages (twenty indexes, the FTS5 segments). New
# databases use HMAC-SHA256 (SHA extensions in current x86 and ARM cores): still a 256-bit
# key and tag, about a quarter off the cost of encryption on saves (bench/encryption.py).
# Databases encrypted before keep SHA512: their marker does not name an algorithm.
HMAC_NEW = "HMAC_SHA256"
HMAC_LEGACY = "HMAC_SHA512"
_HMACS = {HMAC_NEW, HMAC_LEGACY}


class EncryptionError(RuntimeError):
    """A database that cannot be opened as asked; the message is for the person."""


class KeyMissing(EncryptionError):
    """The database is encrypted and no key was found or given."""


class WrongKey(EncryptionError):
    """The key (or passphrase) given does not open the database."""


@dataclass(frozen=True)
class DatabaseKey:
    """32 raw bytes handed to SQLCipher as a raw key (no second key derivation), and the
    HMAC algorithm of the pages it opens (a setting of the file, not secret)."""

    raw: bytes = field(repr=False)  # never in a log or an error report
    hmac: str = HMAC_NEW

    def __post_init__(self) -> None:
        if self.hmac not in _HMACS:  # it ends up in a PRAGMA: only the known names
            raise EncryptionError(_("Unknown page authentication: {name}").format(name=self.hmac))

    @classmethod
    def random(cls, hmac: str = HMAC_NEW) -> "DatabaseKey":
        return cls(secrets.token_bytes(32), hmac)

    @classmethod
    def from_passphrase(cls, passphrase: str, salt: bytes, hmac: str = HMAC_NEW) -> "DatabaseKey":
        return cls(hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT), hmac)

    def pragma(self) -> str:
        """The value of `PRAGMA key` / `PRAGMA rekey` for this raw key."""
        return f"\"x'{self.raw.hex()}'\""

    def settings(self, schema: str = "") -> list[str]:
        """What follows `PRAGMA key` (or ATTACH ... KEY) before the first page is read."""
        return [f"PRAGMA {schema + '.' if schema else ''}cipher_hmac_algorithm = {self.hmac}"]


def apply_key(cur: Any, key: DatabaseKey) -> None:
    """`PRAGMA key` and the file's settings on a new sqlcipher3 connection (or cursor),
    before its first page is read."""
    cur.execute(f"PRAGMA key = {key.pragma()}")
    for setting in key.settings():
        cur.execute(setting)


def is_open_encrypted(engine: Engine) -> bool:
    """True for an engine `open_engine` opened with a key."""
    return getattr(engine, "key_holder", None) is not None


def is_encrypted(db_path: Path) -> bool:
    """A database file that exists, is not empty and is not plain SQLite."""
    try:
        with open(db_path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return False
    return len(head) > 0 and head != PLAIN_HEADER


class _KeyHolder:
    """The key every new pooled connection opens with; swapped by a rotation."""

    def __init__(self, key: DatabaseKey) -> None:
        self.key = key

    def on_connect(self, dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        apply_key(cur, self.key)
        # A page read from the OS cache costs a decryption and an HMAC check here: keep more
        # decrypted pages per connection (64 MiB at most, taken only as pages are read).
        cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cur.close()


def open_engine(db_path: Path, key: DatabaseKey | None, *,
                on_connect: Callable[[Any, Any], None] | None = None) -> Engine:
    """An engine on `db_path`: plain SQLite when it is plain and no key is given, SQLCipher
    otherwise (a new file given a key is created encrypted). `on_connect` (the caller's
    WAL, foreign keys...) runs on every new connection, after the key. Raises KeyMissing
    or WrongKey with a message for the person rather than SQLite's "file is not a database"."""
    if key is None:
        if is_encrypted(db_path):
            raise KeyMissing(_("This database is encrypted and its key is not available on this computer "
                               "(keyring or passphrase): {path}").format(path=db_path))
        engine = create_engine(f"sqlite:///{db_path}", json_serializer=json_columns.dumps)
        if on_connect is not None:
            event.listen(engine, "connect", on_connect)
        return engine
    import sqlcipher3

    holder = _KeyHolder(key)
    engine = create_engine(f"sqlite:///{db_path}", module=sqlcipher3.dbapi2, json_serializer=json_columns.dumps)
    engine.key_holder = holder  # type: ignore[attr-defined]
    event.listen(engine, "connect", holder.on_connect, insert=True)  # before WAL or any read
    if on_connect is not None:
        event.listen(engine, "connect", on_connect)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except Exception as exc:  # noqa: BLE001 - sqlcipher3's DatabaseError, wrapped by SQLAlchemy
        engine.dispose()
        if "not a database" in str(exc):
            raise WrongKey(_("The key or passphrase does not open this database: {path}").format(path=db_path)) from exc
        raise
    # The probed connection stays in the pool, keyed, its schema read: it saw every
    # listener, so the store's first query does not open (and key) a second one.
    return engine


def cipher_connect(path: Path, key: DatabaseKey):  # noqa: ANN201 - a sqlcipher3 connection
    """A raw SQLCipher connection on `path`, keyed (backups, exports, rotation)."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(path))
    apply_key(conn, key)
    return conn


def export_encrypted(source: Path, target: Path, key: DatabaseKey, *, source_key: DatabaseKey | None = None) -> None:
    """Write `source` (plain, or encrypted with `source_key`) as a new database at `target`
    encrypted with `key`, through `sqlcipher_export` (every table, index, trigger, FTS5)."""
    import sqlcipher3

    make_private_dir(target.parent)
    target.unlink(missing_ok=True)
    make_private_file(target)  # 0600 from the start; sqlcipher writes into it
    conn = sqlcipher3.connect(str(source))
    try:
        if source_key is not None:
            apply_key(conn, source_key)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"ATTACH DATABASE ? AS enc KEY {key.pragma()}", (str(target),))
        for setting in key.settings("enc"):
            conn.execute(setting)
        conn.execute("SELECT sqlcipher_export('enc')")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA enc.user_version = {int(version)}")
        conn.execute("DETACH DATABASE enc")
    finally:
        conn.close()
    make_private_file(target)
