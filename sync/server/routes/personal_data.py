"""Personal data endpoints (issue 19): an administrator erases a person; every client
asks which erasures it has not applied yet (row ids only) and scrubs its own copies; a
device whose user's regions changed fetches the difference (POST /v1/scope);
administrators read a row's per-field history within the retention."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from sync.protocol import UUID_PATTERN
from sync.server import erasure, retention, scope_changes
from sync.server.deps import ERRORS, ApiError, CurrentUser, Svc

router = APIRouter(tags=["personal data"])


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: str = Field(pattern=UUID_PATTERN, description="the contact to erase, with what points at it")


def _admin(user) -> None:  # noqa: ANN001 - a Principal
    if not user.is_admin:
        raise ApiError(403, "forbidden", "only an administrator may erase or list erasures of personal data")


@router.post("/v1/admin/erase", responses=ERRORS)
def erase(body: EraseRequest, user: CurrentUser, svc: Svc) -> dict[str, Any]:
    """Erase a contact on the service and, through the feed and /v1/erasures, on every
    replica: values scrubbed, participants anonymised (attendance counts kept)."""
    _admin(user)
    services = svc
    try:
        return erasure.erase_contact(services.storage, services.engine, user, body.contact_id)
    except erasure.ErasureError as exc:
        raise ApiError(exc.status, exc.code, exc.message, "contact_id") from None


@router.get("/v1/admin/erasures", responses=ERRORS)
def erasure_history(user: CurrentUser, svc: Svc) -> list[dict[str, Any]]:
    """Who erased and when (how many rows), never what."""
    _admin(user)
    return erasure.history(svc.engine)


# erasures.seq is a 32-bit column: a larger `after` made PostgreSQL refuse the query (a 500)
MAX_SEQ = 2**31 - 1


@router.get("/v1/erasures", responses=ERRORS)
def erasure_notices(user: CurrentUser, svc: Svc,
                    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0) -> dict[str, Any]:
    """Erasures after `after`, each with the ids of the rows this user may read."""
    return {"erasures": erasure.notices(svc.engine, user, after)}


class ScopeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    after: str | None = Field(default=None, max_length=120, pattern=r"^[a-z_]{1,40}:[0-9a-f-]{0,36}$")
    done: bool = Field(default=False, description="every page applied: the device now holds the user's scope")


@router.post("/v1/scope", responses=ERRORS)
def scope_difference(body: ScopeRequest, user: CurrentUser, svc: Svc) -> dict[str, Any]:
    """After a change of the user's regions: one page of removals (rows of regions lost)
    and whole rows (regions gained); `done` once every page is applied."""
    services = svc
    if body.done:
        scope_changes.acknowledge(services.engine, user, body.device)
        return {"changes": [], "more": False, "next": None}
    return scope_changes.difference(services.storage, services.engine, user, body.device, body.after)


@router.get("/v1/admin/history/{entity}/{row_id}", responses=ERRORS)
def row_history(entity: Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")],
                row_id: Annotated[str, Path(pattern=UUID_PATTERN)], user: CurrentUser, svc: Svc) -> dict[str, Any]:
    """Who changed which field of a row, when, from which device (within the retention)."""
    if not user.is_admin:
        raise ApiError(403, "forbidden", "the history of a record is for administrators")
    return {"history": retention.field_history(svc.engine, entity, row_id)}
