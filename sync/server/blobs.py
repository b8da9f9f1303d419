"""Attachment bytes, apart from records (DESIGN.md sync rule 7).

Files are addressed by their SHA-256 only: the path on disk is built from the validated
hex digest, never from a name a client sent, so no "../" can escape the blob folder.
Uploads are resumable: each (blob, user) has a partial file; a chunk must start at the
current offset (Content-Range); when the last byte arrives the hash is verified and the
file moves into place atomically. Limits: one file, and all of a user's files.
A user may fetch a blob they uploaded or one referenced by a media row in their scope.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from fieldapp.core.schema import ENTITIES
from sync.server.db import write_conn
from sync.server.principal import Principal
from sync.server.storage import utcnow
from sync.server.tables import TABLES

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
MEDIA_ENTITIES = tuple(e for e in ENTITIES if e.has("sha256"))


class BlobError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None, offset: int | None = None):
        self.status, self.code, self.message, self.field, self.offset = status, code, message, field, offset
        super().__init__(message)


@dataclass(frozen=True)
class Status:
    sha256: str
    offset: int
    size: int | None
    complete: bool


class BlobStore:
    def __init__(self, engine: Engine, root: Path, *, blob_max: int, user_quota: int):
        self.engine = engine
        self.root = Path(root)
        self.blob_max = blob_max
        self.user_quota = user_quota
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        (self.root / "partial").mkdir(parents=True, exist_ok=True)

    @staticmethod
    def check_sha(sha: str) -> str:
        if not SHA_RE.match(sha or ""):
            raise BlobError(422, "bad_sha256", "a blob is named by its SHA-256: 64 lower-case hex digits", "sha256")
        return sha

    def path(self, sha: str) -> Path:
        sha = self.check_sha(sha)
        return self.root / "objects" / sha[:2] / sha

    def _partial(self, sha: str, user: Principal) -> Path:
        return self.root / "partial" / f"{self.check_sha(sha)}.{int(user.id)}"

    def missing(self, shas: list[str]) -> list[str]:
        wanted = list(dict.fromkeys(self.check_sha(s) for s in shas))
        b = TABLES["blobs"]
        have: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                have |= set(conn.execute(select(b.c.sha256).where(b.c.sha256.in_(wanted[i:i + 500]))).scalars())
        return [s for s in wanted if s not in have]

    def status(self, sha: str, user: Principal) -> Status:
        self.check_sha(sha)
        b, up = TABLES["blobs"], TABLES["blob_uploads"]
        with self.engine.connect() as conn:
            done = conn.execute(select(b.c.size).where(b.c.sha256 == sha)).scalar()
            if done is not None:
                return Status(sha, int(done), int(done), True)
            row = conn.execute(select(up).where(up.c.sha256 == sha, up.c.user_id == user.id)).mappings().first()
        if row is None:
            return Status(sha, 0, None, False)
        return Status(sha, int(row["offset"]), int(row["size"]), False)

    def _used(self, conn, user: Principal, except_sha: str) -> int:
        b, up = TABLES["blobs"], TABLES["blob_uploads"]
        done = conn.execute(select(func.coalesce(func.sum(b.c.size), 0)).where(b.c.uploaded_by == user.id)).scalar()
        pending = conn.execute(select(func.coalesce(func.sum(up.c.size), 0))
                               .where(up.c.user_id == user.id, up.c.sha256 != except_sha)).scalar()
        return int(done or 0) + int(pending or 0)

    def put_chunk(self, sha: str, user: Principal, start: int, end: int, total: int, data: bytes) -> Status:
        """Write bytes [start, end] of a file of `total` bytes. The chunk must begin at
        the current offset (409 with the offset otherwise, so the client resumes there).
        Disk writes and hashing happen outside database transactions, so a large file
        never holds up other writers; two racing uploads of the same chunk at worst
        fail the hash check and start over."""
        self.check_sha(sha)
        if total > self.blob_max:
            raise BlobError(413, "too_large", f"a file may have at most {self.blob_max} bytes", "Content-Range")
        if not (0 <= start <= end < total) or end - start + 1 != len(data):
            raise BlobError(416, "bad_range", "Content-Range does not match the bytes sent", "Content-Range")
        part = self._partial(sha, user)
        try:
            offset = self._begin_chunk(sha, user, start, total, part)
        except IntegrityError:
            raise BlobError(409, "busy", "another upload of this file is starting; ask for the offset and resume",
                            "sha256", 0) from None
        if offset is None:
            return Status(sha, total, total, True)
        return self._write_chunk(sha, user, start, end, total, data, part)

    def _begin_chunk(self, sha: str, user: Principal, start: int, total: int, part: Path) -> int | None:
        """Check the chunk against the upload's state; None when the blob is complete."""
        b, up = TABLES["blobs"], TABLES["blob_uploads"]
        with write_conn(self.engine) as conn, conn.begin():
            if conn.execute(select(b.c.sha256).where(b.c.sha256 == sha)).first():
                return None
            row = conn.execute(select(up).where(up.c.sha256 == sha, up.c.user_id == user.id)).mappings().first()
            if row is None:
                if self._used(conn, user, sha) + total > self.user_quota:
                    raise BlobError(413, "quota", "your storage quota for attachments is used up", "Content-Range")
                conn.execute(insert(up).values(sha256=sha, user_id=user.id, size=total, offset=0, started_at=utcnow()))
                offset = 0
                part.unlink(missing_ok=True)
            else:
                offset = int(row["offset"])
                if int(row["size"]) != total:
                    raise BlobError(409, "size_changed", "the total size differs from the upload begun earlier",
                                    "Content-Range", offset)
            if start != offset:
                raise BlobError(409, "wrong_offset", f"the upload continues at byte {offset}", "Content-Range", offset)
        return offset

    def _write_chunk(self, sha: str, user: Principal, start: int, end: int, total: int, data: bytes,
                     part: Path) -> Status:
        b, up = TABLES["blobs"], TABLES["blob_uploads"]
        with open(part, "r+b" if part.exists() else "wb") as fh:
            fh.seek(start)
            fh.write(data)
            fh.truncate()
            fh.flush()
            os.fsync(fh.fileno())
        offset = end + 1
        if offset < total:
            with write_conn(self.engine) as conn, conn.begin():
                conn.execute(update(up).where(up.c.sha256 == sha, up.c.user_id == user.id).values(offset=offset))
            return Status(sha, offset, total, False)
        digest = hashlib.sha256()
        with open(part, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        good = digest.hexdigest() == sha
        if good:
            target = self.path(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)
        else:
            part.unlink(missing_ok=True)
        try:
            with write_conn(self.engine) as conn, conn.begin():
                conn.execute(delete(up).where(up.c.sha256 == sha, up.c.user_id == user.id))
                if good and not conn.execute(select(b.c.sha256).where(b.c.sha256 == sha)).first():
                    conn.execute(insert(b).values(sha256=sha, size=total, uploaded_by=user.id, completed_at=utcnow()))
        except IntegrityError:
            pass  # another user completed the same file at the same moment: it is there
        if not good:
            raise BlobError(422, "hash_mismatch", "the bytes received do not have this SHA-256; the upload starts over",
                            "sha256", 0)
        return Status(sha, total, total, True)

    def may_read(self, sha: str, user: Principal) -> bool:
        b = TABLES["blobs"]
        with self.engine.connect() as conn:
            if conn.execute(select(b.c.sha256).where(b.c.sha256 == sha, b.c.uploaded_by == user.id)).first():
                return True
            for e in MEDIA_ENTITIES:
                t = TABLES[e.name]
                q = select(t.c.scope_region).where(t.c.sha256 == sha, t.c.deleted == False)  # noqa: E712
                for scope in conn.execute(q).scalars():
                    if user.reads(scope):
                        return True
        return False

    def size(self, sha: str) -> int | None:
        b = TABLES["blobs"]
        with self.engine.connect() as conn:
            size = conn.execute(select(b.c.size).where(b.c.sha256 == sha)).scalar()
        return int(size) if size is not None else None

