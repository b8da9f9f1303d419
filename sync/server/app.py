"""The HTTP API (FastAPI): routes are thin; storage, accounts and blobs do the work.

Every answer that is not a success is JSON `{"error", "message", "field"}`: bad input
gets a 4xx naming the field and the rule, never a 500 or a stack trace.
"""
from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.protocol import (
    PROTOCOL_VERSION, ErrorBody, Health, LoginRequest, LoginResponse, MissingRequest, MissingResponse,
    SyncRequest, SyncResponse, UploadStatus, UserInfo,
)
from sync.server.accounts import AccountError, Accounts
from sync.server.blobs import BlobError, BlobStore
from sync.server.db import make_engine
from sync.server.logs import log
from sync.server.metrics import CONTENT_TYPE, MeasureRequests, Metrics
from sync.server.middleware import AccessLog, BodyLimit, CatchCrashes, CompressResponses, ServerClock
from sync.server.principal import Principal
from sync.server.settings import Settings
from sync.server.storage import Storage

ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 415, 416, 422, 429, 503)}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None, headers: dict | None = None):
        self.status, self.code, self.message, self.field, self.headers = status, code, message, field, headers
        super().__init__(message)


def error_response(status: int, code: str, message: str, field: str | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "field": field}, status_code=status, headers=headers)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    storage: Storage
    accounts: Accounts
    blobs: BlobStore


bearer = HTTPBearer(auto_error=False, description="the token from POST /v1/login")


def _services(request: Request) -> Services:
    return request.app.state.services


def current_user(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise ApiError(401, "unauthorized", "log in first: send Authorization: Bearer <token>", "Authorization",
                       {"WWW-Authenticate": "Bearer"})
    user = _services(request).accounts.authenticate(creds.credentials)
    if user is None:
        raise ApiError(401, "unauthorized", "the token is unknown, expired or revoked: log in again", "Authorization",
                       {"WWW-Authenticate": "Bearer"})
    request.scope.setdefault("state", {})["user_name"] = user.name
    return user


def writer(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    if not user.can_write:
        raise ApiError(403, "forbidden", f"your role ({user.role}) may not send changes or files")
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]
Writer = Annotated[Principal, Depends(writer)]


def _field_of(loc: tuple | list) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or None


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = engine or make_engine(settings.db_url)
    storage = Storage(engine, clock_drift_ms=settings.clock_drift_ms, page_size=settings.page_size)
    services = Services(settings, engine, storage, Accounts(engine, settings),
                        BlobStore(engine, settings.blob_dir, blob_max=settings.blob_max, user_quota=settings.user_quota))

    app = FastAPI(title="Field App sync service", version=f"{PROTOCOL_VERSION}.0",
                  description="Central service of Field App: field-level sync, accounts, attachments. "
                              "See sync/protocol.py for the wire protocol.",
                  openapi_url="/v1/openapi.json", docs_url="/v1/docs", redoc_url=None)
    app.state.services = services
    metrics = app.state.metrics = Metrics()

    @app.get("/v1/metrics", tags=["service"], response_class=PlainTextResponse, responses=ERRORS)
    def metrics_text(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Any:
        """Prometheus text format; for the scraper's token (settings.metrics_token) or an administrator."""
        token = creds.credentials if creds is not None and creds.scheme.lower() == "bearer" else ""
        if not (settings.metrics_token and token and hmac.compare_digest(token, settings.metrics_token)):
            user = current_user(request, creds)
            if user.role != "administrator":
                raise ApiError(403, "forbidden", "metrics are for administrators and the metrics scraper")
        return PlainTextResponse(metrics.render(storage.feed_position()), media_type=CONTENT_TYPE)

    # ------------------------------------------------------------- errors
    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"msg": "invalid request", "loc": (), "type": ""}
        if first.get("type") == "json_invalid":
            return error_response(400, "malformed_json", "the request body is not valid JSON", "body")
        field = _field_of(first.get("loc", ()))
        message = str(first.get("msg", "invalid value"))
        return error_response(422, "invalid", f"{field}: {message}" if field else message, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), None, getattr(exc, "headers", None))

    @app.exception_handler(RecursionError)
    async def _deep(_req: Request, _exc: RecursionError) -> JSONResponse:
        return error_response(400, "too_deep", "the request body is nested too deeply", "body")

    # ------------------------------------------------------------- health and accounts
    @app.get("/v1/health", response_model=Health, tags=["service"], responses=ERRORS)
    def health() -> Health:
        """Liveness and database reachability, for load balancers (no login needed)."""
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            raise ApiError(503, "unavailable", "the database cannot be reached", None) from None
        return Health(status="ok", protocol=PROTOCOL_VERSION, database=engine.dialect.name)

    @app.post("/v1/login", response_model=LoginResponse, tags=["accounts"], responses=ERRORS)
    def login(body: LoginRequest, request: Request) -> Any:
        """Exchange a user name and password for an opaque token (Authorization: Bearer)."""
        address = request.client.host if request.client else "unknown"
        try:
            session = services.accounts.login(body.username, body.password, address)
        except AccountError as exc:
            status = 429 if exc.code == "too_many_attempts" else 401
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
            raise ApiError(status, exc.code, exc.message, exc.field, headers) from None
        log("login", user=session.user.name, client=address)
        return LoginResponse(token=session.token, expires_at=session.expires_at,
                             user=UserInfo(name=session.user.name, role=session.user.role, regions=list(session.user.regions)))

    @app.post("/v1/logout", status_code=204, tags=["accounts"], responses=ERRORS)
    def logout(_user: CurrentUser, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Response:
        """Revoke the token used for this request."""
        if creds:
            services.accounts.logout(creds.credentials)
        return Response(status_code=204)

    @app.get("/v1/me", response_model=UserInfo, tags=["accounts"], responses=ERRORS)
    def me(user: CurrentUser) -> UserInfo:
        """The logged-in user's name, role and regions."""
        return UserInfo(name=user.name, role=user.role, regions=list(user.regions))

    # ------------------------------------------------------------- sync
    @app.post("/v1/sync", response_model=SyncResponse, tags=["sync"], responses=ERRORS)
    def sync(body: SyncRequest, user: CurrentUser) -> Any:
        """One round trip: apply the client's operations, answer one result per operation,
        then the changes since `cursor` in the user's scope (see sync/protocol.py)."""
        device = body.device or (body.ops[0].device if body.ops else None)
        for i, op in enumerate(body.ops):
            if op.device != device:
                raise ApiError(422, "mixed_devices", "every op of a request comes from the request's device",
                               f"ops[{i}].op_id")
        cursor = int(body.cursor or 0)
        if storage.cursor_is_ahead(cursor):
            # The service was restored from a backup older than this client's last sync:
            # answering from `cursor` would skip every row written since the restore.
            raise ApiError(409, "cursor_ahead", f"your cursor ({cursor}) comes from before the service was restored "
                           "from a backup: sync again from the start and re-send your changes", "cursor")
        # An op no correct client sends is answered as that op's `rejected` result by the
        # storage (check_op_shape), so the rest of the outbox still syncs.
        results = storage.apply_ops(user, body.ops) if body.ops else []
        page = storage.changes(user, device, cursor, body.limit, compact=body.compact, columnar=body.columnar)
        if body.ops:
            counts: dict[str, int] = {}
            for r in results:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            log("sync", user=user.name, device=device, ops=len(body.ops), **counts, changes=len(page["changes"]))
            metrics.count_ops(counts)
        # The models above document the answer; a page of thousands of changes is
        # serialised directly rather than validated again field by field.
        payload = {"results": results, **page}
        return Response(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str,
                                   allow_nan=False).encode(),  # strict JSON: never a bare NaN
                        media_type="application/json")

    # ------------------------------------------------------------- attachments
    def _sha(sha256: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ApiError(422, "bad_sha256", "a blob is named by its SHA-256: 64 lower-case hex digits", "sha256")
        return sha256

    def _blob_error(exc: BlobError) -> ApiError:
        headers = {"Upload-Offset": str(exc.offset)} if exc.offset is not None else None
        return ApiError(exc.status, exc.code, exc.message, exc.field, headers)

    @app.post("/v1/blobs/missing", response_model=MissingResponse, tags=["attachments"], responses=ERRORS)
    def blobs_missing(body: MissingRequest, _user: Writer) -> MissingResponse:
        """Which of these SHA-256 you have to send (one request for a whole outbox): every
        one you have not sent whole yourself, whoever else did (naming a hash proves nothing)."""
        return MissingResponse(missing=services.blobs.missing(body.sha256, _user))

    @app.get("/v1/blobs/{sha256}/upload", response_model=UploadStatus, tags=["attachments"], responses=ERRORS)
    def blob_upload_status(sha256: str, user: Writer) -> UploadStatus:
        """Where an interrupted upload resumes (`offset`), or `complete`."""
        s = services.blobs.status(_sha(sha256), user)
        return UploadStatus(sha256=s.sha256, offset=s.offset, size=s.size, complete=s.complete)

    @app.put("/v1/blobs/{sha256}", response_model=UploadStatus, tags=["attachments"], responses=ERRORS,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
    async def blob_put(sha256: str, request: Request, user: Writer,
                       content_range: Annotated[str | None, Header(description="bytes START-END/TOTAL")] = None) -> UploadStatus:
        """Send one chunk (Content-Range: bytes START-END/TOTAL), starting at the offset the
        server holds; the last chunk completes the file and its SHA-256 is checked."""
        _sha(sha256)
        data = await request.body()
        from starlette.concurrency import run_in_threadpool

        if content_range is None or re.fullmatch(r"\s*bytes\s+\*/0\s*", content_range):
            start, end, total = 0, len(data) - 1, len(data)
        else:
            m = re.fullmatch(r"\s*bytes\s+(\d{1,15})-(\d{1,15})/(\d{1,15})\s*", content_range)
            if not m:
                raise ApiError(416, "bad_range", "Content-Range must read bytes START-END/TOTAL", "Content-Range")
            start, end, total = (int(g) for g in m.groups())
        try:
            if total == 0 and not data:  # an empty file is an attachment like any other
                s = await run_in_threadpool(services.blobs.put_empty, sha256, user)
            else:
                s = await run_in_threadpool(services.blobs.put_chunk, sha256, user, start, end, total, data)
        except BlobError as exc:
            raise _blob_error(exc) from None
        return UploadStatus(sha256=s.sha256, offset=s.offset, size=s.size, complete=s.complete)

    @app.get("/v1/blobs/{sha256}", tags=["attachments"],
             responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
                        206: {"content": {"application/octet-stream": {}}, "description": "a range of the bytes"}})
    def blob_get(sha256: str, user: CurrentUser, range: Annotated[str | None, Header()] = None) -> Response:  # noqa: A002
        """Download a blob, whole or a byte range (Range: bytes=START-END), if a record in
        your scope refers to it or you uploaded it."""
        _sha(sha256)
        size = services.blobs.size(sha256)
        if size is None or not services.blobs.may_read(sha256, user):
            raise ApiError(404, "not_found", "no such attachment in your scope", "sha256")
        path = services.blobs.path(sha256)
        start, end, status = 0, size - 1, 200
        if range and size > 0:  # an empty file has no range to ask for: it is sent whole
            m = re.fullmatch(r"\s*bytes=(\d{0,15})-(\d{0,15})\s*", range)
            if not m or (m.group(1) == "" and m.group(2) == ""):
                raise ApiError(416, "bad_range", "Range must read bytes=START-END", "Range",
                               {"Content-Range": f"bytes */{size}"})
            if m.group(1) == "":
                start, end = max(0, size - int(m.group(2))), size - 1
            else:
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            if start >= size or start > end:
                raise ApiError(416, "bad_range", "the range lies outside the file", "Range",
                               {"Content-Range": f"bytes */{size}"})
            status = 206
        def stream(first: int = start, last: int = end):
            with open(path, "rb") as fh:  # in blocks: a large file never sits in memory whole
                fh.seek(first)
                left = last - first + 1
                while left > 0:
                    block = fh.read(min(left, 1 << 20))
                    if not block:
                        return
                    left -= len(block)
                    yield block

        headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=31536000, immutable",
                   "Content-Length": str(end - start + 1)}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return StreamingResponse(stream(), status_code=status, media_type="application/octet-stream", headers=headers)

    app.add_middleware(BodyLimit, max_body=settings.max_body, max_decompressed=settings.max_decompressed,
                       chunk_max=settings.chunk_max)
    app.add_middleware(CompressResponses)
    app.add_middleware(AccessLog, enabled=settings.log_requests)
    app.add_middleware(MeasureRequests, metrics=metrics)
    app.add_middleware(ServerClock)  # every reply, errors included, carries the service's clock
    app.add_middleware(CatchCrashes)  # outermost: a crash is answered and logged without values
    return app
