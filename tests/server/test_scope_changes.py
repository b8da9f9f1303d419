"""A change of a user's regions, on SQLite and PostgreSQL: the device is told once, gets
the rows it lost as removals and those it gained whole, page by page, and nothing of a
region it still lacks."""
from __future__ import annotations

from sync.server import scope_changes
from tests.server.conftest import practice


def _scope(server, dev, **body):
    r = server.client.post("/v1/scope", json={"device": dev.id, **body}, headers=dev.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_region_change_is_served_as_a_difference_page_by_page(server):
    eur = server.device("correspondent", ("EUR",))
    rows = [eur.op("practice", fields=practice(title=f"Haie {i}", country="FR", summary="gardée")) for i in range(3)]
    asi = server.device("correspondent", ("ASI",))
    hidden = asi.op("practice", fields=practice(title="Riz inondé", country="VN"))
    eur.sync(*rows), asi.sync(hidden)
    dev = server.device("correspondent", ("AFR",), name="mobile-user")
    assert "scope_changed" not in dev.sync()
    scope_changes.set_regions(server.backend.engine, "mobile-user", ["AFR", "EUR"])
    assert dev.sync().get("scope_changed") is True
    first = server.client.post("/v1/scope", json={"device": dev.id}, headers=dev.headers)
    pages = [first.json()]
    assert pages[0]["more"] is False  # the default page holds them all
    got = {c["id"]: c for c in pages[0]["changes"]}
    assert set(got) == {r["row_id"] for r in rows}  # ASI stays out
    assert all(c["fields"]["summary"] == "gardée" and c["fields"]["title"].startswith("Haie") for c in got.values())
    small = scope_changes.difference(server.storage, server.backend.engine,
                                     server.accounts.authenticate(dev.token), dev.id, None, limit=2)
    assert small["more"] and len(small["changes"]) == 2
    rest = _scope(server, dev, after=small["next"])
    assert {c["id"] for c in small["changes"] + rest["changes"]} == set(got)
    assert dev.sync().get("scope_changed") is True  # not yet acknowledged
    _scope(server, dev, done=True)
    assert "scope_changed" not in dev.sync()

    scope_changes.set_regions(server.backend.engine, "mobile-user", ["AFR"])
    assert dev.sync().get("scope_changed") is True
    lost = _scope(server, dev)["changes"]
    assert {(c["op"], c["id"]) for c in lost} == {("removed", r["row_id"]) for r in rows}
    assert all(set(c) == {"op", "entity", "id", "pos"} for c in lost)  # a removal says nothing of the row


def test_an_unknown_user_or_no_region_is_refused(server):
    import pytest

    with pytest.raises(ValueError):
        scope_changes.set_regions(server.backend.engine, "nobody", ["AFR"])
    server.user("correspondent", ("AFR",), name="someone")
    with pytest.raises(ValueError):
        scope_changes.set_regions(server.backend.engine, "someone", [" "])
