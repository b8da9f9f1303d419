"""Attachments sealed with AES-256-GCM when the database is encrypted.

The key is 32 random bytes kept in the (encrypted) database's `meta` table, so it is as
safe as the database and a rotation of the database key leaves the files alone. A file is
sealed in chunks so a 2 GB video never sits whole in memory and an upload can resume at
any offset: `FAE1` + an 8-byte nonce prefix, then chunks of up to 64 KiB, each with its
16-byte tag; a chunk's nonce is the prefix and its index, and its associated data says
whether it is the last, so a truncated or reordered file fails to open.
"""
from __future__ import annotations

import io
import os
import secrets
import struct
import tempfile
from pathlib import Path
from typing import BinaryIO

from fieldapp.core.cipher_db import is_open_encrypted

MAGIC = b"FAE1"
HEADER = len(MAGIC) + 8
CHUNK = 64 * 1024
TAG = 16
META_KEY = "files_key"


def _aead(key: bytes):  # noqa: ANN202 - cryptography's AESGCM
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def plain_size(sealed_size: int) -> int:
    body = sealed_size - HEADER
    full, rest = divmod(body, CHUNK + TAG)
    return full * CHUNK + max(rest - TAG, 0)


class SealedWriter(io.RawIOBase):
    """Write plain bytes, get a sealed file; `close()` seals the last chunk."""

    def __init__(self, key: bytes, out: BinaryIO) -> None:
        super().__init__()
        self._aead, self._out = _aead(key), out
        self._prefix = secrets.token_bytes(8)
        self._buffer = bytearray()
        self._index = 0
        out.write(MAGIC + self._prefix)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # noqa: ANN001 - bytes-like
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep a chunk back: only close() knows which is last
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._prefix, self._index), chunk, b"\x01" if last else b"\x00"))
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._out.flush()
        super().close()


class SealedReader(io.RawIOBase):
    """Read the plain bytes of a sealed file, with seek (uploads resume at an offset)."""

    def __init__(self, key: bytes, path: Path) -> None:
        super().__init__()
        self._aead = _aead(key)
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by close()
        head = self._fh.read(HEADER)
        if head[: len(MAGIC)] != MAGIC:
            self._fh.close()
            raise ValueError(f"{path.name} is not a sealed attachment")
        self._prefix = head[len(MAGIC):]
        self._sealed_size = os.fstat(self._fh.fileno()).st_size
        self.size = plain_size(self._sealed_size)
        self._pos = 0
        self._last_chunks = (max(self._sealed_size - HEADER, 1) + CHUNK + TAG - 1) // (CHUNK + TAG)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self.size}[whence]
        self._pos = max(base + offset, 0)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def _chunk(self, index: int) -> bytes:
        self._fh.seek(HEADER + index * (CHUNK + TAG))
        sealed = self._fh.read(CHUNK + TAG)
        last = index == self._last_chunks - 1
        return self._aead.decrypt(_nonce(self._prefix, index), sealed, b"\x01" if last else b"\x00")

    def read(self, n: int = -1) -> bytes:
        end = self.size if n is None or n < 0 else min(self.size, self._pos + n)
        out = bytearray()
        while self._pos < end:
            index, skip = divmod(self._pos, CHUNK)
            piece = self._chunk(index)[skip: skip + end - self._pos]
            out += piece
            self._pos += len(piece)
        return bytes(out)

    def readinto(self, buffer) -> int:  # noqa: ANN001
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def seal_file(key: bytes, source: Path, target: Path) -> None:
    """Seal `source` into `target` (written beside it, then moved: never half a file)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".sealing-")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            writer = SealedWriter(key, out)
            while chunk := src.read(1024 * 1024):
                writer.write(chunk)
            writer.close()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_sealed(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def encrypt_existing(db_path: Path, db_key) -> int:  # noqa: ANN001 - encryption.DatabaseKey
    """Give an encrypted database its files key (kept in `meta`) and seal every plain file
    of `files/`; returns how many were sealed."""
    from fieldapp.core.cipher_db import cipher_connect

    if not db_path.exists():
        return 0
    conn = cipher_connect(db_path, db_key)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
        if row is None:
            key = secrets.token_bytes(32)
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (META_KEY, key.hex()))
            conn.commit()
        else:
            key = bytes.fromhex(row[0])
    finally:
        conn.close()
    files = db_path.parent / "files"
    sealed = 0
    for path in sorted(files.glob("??/*")) if files.is_dir() else []:
        if path.is_file() and path.suffix != ".part" and not is_sealed(path):
            seal_file(key, path, path)
            sealed += 1
    return sealed


def for_store(store) -> bytes | None:  # noqa: ANN001 - core.store.Store (which imports nothing of this)
    """The attachments key of an encrypted store (made on first use), None for a plain one."""
    if not is_open_encrypted(store.engine):
        return None
    cached = getattr(store, "_files_key", None)
    if cached is None:
        value = store.meta(META_KEY)
        if value is None:
            value = secrets.token_bytes(32).hex()
            store.set_meta(META_KEY, value)
        cached = store._files_key = bytes.fromhex(value)
    return cached
