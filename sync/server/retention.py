"""History with a retention: the op log compacted, removals purged, per-field history.

The op log answers a re-sent op (a lost reply) and tells who changed which field when
from which device; it need not keep every value ever sent. `compact` drops an entry once
it is older than the retention and its device has synced since (so it will not re-send
it), or once it is older than the horizon whatever the device did (a laptop gone for
good). Removals (a row leaving a region) older than the horizon leave the feed; a client
whose cursor is from before them is answered `cursor_expired` and re-syncs from scratch,
keeping and re-sending its own unsent changes (fieldapp/sync_client/resync.py).

`field_history` gives administrators, within the retention, who changed which field of
a row, when and from which device, with the value then (from the op log's answers).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

from sync.server.db import reading, write_conn
from sync.server.tables import TABLES

DEFAULT_RETENTION_DAYS = 90
DEFAULT_HORIZON_DAYS = 365
EXPIRED = "cursor_expired"


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def compact(engine: Engine, *, retention_days: float = DEFAULT_RETENTION_DAYS,
            horizon_days: float = DEFAULT_HORIZON_DAYS, now: dt.datetime | None = None) -> dict[str, int]:
    """One compaction run (the CLI's `compact`, from cron); returns what it removed."""
    if horizon_days < retention_days:
        raise ValueError("the horizon cannot be shorter than the retention")
    now = now or dt.datetime.now(dt.timezone.utc)
    retained, horizon = _iso(now - dt.timedelta(days=retention_days)), _iso(now - dt.timedelta(days=horizon_days))
    ops, seen, feed, marks = TABLES["ops"], TABLES["device_scopes"], TABLES["feed"], TABLES["feed_marks"]
    with write_conn(engine) as conn, conn.begin():
        synced_since = select(seen.c.user_id).where(seen.c.user_id == ops.c.user_id, seen.c.device == ops.c.device,
                                                    seen.c.last_seen_at > ops.c.received_at).exists()
        dropped = conn.execute(delete(ops).where(or_(ops.c.received_at < horizon,
                                                     and_(ops.c.received_at < retained, synced_since)))).rowcount
        top = int(conn.execute(select(TABLES["feed_counter"].c.pos).where(TABLES["feed_counter"].c.id == 1)).scalar() or 0)
        old_mark = conn.execute(select(func.max(marks.c.pos)).where(marks.c.at < horizon)).scalar()
        purged_before = int(conn.execute(select(func.max(marks.c.purged_through))).scalar() or 0)
        purged = 0
        through = purged_before
        if old_mark is not None and int(old_mark) > purged_before:
            through = int(old_mark)
            purged = conn.execute(delete(feed).where(feed.c.kind == "removed", feed.c.pos <= through)).rowcount
        if conn.execute(select(marks.c.pos).where(marks.c.pos == top)).first() is None:
            conn.execute(insert(marks).values(pos=top, at=_iso(now), purged_through=through))
        else:  # nothing written since the last run: that mark keeps its time, and learns the purge
            conn.execute(update(marks).where(marks.c.pos == top).values(purged_through=through))
    return {"ops_dropped": int(dropped or 0), "removals_purged": int(purged or 0), "purged_through": through}


def purged_through(source: Engine | Connection) -> int:
    with reading(source) as conn:
        return int(conn.execute(select(func.max(TABLES["feed_marks"].c.purged_through))).scalar() or 0)


def cursor_expired(source: Engine | Connection, cursor: int) -> bool:
    """A client's cursor from before purged removals would miss them: it starts again."""
    return 0 < cursor < purged_through(source)


def field_history(engine: Engine, entity_name: str, row_id: str) -> list[dict[str, Any]]:
    """Who changed which field of a row, when, from which device, and the value then,
    oldest first (what the op log still holds: the retention)."""
    ops, users = TABLES["ops"], TABLES["users"]
    q = (select(ops.c.received_at, ops.c.device, ops.c.result, users.c.name)
         .join(users, users.c.id == ops.c.user_id, isouter=True)
         .where(ops.c.entity == entity_name, ops.c.row_id == row_id).order_by(ops.c.received_at, ops.c.op_id))
    out = []
    with engine.connect() as conn:
        for at, device, result, user in conn.execute(q):
            if (result or {}).get("status") not in ("applied", "conflict"):
                continue
            values = result.get("values") or {}
            out.append({"at": at, "user": user, "device": device, "status": result["status"],
                        "fields": {k: v for k, v in values.items() if not k.startswith("_")},
                        "deleted": values.get("_deleted")})
    return out
