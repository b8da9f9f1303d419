"""Item 13: the desktop's data folder is 0700 and its files 0600; the service's database
and attachment folder likewise. (Windows: the per-user profile's ACL already keeps the
folders private; POSIX modes are checked where they mean something.)"""
from __future__ import annotations

import hashlib
import os
import stat

import pytest

from fieldapp.core import attachments
from tests.server.conftest import practice

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes; Windows relies on the profile's ACL")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_desktop_data_folder_and_its_files_are_private(tmp_path, make_store):
    old = os.umask(0o022)  # a usual umask: without care everything would be 755/644
    try:
        folder = tmp_path / "FieldApp"
        store = make_store("FieldApp")
        pid = store.insert("practice", practice())
        note = tmp_path / "note.txt"
        note.write_bytes(b"attachment")
        attachments.add_file(store, "practice", pid, note)
        assert _mode(folder) == 0o700
        for name in ("fieldapp.sqlite", "fieldapp.sqlite-wal", "fieldapp.sqlite-shm"):
            if (folder / name).exists():
                assert _mode(folder / name) == 0o600, name
        assert _mode(folder / "fieldapp.sqlite") == 0o600
        stored = attachments.blob_path(store, hashlib.sha256(b"attachment").hexdigest())
        assert _mode(stored) & 0o077 == 0
    finally:
        os.umask(old)


def test_an_existing_folder_made_by_an_older_version_is_tightened(tmp_path, make_store):
    folder = tmp_path / "old"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    make_store("old").close()
    assert _mode(folder) == 0o700 and _mode(folder / "fieldapp.sqlite") == 0o600


def test_the_service_database_and_blob_folder_are_private(tmp_path):
    from sync.server.blobs import BlobStore
    from sync.server.db import make_engine, migrate

    old = os.umask(0o022)
    try:
        db = tmp_path / "srv" / "server.sqlite"
        engine = make_engine(f"sqlite:///{db}")
        migrate(engine)
        store = BlobStore(engine, tmp_path / "srv" / "blobs", blob_max=10**6, user_quota=10**7)
        assert _mode(db.parent) == 0o700 and _mode(db) == 0o600
        for sub in ("", "objects", "partial"):
            assert _mode(store.root / sub) == 0o700
        engine.dispose()
    finally:
        os.umask(old)


def test_uploaded_bytes_are_private_on_the_server(world):
    server, eur = world.server, world.regions["EUR"]
    path = server.app.state.services.blobs.path(eur.sha)
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
