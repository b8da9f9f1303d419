"""Attachments: files copied into the data folder, addressed by their SHA-256.

The bytes live in `<data dir>/files/<first two hex>/<sha256>` (one copy however many
records point at it); the record side is a `practice_media` or `meeting_media` row and
a `blob` bookkeeping row that tells the sync engine the bytes are here and not yet
uploaded (DESIGN.md, "Attachments apart from records"). Qt-free so that the CLI, an
importer and the tests use the same path as the window.
"""
from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fieldapp.core.schema import MEDIA_KINDS, entity
from fieldapp.core.store import Store
from fieldapp.core.tables import TABLES
from fieldapp.i18n import _

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
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
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


def local_path(store: Store, row: dict) -> Path | None:
    """The file of an attachment row, when its bytes are on this computer."""
    path = blob_path(store, row["sha256"])
    return path if path.exists() else None


def export_copy(store: Store, row: dict, target: Path) -> Path:
    """Copy an attachment out under its original file name (save as)."""
    path = local_path(store, row)
    if path is None:
        raise FileNotFoundError(_("{name} has not been downloaded yet").format(name=row["file_name"]))
    return Path(shutil.copyfile(path, target))


# ----------------------------------------------------------------- the sync's bookkeeping
def unsent_blobs(store: Store) -> list[tuple[str, int]]:
    """(sha256, size) of the blobs stored here and not yet known to be on the service."""
    b = TABLES["blob"]
    with store.engine.connect() as conn:
        return [(r.sha256, r.size) for r in conn.execute(select(b.c.sha256, b.c.size).where(b.c.stored, ~b.c.uploaded))]


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
