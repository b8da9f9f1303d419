"""Attachment bytes, apart from records (DESIGN.md sync rule 7).

Files are addressed by their SHA-256 only: the path on disk is built from the validated
hex digest, never from a name a client sent, so no "../" can escape the blob folder.
Uploads are resumable: each (blob, user) has a partial file; a chunk must start at the
current offset (Content-Range); when the last byte arrives the hash is verified and the
file moves into place atomically. Limits: one file, and all of a user's files.

Naming a hash grants nothing (DESIGN.md sync rule 7). A user *holds* a blob once they
sent its bytes whole and the hash matched (`blob_holders`), even when the server had
the bytes already: that upload is the proof of possession. A user may fetch a blob
they hold, or one referenced by a live media row in their scope whose sha256 was set
by a holder: a row naming a stranger's hash serves nothing until its author uploads.
"Which do you lack" and the upload status answer from the asker's own holdings and
uploads only, so they reveal nothing about blobs others sent.
Folders are created 0700 and files 0600: the bytes are the users' attachments.
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
from fieldapp.paths import make_private_dir
from sync.server.db import write_conn
from sync.server.principal import Principal
from sync.server.storage import utcnow
from sync.server.tables import TABLES

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
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
        for folder in (self.root, self.root / "objects", self.root / "partial"):
            make_private_dir(folder)

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

    def holds(self, conn, sha: str, user: Principal) -> bool:
        h = TABLES["blob_holders"]
        return conn.execute(select(h.c.sha256).where(h.c.sha256 == sha, h.c.user_id == user.id)).first() is not None

    def missing(self, shas: list[str], user: Principal) -> list[str]:
        """The blobs `user` still has to send: those asked about that they have not
        proven they hold, whether or not someone else sent the same bytes (that is not the
        asker's to know); then the proofs they owe (`owed`), asked about or not."""
        wanted = list(dict.fromkeys(self.check_sha(s) for s in shas))
        h = TABLES["blob_holders"]
        with self.engine.connect() as conn:
            owed = self._owed(conn, user)
            candidates = wanted + sorted(set(owed) - set(wanted))
            have: set[str] = set()
            for i in range(0, len(candidates), 500):
                have |= set(conn.execute(select(h.c.sha256).where(
                    h.c.user_id == user.id, h.c.sha256.in_(candidates[i:i + 500]))).scalars())
        return [s for s in candidates if s not in have]

    @staticmethod
    def _owed(conn, user: Principal) -> set[str]:
        """Hashes `user` wrote into live media rows. Those they do not hold are proofs
        they owe: rows attached before proof of possession was asked (their client then
        heard the server had the bytes and never sent them), whose files nobody in the
        row's region can fetch until the author's client sends them. Naming them back
        reveals nothing: the asker wrote them."""
        out: set[str] = set()
        for e in MEDIA_ENTITIES:
            t = TABLES[e.name]
            out |= set(conn.execute(select(t.c.sha256).where(
                t.c.deleted == False, t.c.sha256.is_not(None),  # noqa: E712
                t.c.field_authors["sha256"].as_string() == user.name)).scalars())
        return out

    def status(self, sha: str, user: Principal) -> Status:
        """Where `user`'s upload of `sha` stands: complete when they hold it, else the
        offset of their own partial upload (nothing about anyone else's)."""
        self.check_sha(sha)
        b, up = TABLES["blobs"], TABLES["blob_uploads"]
        with self.engine.connect() as conn:
            if self.holds(conn, sha, user):
                done = conn.execute(select(b.c.size).where(b.c.sha256 == sha)).scalar()
                return Status(sha, int(done or 0), int(done or 0), True)
            row = conn.execute(select(up).where(up.c.sha256 == sha, up.c.user_id == user.id)).mappings().first()
        if row is None:
            return Status(sha, 0, None, False)
        return Status(sha, int(row["offset"]), int(row["size"]), False)

    def put_empty(self, sha: str, user: Principal) -> Status:
        """A zero-byte attachment: nothing to send in chunks, the hash alone is checked."""
        self.check_sha(sha)
        if sha != EMPTY_SHA256:
            raise BlobError(422, "hash_mismatch", "the bytes received do not have this SHA-256; the upload starts over",
                            "sha256", 0)
        target = self.path(sha)
        make_private_dir(target.parent)
        if not target.exists():
            _private_file(target).close()
        self._complete(sha, user, 0)
        return Status(sha, 0, 0, True)

    def _complete(self, sha: str, user: Principal, total: int) -> None:
        """Record the blob (first sender) and that `user` holds it."""
        b, up, h = TABLES["blobs"], TABLES["blob_uploads"], TABLES["blob_holders"]
        for attempt in range(3):  # two users completing the same file at the same moment
            try:
                with write_conn(self.engine) as conn, conn.begin():
                    conn.execute(delete(up).where(up.c.sha256 == sha, up.c.user_id == user.id))
                    if not conn.execute(select(b.c.sha256).where(b.c.sha256 == sha)).first():
                        conn.execute(insert(b).values(sha256=sha, size=total, uploaded_by=user.id, completed_at=utcnow()))
                    if not self.holds(conn, sha, user):
                        conn.execute(insert(h).values(sha256=sha, user_id=user.id, since=utcnow()))
                return
            except IntegrityError:
                if attempt == 2:
                    raise

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
        """Check the chunk against the upload's state; None when this user holds the blob."""
        up = TABLES["blob_uploads"]
        with write_conn(self.engine) as conn, conn.begin():
            if self.holds(conn, sha, user):
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
        up = TABLES["blob_uploads"]
        with (open(part, "r+b") if part.exists() else _private_file(part)) as fh:
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
        if not good:
            part.unlink(missing_ok=True)
            with write_conn(self.engine) as conn, conn.begin():
                conn.execute(delete(up).where(up.c.sha256 == sha, up.c.user_id == user.id))
            raise BlobError(422, "hash_mismatch", "the bytes received do not have this SHA-256; the upload starts over",
                            "sha256", 0)
        target = self.path(sha)
        make_private_dir(target.parent)
        if target.exists():
            part.unlink(missing_ok=True)  # the same bytes, sent before by someone: this was the proof
        else:
            os.replace(part, target)
        self._complete(sha, user, total)
        return Status(sha, total, total, True)

    def may_read(self, sha: str, user: Principal) -> bool:
        """`user` holds the blob, or a live media row in their scope names it and the
        author of that row's sha256 holds it (possession proven by whoever named it)."""
        h, users = TABLES["blob_holders"], TABLES["users"]
        with self.engine.connect() as conn:
            holders = {name for uid, name in conn.execute(
                select(h.c.user_id, users.c.name).join(users, users.c.id == h.c.user_id).where(h.c.sha256 == sha))}
            if not holders:
                return False
            if self.holds(conn, sha, user):
                return True
            for e in MEDIA_ENTITIES:
                t = TABLES[e.name]
                q = select(t.c.scope_region, t.c.field_authors).where(t.c.sha256 == sha, t.c.deleted == False)  # noqa: E712
                for scope, authors in conn.execute(q):
                    if user.reads(scope) and (authors or {}).get("sha256") in holders:
                        return True
        return False

    def size(self, sha: str) -> int | None:
        b = TABLES["blobs"]
        with self.engine.connect() as conn:
            size = conn.execute(select(b.c.size).where(b.c.sha256 == sha)).scalar()
        return int(size) if size is not None else None



def _private_file(path: Path):
    """A new file open for writing that only the service's account may read (0600)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
