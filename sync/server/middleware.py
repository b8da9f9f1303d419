"""ASGI middleware: request size limits and gzip request bodies; gzip, zstd or xz responses; access log.

Request bodies are read here in full, up to a limit, before any route sees them. A gzip
body (Content-Encoding: gzip) is inflated with a cap on the inflated size, so a small
"zip bomb" is refused with 413 after inflating at most the cap, never the whole bomb.
"""
from __future__ import annotations

import gzip
import json
import logging
import lzma
import time
import traceback
import uuid
import zlib
from typing import Callable, Sequence

import zstandard
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.server.logs import log
from sync.wire import SERVER_TIME_HEADER



def is_blob_transfer(path: str) -> bool:
    return path.startswith("/v1/blobs/") and path != "/v1/blobs/missing"


async def send_error(send: Send, status: int, code: str, message: str, field: str | None = None) -> None:
    body = json.dumps({"error": code, "message": message, "field": field}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_body: int, max_decompressed: int, chunk_max: int):
        self.app = app
        self.max_body = max_body
        self.max_decompressed = max_decompressed
        self.chunk_max = chunk_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self.chunk_max if is_blob_transfer(scope["path"]) else self.max_body
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_error(send, 400, "bad_request", "Content-Length is not a number", "Content-Length")
                return
            if int(declared) > limit:
                await send_error(send, 413, "too_large", f"the request body may have at most {limit} bytes", "body")
                return
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", ""):
            await send_error(send, 415, "unsupported_encoding", "request bodies may be sent as gzip or plain", "Content-Encoding")
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            data = message.get("body", b"")
            size += len(data)
            if size > limit:
                await send_error(send, 413, "too_large", f"the request body may have at most {limit} bytes", "body")
                return
            chunks.append(data)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if encoding == "gzip":
            try:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                body = inflater.decompress(body, self.max_decompressed + 1)
                if len(body) > self.max_decompressed or inflater.unconsumed_tail:
                    await send_error(send, 413, "too_large",
                                     f"the request body inflates to more than {self.max_decompressed} bytes", "body")
                    return
                if not inflater.eof:
                    raise zlib.error("truncated")
            except zlib.error:
                await send_error(send, 400, "bad_gzip", "the request body is not valid gzip", "Content-Encoding")
                return
            new_headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"content-encoding", b"content-length")]
            new_headers.append((b"content-length", str(len(body)).encode()))
            scope = dict(scope, headers=new_headers)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class CompressResponses:
    """gzip JSON answers for clients that accept it; attachment bytes go as they are (ranges).
    Large answers (initial-sync pages) go as zstd, or xz, to clients that list it in
    Accept-Encoding: a fifth to a half of gzip's bytes on a page of records, which on a 2G
    or satellite link is most of the wait. zstd first: xz's size at a fraction of its CPU
    (xz at preset 6 was 61 % of the service's CPU during an initial sync; older clients
    that know only xz get preset 2, a sixth of that CPU for about 20 % more bytes)."""

    BIG_MINIMUM = 32 * 1024
    XZ_PRESET = 2
    ZSTD_LEVEL = 9  # pages of an initial sync: the most bytes, where a 2G link waits longest
    ZSTD_WINDOW_LOG = 24  # 16 MB: a whole page of 10 000 records is one context
    # Below this, level 3: the reply to a push in a busy hour (hundreds of the others'
    # rows, a few hundred kB) cost 2.7 ms at level 9 and 0.7 ms at level 3, for 0.5 % more
    # bytes (bench/server.py); the service compresses one such reply per device and sync.
    ZSTD_FAST_BELOW = 1024 * 1024
    ZSTD_FAST_LEVEL = 3

    def __init__(self, app: ASGIApp, minimum_size: int = 1024):
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_blob_transfer(scope["path"]):
            await self.app(scope, receive, send)
            return
        accept = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"accept-encoding"), "")
        codings = [part.split(";")[0].strip() for part in accept.lower().split(",")]
        big = "zstd" if "zstd" in codings else "xz" if "xz" in codings else None
        if big is None:
            await self.gzip(scope, receive, send)
            return
        await self._big_or_gzip(scope, receive, send, big)

    @classmethod
    def compress_big(cls, body: bytes, coding: str) -> bytes:
        if coding == "zstd":
            if len(body) < cls.ZSTD_FAST_BELOW:
                params = zstandard.ZstdCompressionParameters.from_level(cls.ZSTD_FAST_LEVEL, source_size=len(body))
            else:
                params = zstandard.ZstdCompressionParameters.from_level(cls.ZSTD_LEVEL, window_log=cls.ZSTD_WINDOW_LOG)
            return zstandard.ZstdCompressor(compression_params=params).compress(body)
        return lzma.compress(body, format=lzma.FORMAT_XZ, preset=cls.XZ_PRESET)

    async def _big_or_gzip(self, scope: Scope, receive: Receive, send: Send, coding: str) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                headers = [(k, v) for k, v in (start or {}).get("headers", []) if k.lower() not in (b"content-length",)]
                if len(body) >= self.BIG_MINIMUM and not any(k.lower() == b"content-encoding" for k, _v in headers):
                    from starlette.concurrency import run_in_threadpool

                    body = await run_in_threadpool(self.compress_big, body, coding)
                    headers += [(b"content-encoding", coding.encode()), (b"vary", b"Accept-Encoding")]
                elif len(body) >= 1024 and not any(k.lower() == b"content-encoding" for k, _v in headers):
                    body = gzip.compress(body, compresslevel=6)
                    headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**(start or {}), "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, capture)


Observer = Callable[[Scope, int, float], None]  # (scope, status, seconds) of one request


class ObserveRequests:
    """ASGI middleware: the status and duration of every HTTP request, handed to each
    observer once the reply is sent (the access log, the metrics), so the request is
    timed and its status captured in one place."""

    def __init__(self, app: ASGIApp, observers: Sequence[Observer]):
        self.app = app
        self.observers = tuple(observers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.observers:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        scope.setdefault("state", {})  # current_user writes the user's name here, for the log
        try:
            await self.app(scope, receive, capture)
        finally:
            seconds = time.perf_counter() - started
            for observe in self.observers:
                observe(scope, status, seconds)


def access_log(scope: Scope, status: int, seconds: float) -> None:
    """One log line per request (an Observer): who asked what, the answer, how long."""
    state = scope.get("state") or {}
    log("request", logging.WARNING if status >= 500 else logging.INFO, method=scope["method"],
        path=scope["path"], status=status, ms=round(seconds * 1000, 1),
        user=state.get("user_name"), client=(scope.get("client") or ("?",))[0])


class CatchCrashes:
    """The last word on an unexpected error: a 500 JSON answer naming an error id, and
    one log line with that id, the exception's type and where it was raised (file, line,
    function). Never the exception's message or a traceback: those hold the SQL
    statement and its parameters, that is the records themselves (see logs.py).
    The error is not re-raised, so no server above prints it either."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # noqa: BLE001 - the whole point
            error_id = uuid.uuid4().hex[:12]
            frames = traceback.extract_tb(exc.__traceback__)
            where = [f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}:{f.name}" for f in frames[-4:]]
            log("unhandled error", logging.ERROR, error_id=error_id, kind=type(exc).__name__,
                path=scope.get("path"), where=where)
            if not started:
                await send_error(send, 500, "internal", f"the server failed; the error is logged as {error_id}", None)


class ServerClock:
    """Every reply carries the service's clock (`X-Server-Time`, ms since the epoch), so a
    client whose computer's clock is wrong stamps its edits with the service's time
    instead of having them refused (fieldapp.core.hlc.WallClock)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                now = str(int(time.time() * 1000)).encode()
                message = {**message, "headers": [*message.get("headers", []), (SERVER_TIME_HEADER.encode(), now)]}
            await send(message)

        await self.app(scope, receive, stamped)
