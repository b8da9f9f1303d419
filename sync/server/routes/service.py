"""Routes for operators and load balancers: health (no login) and Prometheus metrics."""
from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from sync.protocol import PROTOCOL_VERSION, Health
from sync.server.deps import ERRORS, ApiError, Credentials, Svc, current_user
from sync.server.metrics import CONTENT_TYPE

router = APIRouter(tags=["service"], responses=ERRORS)


@router.get("/v1/metrics", response_class=PlainTextResponse)
def metrics_text(request: Request, creds: Credentials, svc: Svc) -> Any:
    """Prometheus text format; for the scraper's token (settings.metrics_token) or an administrator."""
    token = creds.credentials if creds is not None and creds.scheme.lower() == "bearer" else ""
    expected = svc.settings.metrics_token
    if not (expected and token and hmac.compare_digest(token, expected)):
        user = current_user(request, creds)
        if user.role != "administrator":
            raise ApiError(403, "forbidden", "metrics are for administrators and the metrics scraper")
    return PlainTextResponse(svc.metrics.render(svc.storage.feed_position()), media_type=CONTENT_TYPE)


@router.get("/v1/health", response_model=Health)
def health(svc: Svc) -> Health:
    """Liveness and database reachability, for load balancers (no login needed)."""
    try:
        with svc.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise ApiError(503, "unavailable", "the database cannot be reached", None) from None
    return Health(status="ok", protocol=PROTOCOL_VERSION, database=svc.engine.dialect.name)
