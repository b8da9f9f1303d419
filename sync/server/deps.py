"""What every route depends on: the services of one app, the logged-in user, and the one
error type a route raises (the FastAPI template's `deps`).

Routes receive these through `Depends`, so a router module holds no state of its own and
the services are the ones `create_app` built for its app (tests build several apps).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from sync.protocol import ErrorBody
from sync.server.accounts import Accounts
from sync.server.blobs import BlobStore
from sync.server.metrics import Metrics
from sync.server.principal import Principal
from sync.server.settings import Settings
from sync.server.storage import Storage

# The error statuses every route documents (the body is always ErrorBody).
ERRORS: dict[int | str, dict] = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 415, 416, 422, 429, 503)}


class ApiError(Exception):
    """A refusal answered as `{"error", "message", "field"}` with this status (errors.py)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, headers: dict | None = None):
        self.status, self.code, self.message, self.field, self.headers = status, code, message, field, headers
        super().__init__(message)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    storage: Storage
    accounts: Accounts
    blobs: BlobStore
    metrics: Metrics


bearer = HTTPBearer(auto_error=False, description="the token from POST /v1/login")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def services(request: Request) -> Services:
    """The services of the app that received this request."""
    return request.app.state.services


Svc = Annotated[Services, Depends(services)]


def current_user(request: Request, creds: Credentials) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise ApiError(401, "unauthorized", "log in first: send Authorization: Bearer <token>", "Authorization",
                       {"WWW-Authenticate": "Bearer"})
    user = services(request).accounts.authenticate(creds.credentials)
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
