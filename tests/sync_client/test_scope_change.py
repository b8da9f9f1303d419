"""A change of a user's regions reaches their laptop on the next sync, both ways: the
rows of a gained region arrive whole, those of a lost region leave, without a full
re-sync and without losing an unsent edit. A real service on 127.0.0.1."""
from __future__ import annotations

import pytest

from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import RetryPolicy, Transport
from tests.sync_client.conftest import started_server

USERS = {"dina": ("correspondent", ["AFR"], "dina-pass-12345"), "emil": ("correspondent", ["EUR"], "emil-pass-12345")}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = started_server(tmp_path_factory.mktemp("scope-server"), USERS)
    yield s
    s.stop()


def _engine(server, store, user) -> SyncEngine:
    t = Transport(server.url, policy=RetryPolicy(attempts=3, base_delay=0.05, deadline=30))
    t.login(user, USERS[user][2])
    return SyncEngine(store, t)


def test_regions_gained_then_lost_reach_the_laptop_without_a_full_resync(server, make_store):
    dina, emil = make_store("dina", author="dina"), make_store("emil", author="emil")
    sd, se = _engine(server, dina, "dina"), _engine(server, emil, "emil")
    afr = dina.insert("practice", {"title": "Zaï pits", "family": "land_restoration", "country": "BF"})
    eur = emil.insert("practice", {"title": "Haies bocagères", "family": "agroforestry", "country": "FR",
                                   "summary": "Plantées en 2019, entretenues chaque hiver."})
    meeting = emil.insert("meeting", {"title": "Réunion Rennes", "starts_on": "2026-02-10", "country": "FR"})
    part = emil.insert("meeting_participant", {"meeting_id": meeting, "name": "Yann Le Goff", "gender": "male"})
    assert sd.sync().ok and se.sync().ok
    first = sd.sync()
    assert first.ok and dina.get("practice", eur) is None

    # gained: EUR added while an AFR edit waits unsent
    dina.update("practice", afr, {"summary": "Creusées en saison sèche"})
    assert server.cli("set-regions", "dina", "--region", "AFR", "EUR") == 0
    gained = sd.sync()
    assert gained.ok and gained.received < 20  # the difference, not the ~400 rows of a full re-sync
    row = dina.get("practice", eur)
    assert row["title"] == "Haies bocagères" and row["summary"] == "Plantées en 2019, entretenues chaque hiver."
    assert dina.get("meeting", meeting) and dina.get("meeting_participant", part)["name"] == "Yann Le Goff"
    assert dina.pending_count() == 0 and dina.get("practice", afr)["summary"] == "Creusées en saison sèche"
    emil.update("practice", eur, {"title": "Haies bocagères (bocage)"})
    assert se.sync().ok and sd.sync().ok and dina.get("practice", eur)["title"] == "Haies bocagères (bocage)"
    assert se.sync().ok and emil.get("practice", afr) is None  # emil's scope did not change

    # lost: EUR removed while one edit in each region waits unsent
    dina.update("practice", afr, {"location": "Plateau central"})
    dina.update("practice", eur, {"location": "Ille-et-Vilaine"})
    assert server.cli("set-regions", "dina", "--region", "AFR") == 0
    lost = sd.sync()
    assert lost.ok and lost.received < 20 and lost.removed >= 3
    assert dina.get("practice", eur) is None and dina.get("meeting", meeting) is None
    assert dina.get("meeting_participant", part) is None
    assert dina.get("practice", afr)["location"] == "Plateau central"
    assert se.sync().ok and emil.get("practice", eur)["location"] is None  # the out-of-scope edit did not land...
    [aside] = dina.set_aside()  # ...and is kept, with the service's reason, not silently dropped
    assert aside["row_id"] == eur and aside["fields"] == {"location": "Ille-et-Vilaine"}
    again = sd.sync()
    assert again.ok and again.received == 0 and again.removed == 0  # acknowledged: asked once
