"""Routes for logging in and out and for who one is."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from sync.protocol import LoginRequest, LoginResponse, UserInfo
from sync.server.accounts import AccountError
from sync.server.deps import ERRORS, ApiError, Credentials, CurrentUser, Svc
from sync.server.logs import log

router = APIRouter(tags=["accounts"], responses=ERRORS)


@router.post("/v1/login", response_model=LoginResponse)
def login(body: LoginRequest, request: Request, svc: Svc) -> Any:
    """Exchange a user name and password for an opaque token (Authorization: Bearer)."""
    address = request.client.host if request.client else "unknown"
    try:
        session = svc.accounts.login(body.username, body.password, address)
    except AccountError as exc:
        status = 429 if exc.code == "too_many_attempts" else 401
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        raise ApiError(status, exc.code, exc.message, exc.field, headers) from None
    log("login", user=session.user.name, client=address)
    return LoginResponse(token=session.token, expires_at=session.expires_at,
                         user=UserInfo(name=session.user.name, role=session.user.role, regions=list(session.user.regions)))


@router.post("/v1/logout", status_code=204)
def logout(_user: CurrentUser, creds: Credentials, svc: Svc) -> Response:
    """Revoke the token used for this request."""
    if creds:
        svc.accounts.logout(creds.credentials)
    return Response(status_code=204)


@router.get("/v1/me", response_model=UserInfo)
def me(user: CurrentUser) -> UserInfo:
    """The logged-in user's name, role and regions."""
    return UserInfo(name=user.name, role=user.role, regions=list(user.regions))
