"""Encryption at rest: SQLCipher for the database (key in the OS keyring, or from a
passphrase), AES-GCM for the attachments, plain folders migrated in place, key rotation.
Every check reads the bytes on disk, not only what the Store answers."""
from __future__ import annotations

import re

import pytest
from cryptography.exceptions import InvalidTag

from fieldapp.core import attachments, encryption, files_key
from fieldapp.core.store import DB_NAME, Store

SECRET = "Ouédraogo-7731"  # a contact's name: must be nowhere on disk in clear
PHOTO = b"\x89PNG secret-photo-bytes " * 20000  # ~480 kB: several sealed chunks


def _plain_folder(tmp_path, name="data"):
    store = Store(tmp_path / name, author="tester")
    cid = store.insert("contact", {"full_name": SECRET, "email": "awa@example.org", "country": "BF"})
    pid = store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
    photo = tmp_path / "photo.png"
    photo.write_bytes(PHOTO)
    media = attachments.add_file(store, "practice", pid, photo)
    store.close()
    return tmp_path / name, cid, media


def _files_holding(folder, needle: bytes) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes())


def test_an_encrypted_database_without_its_key_fails_with_a_clear_message(tmp_path, monkeypatch):
    folder, _cid, _media = _plain_folder(tmp_path)
    encryption.encrypt_in_place(folder, folder / DB_NAME, passphrase="correct horse battery")
    monkeypatch.delenv(encryption.PASSPHRASE_ENV, raising=False)
    with pytest.raises(encryption.KeyMissing, match="encrypted and its key is not available"):
        Store(folder)
    with pytest.raises(encryption.WrongKey, match="does not open this database"):
        Store(folder, key=encryption.stored_key(folder, "wrong horse"))
    with Store(folder, key=encryption.stored_key(folder, "correct horse battery")) as store:
        assert store.count("contact") == 1


def test_plain_folder_is_encrypted_in_place_after_a_backup_and_nothing_stays_in_clear(tmp_path, memory_keyring):
    folder, cid, media = _plain_folder(tmp_path)
    assert _files_holding(folder, SECRET.encode()) and _files_holding(folder, b"secret-photo-bytes")
    key = encryption.encrypt_in_place(folder, folder / DB_NAME)
    assert list(memory_keyring.secrets.values()) == [key.raw.hex()]  # the OS keyring path
    assert encryption.read_marker(folder) == {"version": 1, "key": "keyring", "hmac": "HMAC_SHA256",
                                              "backend": "tests.memory_keyring.MemoryKeyring"}
    backups = list((folder / "backups").glob("*before-encryption*.sqlite"))
    assert len(backups) == 1 and encryption.is_encrypted(backups[0])
    assert _files_holding(folder, SECRET.encode()) == []  # database, WAL, backups
    assert _files_holding(folder, b"secret-photo-bytes") == []  # attachments sealed
    with Store(folder) as store:  # the key comes from the keyring by itself
        assert store.get("contact", cid)["full_name"] == SECRET
        assert [h.row_id for h in store.search("Ouedraogo")] == [cid]  # FTS5, accents folded
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA cipher_version").scalar().startswith("4.")
        row = store.get("practice_media", media)
        assert attachments.local_path(store, row).read_bytes() == PHOTO
        store.update("contact", cid, {"phone": "+226 70 00 00 00"})
    assert _files_holding(folder, b"+226 70 00") == []
    conn = encryption.cipher_connect(backups[0], key)  # the backup opens with the same key
    assert conn.execute("SELECT full_name FROM contact").fetchall() == [(SECRET,)]
    conn.close()


def test_new_attachments_are_sealed_and_read_back_at_any_offset(tmp_path, memory_keyring):
    folder = tmp_path / "data"
    encryption.encrypt_in_place(folder, folder / DB_NAME)  # first start, encryption chosen
    with Store(folder) as store:
        pid = store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
        for size in (0, 1, files_key.CHUNK, files_key.CHUNK + 1, len(PHOTO)):
            source = tmp_path / f"f{size}.bin"
            source.write_bytes(PHOTO[:size])
            sha, stored_size, _mime = attachments.store_file(store, source)
            sealed = attachments.blob_path(store, sha)
            assert stored_size == size and files_key.is_sealed(sealed) and b"secret-photo" not in sealed.read_bytes()
            with attachments.open_blob(store, sha) as fh:
                assert fh.read() == PHOTO[:size]
                fh.seek(size // 2)
                assert fh.read(1000) == PHOTO[:size][size // 2: size // 2 + 1000]
        attachments.add_file(store, "practice", pid, tmp_path / f"f{len(PHOTO)}.bin")
    damaged = attachments.blob_path(store, sha)
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 1
    damaged.write_bytes(bytes(data))
    with Store(folder) as store, attachments.open_blob(store, sha) as fh:
        with pytest.raises(InvalidTag):  # a flipped bit is refused, never served
            fh.read()


def test_key_rotation_keeps_the_data_and_retires_the_old_key(tmp_path, memory_keyring):
    folder, cid, media = _plain_folder(tmp_path)
    old = encryption.encrypt_in_place(folder, folder / DB_NAME)
    with Store(folder) as store:
        new = encryption.rotate_key(folder, store.engine)
        assert new != old and list(memory_keyring.secrets.values()) == [new.raw.hex()]
        assert store.get("contact", cid)["full_name"] == SECRET  # the open store goes on with the new key
        store.update("contact", cid, {"email": "rotated@example.org"})
        row = store.get("practice_media", media)
        assert attachments.local_path(store, row).read_bytes() == PHOTO  # files key lives inside
    with pytest.raises(encryption.WrongKey):
        Store(folder, key=old)
    with Store(folder) as store:
        assert store.get("contact", cid)["email"] == "rotated@example.org"
    for backup in (folder / "backups").glob("*.sqlite"):
        conn = encryption.cipher_connect(backup, new)
        assert conn.execute("SELECT count(*) FROM contact").fetchone() == (1,)
        conn.close()
    assert _files_holding(folder, SECRET.encode()) == []


def test_a_write_arriving_during_a_key_change_waits_for_it_and_lands_under_the_new_key(
        tmp_path, memory_keyring, monkeypatch):
    """The window's key change ran beside the store's writer: a sync page written meanwhile
    went on a connection keyed before the change, or failed on the rekey's lock."""
    import threading
    import time

    folder, cid, _media = _plain_folder(tmp_path)
    encryption.encrypt_in_place(folder, folder / DB_NAME)
    events: list[str] = []
    started = threading.Event()
    real = encryption.rotate_key

    def watched(*a, **kw):
        events.append("rekey starts")
        started.set()
        time.sleep(0.3)  # a large database takes seconds
        key = real(*a, **kw)
        events.append("rekey done")
        return key

    monkeypatch.setattr(encryption, "rotate_key", watched)
    with Store(folder) as store:
        rotation = threading.Thread(target=store.rotate_key)
        rotation.start()
        started.wait(5)
        store.update("contact", cid, {"email": "during@example.org"})  # the sync's writer, say
        events.append("write done")
        rotation.join(30)
    assert events == ["rekey starts", "rekey done", "write done"]
    with Store(folder) as store:  # the keyring holds the new key; the write is there
        assert store.get("contact", cid)["email"] == "during@example.org"


def test_without_a_keyring_a_passphrase_derives_the_key(tmp_path, monkeypatch, memory_keyring):
    monkeypatch.setenv("FIELDAPP_TOKEN_FILE", "1")  # a headless Linux box: no keyring backend
    folder, cid, _media = _plain_folder(tmp_path)
    assert not encryption.keyring_available()
    with pytest.raises(encryption.KeyMissing, match="choose a passphrase"):
        encryption.encrypt_in_place(folder, folder / DB_NAME)
    encryption.encrypt_in_place(folder, folder / DB_NAME, passphrase="mot de passe long")
    assert memory_keyring.secrets == {} and encryption.needs_passphrase(folder)
    assert "mot de passe" not in (folder / encryption.MARKER).read_text()
    monkeypatch.setenv(encryption.PASSPHRASE_ENV, "mot de passe long")  # a cron sync: no prompt
    with Store(folder) as store:
        assert store.get("contact", cid)["full_name"] == SECRET
        encryption.rotate_key(folder, store.engine, passphrase="un autre encore")
    with pytest.raises(encryption.WrongKey):
        Store(folder)
    with Store(folder, key=encryption.stored_key(folder, "un autre encore")) as store:
        assert store.count("contact") == 1


def test_a_migration_backup_of_an_encrypted_database_is_encrypted(tmp_path, memory_keyring):
    from fieldapp.core import migrate

    folder, _cid, _media = _plain_folder(tmp_path)
    key = encryption.encrypt_in_place(folder, folder / DB_NAME)
    copy = migrate.backup(folder / DB_NAME, "before-r9999", key)
    assert encryption.is_encrypted(copy) and SECRET.encode() not in copy.read_bytes()
    conn = encryption.cipher_connect(copy, key)
    assert conn.execute("SELECT full_name FROM contact").fetchall() == [(SECRET,)]
    conn.close()


def test_the_command_line_names_a_missing_key_and_takes_the_passphrase_from_the_environment(tmp_path, monkeypatch,
                                                                                             capsys):
    from fieldapp.cli import main

    folder, _cid, _media = _plain_folder(tmp_path)
    encryption.encrypt_in_place(folder, folder / DB_NAME, passphrase="long enough passphrase")
    monkeypatch.delenv(encryption.PASSPHRASE_ENV, raising=False)
    assert main(["stats", "--data-dir", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "encrypted and its key is not available" in err and encryption.PASSPHRASE_ENV in err
    monkeypatch.setenv(encryption.PASSPHRASE_ENV, "long enough passphrase")
    assert main(["stats", "--data-dir", str(folder)]) == 0
    assert re.search(r"^Contacts +1$", capsys.readouterr().out, re.MULTILINE)


def test_a_keyring_start_loads_the_backend_that_kept_the_key_and_skips_detecting_every_backend(
        tmp_path, memory_keyring, monkeypatch):
    """keyring's detection asks every backend whether it is viable (~90 ms at each start);
    the marker names the backend that kept the key, loaded directly at the next start."""
    import keyring.backend
    import keyring.core

    from tests.memory_keyring import MemoryKeyring

    folder, cid, _media = _plain_folder(tmp_path)
    encryption.encrypt_in_place(folder, folder / DB_NAME)
    assert encryption.read_marker(folder)["backend"] == "tests.memory_keyring.MemoryKeyring"
    kept = dict(memory_keyring.secrets)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # as in a new process
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: pytest.fail("detected every backend"))
    monkeypatch.setattr(MemoryKeyring, "get_password", lambda self, service, user: kept.get((service, user)))
    with Store(folder) as store:
        assert store.get("contact", cid)["full_name"] == SECRET


def test_an_older_keyring_marker_still_opens_and_learns_its_backend(tmp_path, memory_keyring):
    folder, cid, _media = _plain_folder(tmp_path)
    encryption.encrypt_in_place(folder, folder / DB_NAME)
    (folder / encryption.MARKER).write_text('{"version": 1, "key": "keyring", "hmac": "HMAC_SHA256"}', encoding="utf-8")
    with Store(folder) as store:
        assert store.get("contact", cid)["full_name"] == SECRET
    assert encryption.read_marker(folder)["backend"] == "tests.memory_keyring.MemoryKeyring"


def test_new_databases_sign_their_pages_with_hmac_sha256_and_older_ones_keep_sha512(tmp_path, memory_keyring):
    """HMAC-SHA512 cost more than the AES on a save; a folder encrypted before says no
    algorithm in its marker and still opens, and a rotation keeps the file's algorithm."""
    folder, cid, _media = _plain_folder(tmp_path)
    key = encryption.encrypt_in_place(folder, folder / DB_NAME)
    assert key.hmac == encryption.HMAC_NEW == "HMAC_SHA256"
    assert encryption.read_marker(folder)["hmac"] == "HMAC_SHA256"
    with pytest.raises(encryption.WrongKey):  # the setting is real: SHA512 does not open these pages
        Store(folder, key=encryption.DatabaseKey(key.raw, encryption.HMAC_LEGACY))
    for backup in (folder / "backups").glob("*.sqlite"):
        conn = encryption.cipher_connect(backup, key)
        assert conn.execute("SELECT count(*) FROM contact").fetchone() == (1,)
        conn.close()

    older = tmp_path / "older"  # as the previous release encrypted it: SQLCipher 4's defaults
    legacy = encryption.DatabaseKey(key.raw, encryption.HMAC_LEGACY)
    (older / "backups").mkdir(parents=True)
    encryption.export_encrypted(folder / DB_NAME, older / DB_NAME, legacy, source_key=key)
    encryption.export_encrypted(folder / DB_NAME, older / "backups" / "copy.sqlite", legacy, source_key=key)
    memory_keyring.set_password(encryption.KEYRING_SERVICE, str(older.resolve()), key.raw.hex())
    (older / encryption.MARKER).write_text('{"version": 1, "key": "keyring"}', encoding="utf-8")
    import sqlcipher3

    conn = sqlcipher3.connect(str(older / DB_NAME))  # SQLCipher 4's defaults read it: a real older file
    conn.execute(f"PRAGMA key = {legacy.pragma()}")
    assert conn.execute("SELECT count(*) FROM contact").fetchone() == (1,)
    conn.close()
    with Store(older) as store:
        assert store.get("contact", cid)["full_name"] == SECRET
        rotated = encryption.rotate_key(older, store.engine)
    assert rotated.hmac == encryption.HMAC_LEGACY and encryption.read_marker(older)["hmac"] == "HMAC_SHA512"
    with Store(older) as store:
        assert store.count("contact") == 1
    conn = encryption.cipher_connect(older / "backups" / "copy.sqlite", rotated)
    assert conn.execute("SELECT count(*) FROM contact").fetchone() == (1,)
    conn.close()
