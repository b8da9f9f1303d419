"""Routes for attachments: which bytes to send, resumable chunked upload, ranged download.

Naming a hash grants nothing: BlobStore decides who may read or resume what.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from sync.protocol import MissingRequest, MissingResponse, UploadStatus
from sync.server.blobs import BlobError
from sync.server.deps import ERRORS, ApiError, CurrentUser, Svc, Writer

router = APIRouter(tags=["attachments"])


def _sha(sha256: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ApiError(422, "bad_sha256", "a blob is named by its SHA-256: 64 lower-case hex digits", "sha256")
    return sha256


def _blob_error(exc: BlobError) -> ApiError:
    headers = {"Upload-Offset": str(exc.offset)} if exc.offset is not None else None
    return ApiError(exc.status, exc.code, exc.message, exc.field, headers)


@router.post("/v1/blobs/missing", response_model=MissingResponse, responses=ERRORS)
def blobs_missing(body: MissingRequest, user: Writer, svc: Svc) -> MissingResponse:
    """Which of these SHA-256 you have to send (one request for a whole outbox): every
    one you have not sent whole yourself, whoever else did (naming a hash proves nothing)."""
    return MissingResponse(missing=svc.blobs.missing(body.sha256, user))


@router.get("/v1/blobs/{sha256}/upload", response_model=UploadStatus, responses=ERRORS)
def blob_upload_status(sha256: str, user: Writer, svc: Svc) -> UploadStatus:
    """Where an interrupted upload resumes (`offset`), or `complete`."""
    s = svc.blobs.status(_sha(sha256), user)
    return UploadStatus(sha256=s.sha256, offset=s.offset, size=s.size, complete=s.complete)


@router.put("/v1/blobs/{sha256}", response_model=UploadStatus, responses=ERRORS,
            openapi_extra={"requestBody": {"required": True, "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def blob_put(sha256: str, request: Request, user: Writer, svc: Svc,
                   content_range: Annotated[str | None, Header(description="bytes START-END/TOTAL")] = None) -> UploadStatus:
    """Send one chunk (Content-Range: bytes START-END/TOTAL), starting at the offset the
    server holds; the last chunk completes the file and its SHA-256 is checked."""
    _sha(sha256)
    data = await request.body()
    if content_range is None or re.fullmatch(r"\s*bytes\s+\*/0\s*", content_range):
        start, end, total = 0, len(data) - 1, len(data)
    else:
        m = re.fullmatch(r"\s*bytes\s+(\d{1,15})-(\d{1,15})/(\d{1,15})\s*", content_range)
        if not m:
            raise ApiError(416, "bad_range", "Content-Range must read bytes START-END/TOTAL", "Content-Range")
        start, end, total = (int(g) for g in m.groups())
    try:
        if total == 0 and not data:  # an empty file is an attachment like any other
            s = await run_in_threadpool(svc.blobs.put_empty, sha256, user)
        else:
            s = await run_in_threadpool(svc.blobs.put_chunk, sha256, user, start, end, total, data)
    except BlobError as exc:
        raise _blob_error(exc) from None
    return UploadStatus(sha256=s.sha256, offset=s.offset, size=s.size, complete=s.complete)


def _byte_range(header: str | None, size: int) -> tuple[int, int, int]:
    """(start, end, status) for a Range header against a file of `size` bytes."""
    if not header or size == 0:  # an empty file has no range to ask for: it is sent whole
        return 0, size - 1, 200
    m = re.fullmatch(r"\s*bytes=(\d{0,15})-(\d{0,15})\s*", header)
    if not m or (m.group(1) == "" and m.group(2) == ""):
        raise ApiError(416, "bad_range", "Range must read bytes=START-END", "Range", {"Content-Range": f"bytes */{size}"})
    if m.group(1) == "":
        start, end = max(0, size - int(m.group(2))), size - 1
    else:
        start = int(m.group(1))
        end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    if start >= size or start > end:
        raise ApiError(416, "bad_range", "the range lies outside the file", "Range", {"Content-Range": f"bytes */{size}"})
    return start, end, 206


def _read_blocks(path: str, first: int, last: int) -> Iterator[bytes]:
    with open(path, "rb") as fh:  # in blocks: a large file never sits in memory whole
        fh.seek(first)
        left = last - first + 1
        while left > 0:
            block = fh.read(min(left, 1 << 20))
            if not block:
                return
            left -= len(block)
            yield block


@router.get("/v1/blobs/{sha256}",
            responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
                       206: {"content": {"application/octet-stream": {}}, "description": "a range of the bytes"}})
def blob_get(sha256: str, user: CurrentUser, svc: Svc, range: Annotated[str | None, Header()] = None) -> Response:  # noqa: A002
    """Download a blob, whole or a byte range (Range: bytes=START-END), if a record in
    your scope refers to it or you uploaded it."""
    _sha(sha256)
    size = svc.blobs.size(sha256)
    if size is None or not svc.blobs.may_read(sha256, user):
        raise ApiError(404, "not_found", "no such attachment in your scope", "sha256")
    start, end, status = _byte_range(range, size)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=31536000, immutable",
               "Content-Length": str(end - start + 1)}
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(_read_blocks(str(svc.blobs.path(sha256)), start, end), status_code=status,
                             media_type="application/octet-stream", headers=headers)
