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

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine

from fieldapp.core import os_keyring
from fieldapp.core.cipher_db import (  # noqa: F401 (re-exported: the callers' one entry point)
    HMAC_LEGACY, HMAC_NEW, DatabaseKey, EncryptionError, KeyMissing, WrongKey, _KeyHolder, cipher_connect,
    export_encrypted, is_encrypted, is_open_encrypted, open_engine,
)
from fieldapp.i18n import _
from fieldapp.paths import make_private_dir, make_private_file

KEYRING_SERVICE = "fieldapp-database"
MARKER = "encryption.json"
PASSPHRASE_ENV = "FIELDAPP_DB_PASSPHRASE"  # headless runs (cron sync, benchmarks) without a prompt


def _marker(data_dir: Path) -> Path:
    return Path(data_dir) / MARKER


def read_marker(data_dir: Path) -> dict[str, Any] | None:
    """How this folder's key is kept: {"key": "keyring", "backend": "module.Class"} or
    {"key": "passphrase", "salt": hex}, and "hmac" (the pages' algorithm; SHA512 if absent)."""
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
    hmac = info.get("hmac", HMAC_LEGACY)
    if info.get("key") == "passphrase":
        passphrase = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
        return DatabaseKey.from_passphrase(passphrase, bytes.fromhex(info["salt"]), hmac) if passphrase else None
    kr = os_keyring.usable(info.get("backend"))  # the remembered backend: no detection at each start
    secret = kr.get_password(KEYRING_SERVICE, _account(data_dir)) if kr else None
    if secret and kr is not None and "backend" not in info:  # a folder encrypted before backends were noted
        with contextlib.suppress(OSError):
            _write_marker(data_dir, info | {"backend": os_keyring.backend_name(kr)})
    return DatabaseKey(bytes.fromhex(secret), hmac) if secret else None


def new_key(data_dir: Path, passphrase: str | None = None, *,
            hmac: str = HMAC_NEW) -> tuple[DatabaseKey, Callable[[], None]]:
    """A new key for `data_dir` and the step that keeps it (called once the database is
    encrypted with it, so a failure never loses the key in use): in the OS keyring when
    there is one and no passphrase is asked for, else derived from `passphrase`. `hmac`
    is the pages' algorithm: a new file's, or the rekeyed file's own."""
    kr = os_keyring.usable()
    if passphrase is None and kr is not None:
        key = DatabaseKey.random(hmac)

        def keep() -> None:  # the keyring last: a failure before it leaves the old key there
            _write_marker(data_dir, {"version": 1, "key": "keyring", "backend": os_keyring.backend_name(kr),
                                     "hmac": hmac})
            kr.set_password(KEYRING_SERVICE, _account(data_dir), key.raw.hex())
        return key, keep
    if not passphrase:
        raise KeyMissing(_("This computer has no keyring to keep the database key: choose a passphrase."))
    salt = secrets.token_bytes(16)
    key = DatabaseKey.from_passphrase(passphrase, salt, hmac)
    return key, lambda: _write_marker(data_dir, {"version": 1, "key": "passphrase", "salt": salt.hex(), "hmac": hmac})


def keyring_available() -> bool:
    return os_keyring.usable() is not None


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
    database, so the files stay as they are. Should keeping the new key fail, the database
    is rekeyed back and EncryptionError says so: no key is ever lost."""
    holder: _KeyHolder | None = getattr(engine, "key_holder", None)
    if holder is None:
        raise EncryptionError(_("This database is not encrypted."))
    old, old_marker = holder.key, read_marker(data_dir)
    new, keep = new_key(data_dir, passphrase, hmac=old.hmac)  # rekey changes the key, not the file's algorithm
    engine.dispose()  # rekey needs the only connection
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql(f"PRAGMA rekey = {new.pragma()}")
        holder.key = new
        conn.commit()
        try:
            keep()
        except Exception as exc:  # the keyring or the marker refused: the new key would be lost with the process
            conn.exec_driver_sql(f"PRAGMA rekey = {old.pragma()}")
            holder.key = old
            conn.commit()
            if old_marker is not None:
                _write_marker(data_dir, old_marker)
            raise EncryptionError(_("The new key could not be kept ({reason}); the data still opens with the "
                                    "previous one.").format(reason=exc)) from exc
    engine.dispose()
    backups = Path(data_dir) / "backups"
    for copy in sorted(backups.glob("*.sqlite")) if backups.is_dir() else []:
        conn = cipher_connect(copy, old)
        try:
            conn.execute(f"PRAGMA rekey = {new.pragma()}")
        finally:
            conn.close()
    return new
