"""Encryption at rest: the local database with SQLCipher 4, its key in the OS keyring, or
derived from a passphrase where no keyring exists.

A laptop carried in the field holds every contact of a region; a stolen or lost one must
give nothing away. The database file is SQLCipher (AES-256 pages, HMAC'd), opened with a
32-byte random key kept in the OS keyring (Windows, macOS, Secret Service), or, where
none exists, a key derived with scrypt from a passphrase the person types at each start.
`encryption.json` beside the database says which (never the key itself). Attachments are
sealed with AES-GCM under a key kept *inside* the encrypted database (`files_key.py`),
so rotating the database key never rewrites them.

An existing plain database is migrated in place (`encrypt_in_place`): a backup first,
then `sqlcipher_export` into a new file that replaces the old one; the older backups and
the attachments are encrypted too, so no plain copy stays behind.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine, create_engine, event

from fieldapp.core import os_keyring
from fieldapp.i18n import _
from fieldapp.paths import make_private_dir, make_private_file

KEYRING_SERVICE = "fieldapp-database"
MARKER = "encryption.json"
PLAIN_HEADER = b"SQLite format 3\x00"
PASSPHRASE_ENV = "FIELDAPP_DB_PASSPHRASE"  # headless runs (cron sync, benchmarks) without a prompt
CACHE_KIB = 64 * 1024
_SCRYPT = {"n": 2**15, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024}  # ~0.1 s, 32 MiB


class EncryptionError(RuntimeError):
    """A database that cannot be opened as asked; the message is for the person."""


class KeyMissing(EncryptionError):
    """The database is encrypted and no key was found or given."""


class WrongKey(EncryptionError):
    """The key (or passphrase) given does not open the database."""


@dataclass(frozen=True)
class DatabaseKey:
    """32 raw bytes handed to SQLCipher as a raw key (no second key derivation)."""

    raw: bytes

    @classmethod
    def random(cls) -> "DatabaseKey":
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_passphrase(cls, passphrase: str, salt: bytes) -> "DatabaseKey":
        return cls(hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT))

    def pragma(self) -> str:
        """The value of `PRAGMA key` / `PRAGMA rekey` for this raw key."""
        return f"\"x'{self.raw.hex()}'\""


def is_encrypted(db_path: Path) -> bool:
    """A database file that exists, is not empty and is not plain SQLite."""
    try:
        with open(db_path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return False
    return len(head) > 0 and head != PLAIN_HEADER


def _marker(data_dir: Path) -> Path:
    return Path(data_dir) / MARKER


def read_marker(data_dir: Path) -> dict[str, Any] | None:
    """How this folder's key is kept: {"key": "keyring"} or {"key": "passphrase", "salt": hex}."""
    path = _marker(data_dir)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _write_marker(data_dir: Path, info: dict[str, Any]) -> None:
    make_private_dir(Path(data_dir))
    path = make_private_file(_marker(data_dir))
    tmp = path.with_suffix(".tmp")
    make_private_file(tmp).write_text(json.dumps(info), encoding="utf-8")
    os.replace(tmp, path)


def _account(data_dir: Path) -> str:
    return str(Path(data_dir).resolve())


def needs_passphrase(data_dir: Path) -> bool:
    """True when the folder's key comes from a passphrase the person must type."""
    info = read_marker(data_dir)
    return bool(info and info.get("key") == "passphrase")


def stored_key(data_dir: Path, passphrase: str | None = None) -> DatabaseKey | None:
    """The key of `data_dir` from the keyring, or from `passphrase` (or $FIELDAPP_DB_PASSPHRASE)
    when the folder uses one; None when neither gives one."""
    info = read_marker(data_dir)
    if not info:
        return None
    if info.get("key") == "passphrase":
        passphrase = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
        return DatabaseKey.from_passphrase(passphrase, bytes.fromhex(info["salt"])) if passphrase else None
    kr = os_keyring.usable()
    secret = kr.get_password(KEYRING_SERVICE, _account(data_dir)) if kr else None
    return DatabaseKey(bytes.fromhex(secret)) if secret else None


def new_key(data_dir: Path, passphrase: str | None = None) -> tuple[DatabaseKey, Callable[[], None]]:
    """A new key for `data_dir` and the step that keeps it (called once the database is
    encrypted with it, so a failure never loses the key in use): in the OS keyring when
    there is one and no passphrase is asked for, else derived from `passphrase`."""
    kr = os_keyring.usable()
    if passphrase is None and kr is not None:
        key = DatabaseKey.random()

        def keep() -> None:
            kr.set_password(KEYRING_SERVICE, _account(data_dir), key.raw.hex())
            _write_marker(data_dir, {"version": 1, "key": "keyring"})
        return key, keep
    if not passphrase:
        raise KeyMissing(_("This computer has no keyring to keep the database key: choose a passphrase."))
    salt = secrets.token_bytes(16)
    key = DatabaseKey.from_passphrase(passphrase, salt)
    return key, lambda: _write_marker(data_dir, {"version": 1, "key": "passphrase", "salt": salt.hex()})


def keyring_available() -> bool:
    return os_keyring.usable() is not None


class _KeyHolder:
    """The key every new pooled connection opens with; swapped by a rotation."""

    def __init__(self, key: DatabaseKey) -> None:
        self.key = key

    def on_connect(self, dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA key = {self.key.pragma()}")
        # A page read from the OS cache costs a decryption and an HMAC check here: keep more
        # decrypted pages per connection (64 MiB at most, taken only as pages are read).
        cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cur.close()


def open_engine(db_path: Path, key: DatabaseKey | None) -> Engine:
    """An engine on `db_path`: plain SQLite when it is plain and no key is given, SQLCipher
    otherwise (a new file given a key is created encrypted). Raises KeyMissing or WrongKey
    with a message for the person rather than SQLite's "file is not a database"."""
    if key is None:
        if is_encrypted(db_path):
            raise KeyMissing(_("This database is encrypted and its key is not available on this computer "
                               "(keyring or passphrase): {path}").format(path=db_path))
        return create_engine(f"sqlite:///{db_path}")
    import sqlcipher3

    holder = _KeyHolder(key)
    engine = create_engine(f"sqlite:///{db_path}", module=sqlcipher3.dbapi2)
    engine.key_holder = holder  # type: ignore[attr-defined]
    event.listen(engine, "connect", holder.on_connect, insert=True)  # before WAL or any read
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except Exception as exc:  # noqa: BLE001 - sqlcipher3's DatabaseError, wrapped by SQLAlchemy
        engine.dispose()
        if "not a database" in str(exc):
            raise WrongKey(_("The key or passphrase does not open this database: {path}").format(path=db_path)) from exc
        raise
    engine.dispose()  # the caller's own connect listeners (WAL, foreign keys) see every pooled connection
    return engine


def cipher_connect(path: Path, key: DatabaseKey):  # noqa: ANN201 - a sqlcipher3 connection
    """A raw SQLCipher connection on `path`, keyed (backups, exports, rotation)."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(path))
    conn.execute(f"PRAGMA key = {key.pragma()}")
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
            conn.execute(f"PRAGMA key = {source_key.pragma()}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"ATTACH DATABASE ? AS enc KEY {key.pragma()}", (str(target),))
        conn.execute("SELECT sqlcipher_export('enc')")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA enc.user_version = {int(version)}")
        conn.execute("DETACH DATABASE enc")
    finally:
        conn.close()
    make_private_file(target)


def _replace_database(db_path: Path, new_file: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.replace(new_file, db_path)


def encrypt_in_place(data_dir: Path, db_path: Path, *, passphrase: str | None = None) -> DatabaseKey:
    """Encrypt a plain database (closed: no Store open on it) and everything beside it that
    holds its data: a backup is taken first, then the database, its backups and the
    attachments are rewritten encrypted. Returns the new key (already kept)."""
    from fieldapp.core import migrate

    if is_encrypted(db_path):
        raise EncryptionError(_("This database is already encrypted."))
    if db_path.exists():
        migrate.backup(db_path, "before-encryption")  # plain for now: encrypted below with the others
    key, keep = new_key(data_dir, passphrase)
    if db_path.exists():
        staged = db_path.with_name(db_path.name + ".encrypting")
        export_encrypted(db_path, staged, key)
        keep()
        _replace_database(db_path, staged)
    else:
        keep()
    backups = db_path.parent / "backups"
    for plain in sorted(backups.glob("*.sqlite")) if backups.is_dir() else []:
        if not is_encrypted(plain):
            staged = plain.with_name(plain.name + ".encrypting")
            export_encrypted(plain, staged, key)
            os.replace(staged, plain)
    from fieldapp.core import files_key

    files_key.encrypt_existing(db_path, key)
    return key


def rotate_key(data_dir: Path, engine: Engine, passphrase: str | None = None) -> DatabaseKey:
    """A new key for an open encrypted database (`PRAGMA rekey`) and its backups; kept like
    the first (keyring, or the new `passphrase`). The attachments' key lives inside the
    database, so the files stay as they are."""
    holder: _KeyHolder | None = getattr(engine, "key_holder", None)
    if holder is None:
        raise EncryptionError(_("This database is not encrypted."))
    old = holder.key
    new, keep = new_key(data_dir, passphrase)
    engine.dispose()  # rekey needs the only connection
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql(f"PRAGMA rekey = {new.pragma()}")
        holder.key = new
        conn.commit()
    keep()
    engine.dispose()
    backups = Path(data_dir) / "backups"
    for copy in sorted(backups.glob("*.sqlite")) if backups.is_dir() else []:
        conn = cipher_connect(copy, old)
        try:
            conn.execute(f"PRAGMA rekey = {new.pragma()}")
        finally:
            conn.close()
    return new
