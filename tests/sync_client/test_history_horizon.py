"""A laptop whose cursor is older than the service's history (removals purged past the
horizon) re-syncs from scratch and keeps its unsent edit. A real service on 127.0.0.1."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, insert, select

from sync.server.tables import TABLES


def test_a_laptop_older_than_the_horizon_starts_again_and_keeps_its_outbox(server, client):
    a, sa = client("amina")  # AFR
    b, sb = client("bruno")  # AFR and EUR
    moving = b.insert("practice", {"title": "Haies vives", "family": "agroforestry", "country": "SN"})
    staying = b.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"})
    assert sb.sync().ok and sa.sync().ok and a.get("practice", moving)
    a.update("practice", staying, {"summary": "Tapé hors ligne"})  # unsent
    b.update("practice", moving, {"country": "FR"})  # leaves AFR: a removal for amina...
    assert sb.sync().ok
    engine = create_engine(server.db)  # ...and a year passes: the service compacts its history
    with engine.begin() as conn:
        top = conn.execute(select(TABLES["feed_counter"].c.pos)).scalar()
        long_ago = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)).isoformat()
        conn.execute(insert(TABLES["feed_marks"]).values(pos=top, at=long_ago, purged_through=0))
    engine.dispose()
    assert server.cli("compact") == 0
    result = sa.sync()
    assert result.ok and result.received > 300  # from scratch (the reference lists come again)
    assert a.get("practice", moving) is None  # the purged removal is not missed
    assert a.get("practice", staying)["summary"] == "Tapé hors ligne" and a.pending_count() == 0
    assert sb.sync().ok and b.get("practice", staying)["summary"] == "Tapé hors ligne"  # the edit reached the service
    assert sa.sync().received == 0  # and the next sync is an ordinary one
