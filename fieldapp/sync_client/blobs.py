"""Attachments over the wire: uploaded in resumable chunks, downloaded lazily.

The server is asked once which of our blobs it lacks (and, once a day, which files it
still needs from us as proof of possession); each missing one is sent in chunks
from the offset the server already holds, so a link cut mid-file resumes, not restarts.
Downloads go to a temporary file, resume with Range, and are kept only when their
SHA-256 matches.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Callable

from sqlalchemy.exc import OperationalError

from fieldapp.core import attachments, diskspace, files_key
from fieldapp.core.attachments import blob_path, open_blob
from fieldapp.core.store import Store
from fieldapp.sync_client.transport import RetryPolicy, Transport

CHUNK = 256 * 1024  # small enough to finish on 2G between two drops
Progress = Callable[[str, int, int], None]  # (sha256, bytes done, bytes total)


PROOFS_KEY = "blob_proofs_checked_ms"  # meta: when the server was last asked which proofs we owe
PROOFS_EVERY_MS = 24 * 3600 * 1000


def _proofs_due(store: Store) -> bool:
    """Is it time to ask which files we owe the server? Once a day while files are
    stored here: a file attached before the server asked for proof of possession was
    marked sent as soon as someone else had uploaded it, and only its author's upload
    lets the record's region fetch it (DESIGN.md sync rule 7)."""
    last = store.meta(PROOFS_KEY)
    if last is not None and store.time.now_ms() - int(last) < PROOFS_EVERY_MS:
        return False
    return attachments.any_stored(store)


def upload_missing(store: Store, transport: Transport, progress: Progress | None = None) -> int:
    """Send every local blob the server lacks from us, and the files we owe it (see
    `_proofs_due`) that are here; returns how many were sent."""
    local = attachments.unsent_blobs(store)
    due = _proofs_due(store)
    if not local and not due:
        return 0
    # with nothing of ours to send, a 403 says our role sends no attachments (a viewer): no proof owed
    reply = transport.call("POST", "/v1/blobs/missing", json_body={"sha256": [s for s, _ in local]},
                           ok=(200,) if local else (200, 403))
    missing = reply.json()["missing"] if reply.status == 200 else []
    attachments.mark_uploaded(store, [s for s, _ in local if s not in missing])
    sent = 0
    for sha, size in attachments.stored_sizes(store, set(missing)).items():
        _upload(store, transport, sha, size, progress)
        attachments.mark_uploaded(store, [sha])
        sent += 1
    if due:
        store.set_meta(PROOFS_KEY, str(store.time.now_ms()))
    return sent


def _upload(store: Store, transport: Transport, sha: str, size: int, progress: Progress | None) -> None:
    status = transport.call("GET", f"/v1/blobs/{sha}/upload").json()
    offset = 0 if status.get("complete") is None else int(status.get("offset") or 0)
    if status.get("complete"):
        return
    if size == 0:  # an empty file: one PUT with no bytes completes it
        transport.call("PUT", f"/v1/blobs/{sha}", data=b"",
                       headers={"Content-Type": "application/octet-stream", "Content-Range": "bytes */0"})
        return
    with open_blob(store, sha) as fh:
        while offset < size:
            fh.seek(offset)
            chunk = fh.read(CHUNK)
            end = offset + len(chunk) - 1
            reply = transport.call(
                "PUT", f"/v1/blobs/{sha}", data=chunk,
                headers={"Content-Type": "application/octet-stream", "Content-Range": f"bytes {offset}-{end}/{size}"},
                ok=(200, 201, 409),
            )
            if reply.status == 409:  # the server holds another offset (an earlier try landed): resume there
                offset = int(reply.headers.get("upload-offset") or transport.call("GET", f"/v1/blobs/{sha}/upload").json()["offset"])
                continue
            state = reply.json()
            offset = int(state.get("offset") or end + 1)
            if progress:
                progress(sha, min(offset, size), size)
            if state.get("complete"):
                return


def download(store: Store, transport: Transport, sha: str, size: int | None = None, progress: Progress | None = None) -> Path:
    """Fetch a blob (resuming a partial download) and verify it; returns its path."""
    target = blob_path(store, sha)
    if target.exists():
        return target
    part = target.with_suffix(".part")
    done = part.stat().st_size if part.exists() else 0
    # never start what cannot fit: the rest of the file plus room for the database
    diskspace.ensure_room(store.files_dir, max((size or 0) - done, 0) + diskspace.DOWNLOAD_RESERVE)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _fetch(store, transport, sha, target, part, done, progress)
    except (OSError, OperationalError, sqlite3.OperationalError) as exc:
        full = diskspace.explain(exc, store.files_dir, (size or 0) + diskspace.DOWNLOAD_RESERVE)
        if full is None:
            raise
        raise full from exc


def _fetch(store: Store, transport: Transport, sha: str, target: Path, part: Path, done: int,
           progress: Progress | None) -> Path:
    policy = RetryPolicy(deadline=3600)
    while True:
        headers = {"Range": f"bytes={done}-{done + 4 * CHUNK - 1}"}
        reply = transport.call("GET", f"/v1/blobs/{sha}", headers=headers, policy=policy, ok=(200, 206, 416))
        if reply.status == 416:  # nothing (more) to fetch: the file is complete, or empty
            part.touch()
            break
        with part.open("ab" if reply.status == 206 else "wb") as fh:
            fh.write(reply.body)
        done = part.stat().st_size
        total = int(reply.headers.get("content-range", "/0").rsplit("/", 1)[-1] or 0) if reply.status == 206 else done
        if progress:
            progress(sha, done, total or done)
        if reply.status == 200 or done >= total:
            break
    digest = hashlib.sha256()
    with part.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    if digest.hexdigest() != sha:
        part.unlink(missing_ok=True)
        raise ValueError(f"downloaded attachment does not match its SHA-256 ({sha[:12]}…)")
    size = part.stat().st_size
    key = files_key.for_store(store)
    if key:  # encryption on: sealed now it is whole and checked (core/files_key.py)
        files_key.seal_file(key, part, target)
        part.unlink()
    else:
        os.replace(part, target)
    attachments.record_downloaded(store, sha, size)
    return target


def missing_locally(store: Store) -> list[tuple[str, int]]:
    """Blobs referenced by live media rows whose bytes are not on this machine."""
    out: dict[str, int] = {}
    for sha, size in attachments.referenced_blobs(store):
        if sha and not blob_path(store, sha).exists():
            out[sha] = size or 0
    return sorted(out.items())


def download_all(store: Store, transport: Transport, progress: Progress | None = None) -> int:
    """Everything in the user's regions, for a trip with no network ahead."""
    got = 0
    for sha, size in missing_locally(store):
        download(store, transport, sha, size, progress)
        got += 1
    return got
