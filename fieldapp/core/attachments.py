"""Attachments: files copied into the data folder, addressed by their SHA-256.

The bytes live in `<data dir>/files/<first two hex>/<sha256>` (one copy however many
records point at it); the record side is a `practice_media` or `meeting_media` row and
a `blob` bookkeeping row that tells the sync engine the bytes are here and not yet
uploaded (DESIGN.md, "Attachments apart from records"). Qt-free so that the CLI, an
importer and the tests use the same path as the window.
"""
from __future__ import annotations

import atexit
import hashlib
import mimetypes
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fieldapp.core import files_key
from fieldapp.core.schema import MEDIA_KINDS, entity
from fieldapp.core.store import Store
from fieldapp.core.tables import TABLES
from fieldapp.i18n import _
from fieldapp.paths import make_private_file

MAX_BYTES = 2 * 1024**3  # a longer video than this belongs on a video platform, linked
OWNERS = {"practice": "practice_media", "meeting": "meeting_media"}
_CHUNK = 1024 * 1024


def media_entity(owner: str) -> str:
    """The attachment entity of `owner` ('practice' -> 'practice_media')."""
    try:
        return OWNERS[owner]
    except KeyError:
        raise KeyError(f"{owner} records take no attachments") from None


def blob_path(store: Store, sha256: str) -> Path:
    """Where the bytes of `sha256` live (whether or not they are present)."""
    return store.files_dir / sha256[:2] / sha256


def kind_of(mime_type: str) -> str:
    """Photo, video or document, from the MIME type (the user may change it later)."""
    if mime_type.startswith("image/"):
        kind = "photo"
    elif mime_type.startswith("video/"):
        kind = "video"
    elif mime_type.startswith("text/") or mime_type in (
        "application/pdf", "application/msword", "application/rtf",
        "application/vnd.oasis.opendocument.text", "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ):
        kind = "document"
    else:
        kind = "other"
    assert kind in MEDIA_KINDS
    return kind


def store_file(store: Store, source: Path | str) -> tuple[str, int, str]:
    """Copy `source` into the files folder (hashing while copying, one pass) and record
    the blob; returns (sha256, size, mime type). Copying an identical file again costs
    a read and keeps one copy."""
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(_("{path} is not a file").format(path=source))
    size = source.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(_("{name} is too large to attach (at most {n} GB)").format(name=source.name, n=MAX_BYTES // 1024**3))
    store.files_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=store.files_dir, prefix=".incoming-")
    key = files_key.for_store(store)
    try:
        with os.fdopen(fd, "wb") as raw, source.open("rb") as src:
            out = files_key.SealedWriter(key, raw) if key else raw  # sealed as it is copied: no plain copy
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            if key:
                out.close()
            raw.flush()
            os.fsync(raw.fileno())
        sha = digest.hexdigest()
        target = blob_path(store, sha)
        if target.exists():
            os.unlink(tmp_name)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    mime = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    blob = TABLES["blob"]
    with store.engine.begin() as conn:
        if conn.execute(select(blob.c.sha256).where(blob.c.sha256 == sha)).first() is None:
            conn.execute(insert(blob).values(sha256=sha, size=size, mime_type=mime, stored=True, uploaded=False))
    return sha, size, mime


def add_file(store: Store, owner: str, owner_id: str, source: Path | str, *, caption: str | None = None) -> str:
    """Attach a file from disk to a practice or a meeting; returns the new media row id.
    Meant to run on the store's writer thread (`store.submit(add_file, ...)`)."""
    sha, size, mime = store_file(store, source)
    values = {
        f"{owner}_id": owner_id, "sha256": sha, "file_name": Path(source).name[:255],
        "mime_type": mime[:127], "size": size, "kind": kind_of(mime),
    }
    if caption:
        values["caption"] = caption
    return store.insert(media_entity(owner), values)


def attachments(store: Store, owner: str, owner_id: str) -> list[dict]:
    """Live attachments of a record, oldest first."""
    rows = store.children(media_entity(owner), owner_id)
    return sorted(rows, key=lambda r: (r["created_at"], r["id"]))


def remove(store: Store, media_entity_name: str, media_id: str) -> None:
    """Tombstone the attachment row; the bytes stay (another record or an undo may need
    them, and the sync engine decides when they can go)."""
    entity(media_entity_name)
    store.delete(media_entity_name, media_id)


def open_blob(store: Store, sha256: str) -> files_key.SealedReader | BinaryIO:
    """The plain bytes of a stored blob, seekable (sealed files are opened through their key)."""
    path = blob_path(store, sha256)
    key = files_key.for_store(store)
    return files_key.SealedReader(key, path) if key else path.open("rb")


def local_path(store: Store, row: dict) -> Path | None:
    """A readable file of an attachment row, when its bytes are on this computer. With
    encryption on, a plain copy in a private folder removed when the program ends (another
    program must open it: a viewer, the PDF maker)."""
    path = blob_path(store, row["sha256"])
    if not path.exists():
        return None
    if files_key.for_store(store) is None:
        return path
    folder = _opened_folder(store)
    copy = folder / f"{row['sha256'][:16]}{Path(row.get('file_name') or '').suffix[:16]}"
    if not copy.exists():
        with open_blob(store, row["sha256"]) as src, open(make_private_file(copy), "wb") as out:
            shutil.copyfileobj(src, out, _CHUNK)
    return copy


_OPENED: weakref.WeakKeyDictionary[Store, Path] = weakref.WeakKeyDictionary()


def _opened_folder(store: Store) -> Path:
    """The private folder of this store's plain copies, made on first use (0700) and
    removed when the program ends."""
    folder = _OPENED.get(store)
    if folder is None:
        folder = _OPENED[store] = Path(tempfile.mkdtemp(prefix="fieldapp-open-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


# ----------------------------------------------------------------- the sync's bookkeeping
def unsent_blobs(store: Store) -> list[tuple[str, int]]:
    """(sha256, size) of the blobs stored here and not yet known to be on the service."""
    b = TABLES["blob"]
    with store.engine.connect() as conn:
        return [(r.sha256, r.size) for r in conn.execute(select(b.c.sha256, b.c.size).where(b.c.stored, ~b.c.uploaded))]


def stored_sizes(store: Store, shas: set[str]) -> dict[str, int]:
    """sha256 -> size of those of `shas` whose bytes are stored here."""
    b = TABLES["blob"]
    with store.engine.connect() as conn:
        return {r.sha256: r.size for r in conn.execute(select(b.c.sha256, b.c.size).where(b.c.stored))
                if r.sha256 in shas}


def any_stored(store: Store) -> bool:
    b = TABLES["blob"]
    with store.engine.connect() as conn:
        return conn.execute(select(b.c.sha256).where(b.c.stored).limit(1)).first() is not None


def mark_uploaded(store: Store, shas: list[str]) -> None:
    if shas:
        b = TABLES["blob"]
        with store.transaction() as tx:
            tx.conn.execute(update(b).where(b.c.sha256.in_(shas)).values(uploaded=True))


def record_downloaded(store: Store, sha: str, size: int) -> None:
    """A blob fetched from the service is stored here (and so is on the service)."""
    with store.transaction() as tx:
        tx.conn.execute(sqlite_insert(TABLES["blob"]).values(sha256=sha, size=size, stored=True, uploaded=True)
                        .on_conflict_do_update(index_elements=["sha256"], set_={"stored": True, "uploaded": True}))


def referenced_blobs(store: Store) -> list[tuple[str, int | None]]:
    """(sha256, size) of every live media row, whether or not its bytes are here."""
    out = []
    with store.engine.connect() as conn:
        for name in ("practice_media", "meeting_media"):
            t = TABLES[name]
            out += [(sha, size) for sha, size in conn.execute(select(t.c.sha256, t.c.size).where(~t.c.deleted))]
    return out
