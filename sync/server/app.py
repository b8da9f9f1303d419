"""The HTTP API (FastAPI): `create_app` builds the services and includes the routers of
`sync/server/routes/` by area; routes are thin, storage, accounts and blobs do the work.

Every answer that is not a success is JSON `{"error", "message", "field"}` (errors.py):
bad input gets a 4xx naming the field and the rule, never a 500 or a stack trace.
"""
from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from sync.protocol import PROTOCOL_VERSION
from sync.server.accounts import Accounts
from sync.server.blobs import BlobStore
from sync.server.db import make_engine
from sync.server.deps import ApiError, Services
from sync.server.errors import error_response, install_error_handlers
from sync.server.metrics import Metrics
from sync.server.middleware import (
    BodyLimit, CatchCrashes, CompressResponses, ObserveRequests, ServerClock, access_log,
)
from sync.server.routes import accounts, blobs, personal_data, service, sync
from sync.server.settings import Settings
from sync.server.storage import Storage

__all__ = ["ApiError", "create_app", "error_response"]


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = engine or make_engine(settings.db_url)
    storage = Storage(engine, clock_drift_ms=settings.clock_drift_ms, page_size=settings.page_size)
    metrics = Metrics()
    assert settings.blob_dir is not None  # Settings puts it beside the database when not given
    services = Services(settings, engine, storage, Accounts(engine, settings),
                        BlobStore(engine, settings.blob_dir, blob_max=settings.blob_max, user_quota=settings.user_quota),
                        metrics)

    app = FastAPI(title="Field App sync service", version=f"{PROTOCOL_VERSION}.0",
                  description="Central service of Field App: field-level sync, accounts, attachments. "
                              "See sync/protocol.py for the wire protocol.",
                  openapi_url="/v1/openapi.json", docs_url="/v1/docs", redoc_url=None)
    app.state.services = services
    app.state.metrics = metrics
    install_error_handlers(app)
    for area in (service, accounts, sync, blobs, personal_data):
        app.include_router(area.router)

    app.add_middleware(BodyLimit, max_body=settings.max_body, max_decompressed=settings.max_decompressed,
                       chunk_max=settings.chunk_max)
    app.add_middleware(CompressResponses)
    observers = [access_log, metrics.observe_request] if settings.log_requests else [metrics.observe_request]
    app.add_middleware(ObserveRequests, observers=observers)
    app.add_middleware(ServerClock)  # every reply, errors included, carries the service's clock
    app.add_middleware(CatchCrashes)  # outermost: a crash is answered and logged without values
    return app
