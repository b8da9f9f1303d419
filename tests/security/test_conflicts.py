"""Items 3 and 7: a conflict's scope follows its row; a resolution needs an open conflict
and the version it was decided on."""
from __future__ import annotations

import uuid

from tests.security.conftest import marker
from tests.server.conftest import practice


def _conflict(world, rid: str) -> tuple[dict, dict]:
    """Two AFR correspondents type different titles for the same row: a conflict."""
    a, b = world.dev("correspondent", "AFR"), world.dev("facilitator", "AFR")
    a.sync(a.op("practice", rid, fields=practice(title="First")))
    v = world.server.row("practice", rid)["field_versions"]
    a.sync(a.op("practice", rid, fields={"title": f"A says {marker('EUR')}"}, base={"title": v["title"]}))
    res = b.sync(b.op("practice", rid, fields={"title": f"B says {marker('EUR')}"}, base={"title": v["title"]}))
    assert res["results"][0]["status"] == "conflict"
    return res["results"][0], v


def test_a_conflict_leaves_with_its_row_and_reaches_the_new_region(world):
    server, admin = world.server, world.admin
    rid = str(uuid.uuid4())
    _conflict(world, rid)
    afr_reader = world.dev("viewer", "AFR")
    assert any(c["row_id"] == rid for c in afr_reader.sync()["conflicts"])  # control: seen while in AFR
    v = server.row("practice", rid)["field_versions"]
    admin.sync(admin.op("practice", rid, fields={"country": "FR"}, base={"country": v["country"]}))
    assert server.row("practice", rid)["scope_region"] == "EUR"
    # resolved in its new region, by a EUR reviewer
    eur = world.dev("reviewer", "EUR")
    seen = eur.sync()
    [c] = [c for c in seen["conflicts"] if c["row_id"] == rid]
    title_v = server.row("practice", rid)["field_versions"]["title"]
    assert eur.sync(eur.op("practice", rid, kind="resolve", fields={"title": "Settled in Europe"},
                           base={"title": title_v}))["results"][0]["status"] == "applied"
    # AFR readers, whether they synced before or join now, get neither the values nor the resolution
    for dev in (afr_reader, world.fresh("viewer", "AFR"), world.fresh("correspondent", "AFR")):
        pulled = dev.sync()
        assert [c for c in pulled["conflicts"] if c["row_id"] == rid] == [], pulled["conflicts"]
        assert marker("EUR") not in str(pulled) and "Settled in Europe" not in str(pulled)
    # EUR readers joining now get the conflict, resolved
    late = world.fresh("viewer", "EUR").sync()
    assert [c["status"] for c in late["conflicts"] if c["row_id"] == rid] == ["resolved"]
    assert c["id"] in {x["id"] for x in late["conflicts"]}


def test_a_resolution_without_an_open_conflict_is_refused(world):
    server = world.server
    dev = world.dev("correspondent", "AFR")
    rid = str(uuid.uuid4())
    dev.sync(dev.op("practice", rid, fields=practice(title="Current")))
    v = server.row("practice", rid)["field_versions"]
    result = dev.sync(dev.op("practice", rid, kind="resolve", fields={"title": "Stale value"},
                             base={"title": v["title"]}))["results"][0]
    assert result["status"] == "rejected" and result["reason"].startswith("no_conflict:"), result
    assert server.row("practice", rid)["title"] == "Current"
    assert result["values"] == {"title": "Current"}  # the server's value, to fall back to


def test_a_resolution_decided_on_an_older_value_is_refused(world):
    server = world.server
    rid = str(uuid.uuid4())
    answer, _v = _conflict(world, rid)
    seen = answer["versions"]["title"]
    # a third person adds a side to the open conflict after B looked at it
    c = world.dev("reviewer", "AFR")
    c.sync(c.op("practice", rid, fields={"title": "C says something newer"}, base={"title": 1}))
    now = server.row("practice", rid)
    b = world.dev("facilitator", "AFR")
    stale = b.sync(b.op("practice", rid, kind="resolve", fields={"title": "B decides"}, base={"title": seen}))
    assert now["title"] == "C says something newer" and now["field_versions"]["title"] > seen  # the newest clock leads
    assert stale["results"][0]["status"] == "rejected" and stale["results"][0]["reason"].startswith("stale:")
    assert server.row("practice", rid)["title"] == "C says something newer"
    missing_base = b.sync(b.op("practice", rid, kind="resolve", fields={"title": "B decides"}))["results"][0]
    assert missing_base["status"] == "rejected" and missing_base["reason"].startswith("base_required:")
    fresh = server.row("practice", rid)["field_versions"]["title"]
    ok = b.sync(b.op("practice", rid, kind="resolve", fields={"title": "B decides"}, base={"title": fresh}))
    assert ok["results"][0]["status"] == "applied"
    assert server.row("practice", rid)["title"] == "B decides" and server.storage.open_conflicts() == []
