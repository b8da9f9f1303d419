"""Scope changes reach clients: when an administrator changes a user's regions, each of
the user's devices is told on its next sync (`scope_changed` in the reply) and asks
POST /v1/scope for the difference: a removal for every row of a region it lost, every
row of a region it gained whole (the feed after its cursor only carries what changed
since). No full re-sync, and the device's outbox is untouched: an unsent edit to a row
still in scope goes up as usual; one to a row that left is refused with its reason.

`device_scopes` keeps the regions each device was last served with; a device is marked
up to date only when it acknowledges the last page (a cut link loses nothing).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, delete, insert, not_, or_, select, update

from fieldapp.core.schema import ENTITIES
from sync.server.db import reading, write_conn
from sync.server.principal import ALL_REGIONS, Principal
from sync.server.storage import Storage, utcnow
from sync.server.tables import GLOBAL_SCOPE, TABLES

PAGE = 2000


def _regions(user: Principal) -> list[str]:
    return [ALL_REGIONS] if user.all_regions else sorted(set(user.regions))


def set_regions(engine: Engine, name: str, regions: list[str]) -> list[str]:
    """An administrator's change of a user's regions (the CLI's `set-regions`)."""
    users = TABLES["users"]
    clean = sorted({r.strip().upper() if r.strip() != ALL_REGIONS else ALL_REGIONS for r in regions if r.strip()})
    if not clean:
        raise ValueError("give at least one region (or * for every region)")
    with write_conn(engine) as conn, conn.begin():
        if conn.execute(update(users).where(users.c.name == name).values(regions=clean)).rowcount != 1:
            raise ValueError(f"no user named {name!r}")
    return clean


def seen(source: Engine | Connection, user: Principal, device: str | None) -> Row | None:
    """The device's recorded scope and last sync (None: never seen), for `changed`."""
    if not device:
        return None
    t = TABLES["device_scopes"]
    with reading(source) as conn:
        return conn.execute(select(t.c.regions, t.c.last_seen_at).where(t.c.user_id == user.id,
                                                                        t.c.device == device)).first()


def changed(engine: Engine, user: Principal, device: str | None, found: Row | None) -> bool:
    """Does this device hold another scope than the user's? (A device seen for the first
    time is recorded with the user's current regions.) `found`: what `seen` read on the
    request's reading connection, given back once that connection is: a write here takes
    a connection of its own, and a request holding two at once could empty the pool."""
    if not device:
        return False
    t = TABLES["device_scopes"]
    hour = utcnow()[:13]  # the device's last sync, to the hour: one write an hour at most
    if found is None or (found.last_seen_at or "")[:13] != hour:
        with write_conn(engine) as conn, conn.begin():
            if found is None:
                conn.execute(insert(t).values(user_id=user.id, device=device, regions=_regions(user),
                                              last_seen_at=utcnow()))
            else:
                conn.execute(update(t).where(t.c.user_id == user.id, t.c.device == device).values(last_seen_at=utcnow()))
    return found is not None and sorted(found.regions) != _regions(user)


def _readable(regions: list[str], scope_col):  # noqa: ANN001, ANN202 - a SQL condition
    if ALL_REGIONS in regions:
        return scope_col.is_not(None)
    return scope_col.in_([*regions, GLOBAL_SCOPE])


def difference(storage: Storage, engine: Engine, user: Principal, device: str, after: str | None = None,
               limit: int = PAGE) -> dict[str, Any]:
    """One page of what this device lacks or must drop since its scope changed, in schema
    order (parents first). `after` is the previous page's `next`."""
    t_scopes = TABLES["device_scopes"]
    with engine.connect() as conn:
        held = conn.execute(select(t_scopes.c.regions).where(t_scopes.c.user_id == user.id,
                                                             t_scopes.c.device == device)).scalar()
    now = _regions(user)
    held = sorted(held) if held is not None else now
    start_entity, start_id = (after.split(":", 1) if after else (ENTITIES[0].name, ""))
    names = [e.name for e in ENTITIES]
    out: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for e in ENTITIES[names.index(start_entity):] if start_entity in names else []:
            t = TABLES[e.name]
            gone = and_(_readable(held, t.c.scope_region), not_(_readable(now, t.c.scope_region)))
            new = and_(_readable(now, t.c.scope_region), not_(_readable(held, t.c.scope_region)))
            q = select(t).where(or_(gone, new))
            if e.name == start_entity and start_id:
                q = q.where(t.c.id > start_id)
            for found in conn.execute(q.order_by(t.c.id).limit(limit - len(out))).mappings():
                row = dict(found)
                if user.reads(row["scope_region"]):
                    change = storage.full_row_change(e, row, int(row["row_version"] or 0))
                    if change:
                        out.append(change)
                else:
                    out.append({"op": "removed", "entity": e.name, "id": row["id"], "pos": int(row["row_version"] or 0)})
                if len(out) >= limit:
                    return {"changes": out, "more": True, "next": f"{e.name}:{row['id']}"}
    return {"changes": out, "more": False, "next": None}


def acknowledge(engine: Engine, user: Principal, device: str) -> None:
    """The device applied every page: it now holds the user's current scope."""
    t = TABLES["device_scopes"]
    with write_conn(engine) as conn, conn.begin():
        conn.execute(delete(t).where(t.c.user_id == user.id, t.c.device == device))
        conn.execute(insert(t).values(user_id=user.id, device=device, regions=_regions(user), last_seen_at=utcnow()))
