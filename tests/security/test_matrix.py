"""Roles x regions x endpoints, as a penetration tester holding an ordinary account:
for every role of a region (and a correspondent of a third region), every endpoint is
tried against the other region's rows and files. Nothing of the other region may come
back, nothing of it may change, and refusals must not tell "exists elsewhere" from
"does not exist". The same people acting on their own region are the control: the
attacks fail because of scope, not because the requests are malformed."""
from __future__ import annotations

import hashlib
import uuid

import pytest

from tests.security.conftest import COUNTRY, ROLES_IN_REGION, leaks, marker
from tests.server.conftest import now_hlc, practice

WRITERS = {"correspondent", "reviewer", "facilitator"}
ATTACKERS = [(role, "AFR") for role in ROLES_IN_REGION] + [("correspondent", "ASI")]


def _snapshot(server, region) -> dict:
    return {name: server.row(name, rid) for name, rid in (("practice", region.practice), ("contact", region.contact),
                                                           ("organisation", region.organisation),
                                                           ("practice_media", region.media))}


@pytest.mark.parametrize("role, home", ATTACKERS, ids=[f"{r}-{h}" for r, h in ATTACKERS])
def test_reads_of_another_region_reveal_nothing(world, role, home):
    server, eur = world.server, world.regions["EUR"]
    dev = world.fresh(role, home)
    c = server.client
    # pull from the start, and with every cursor a page could end on
    pulled = dev.sync()
    assert not leaks(pulled, "EUR")
    assert leaks(pulled, "AFR") == (home == "AFR")  # control: the own region does come down
    for cursor in ("0", "1", str(server.storage.feed_position())):
        r = dev.post({"device": dev.id, "cursor": cursor, "limit": 1})
        assert r.status_code == 200 and not leaks(r.content, "EUR")
    # attachment bytes, status and "which do you lack" of the other region's file
    for h in ({"Range": "bytes=0-3"}, {}):
        r = c.get(f"/v1/blobs/{eur.sha}", headers=dev.headers | h)
        assert r.status_code == 404 and not leaks(r.content, "EUR")
    unknown = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    if role in WRITERS:
        status = {sha: c.get(f"/v1/blobs/{sha}/upload", headers=dev.headers).json() for sha in (eur.sha, unknown)}
        assert {k: v for k, v in status[eur.sha].items() if k != "sha256"} == \
            {k: v for k, v in status[unknown].items() if k != "sha256"} == {"offset": 0, "size": None, "complete": False}
        missing = c.post("/v1/blobs/missing", json={"sha256": [eur.sha, unknown]}, headers=dev.headers).json()
        assert missing == {"missing": [eur.sha, unknown]}  # the other region's file is "missing" like any stranger's
    else:
        assert c.get(f"/v1/blobs/{eur.sha}/upload", headers=dev.headers).status_code == 403
    assert not leaks(c.get("/v1/me", headers=dev.headers).content, "EUR")
    assert c.get("/v1/metrics", headers=dev.headers).status_code == 403  # the service's figures are not theirs
    # erasing a person is an administrator's act; the notices name no row out of scope (issue 19)
    assert c.post("/v1/admin/erase", json={"contact_id": eur.contact}, headers=dev.headers).status_code == 403
    assert not server.row("contact", eur.contact)["deleted"]
    assert c.get("/v1/admin/erasures", headers=dev.headers).status_code == 403
    assert not leaks(c.get("/v1/erasures", headers=dev.headers).content, "EUR")


@pytest.mark.parametrize("role, home", ATTACKERS, ids=[f"{r}-{h}" for r, h in ATTACKERS])
def test_writes_to_another_region_change_nothing_and_answer_like_missing_rows(world, role, home):
    server, eur = world.server, world.regions["EUR"]
    dev = world.dev(role, home)
    before = _snapshot(server, eur)
    v = eur.versions
    ghost = str(uuid.uuid4())
    attacks = [
        dev.op("practice", eur.practice, fields={"title": "Defaced"}, base={"title": v["title"]}),
        dev.op("practice", eur.practice, fields={"country": COUNTRY[home]}, base={"country": v["country"]}),
        dev.op("contact", eur.contact, fields={"email": "attacker@example.org"}, base={"email": 10**6}),
        dev.op("practice", eur.practice, kind="delete", base={"_row": v["_row"]}),
        dev.op("practice", eur.practice, kind="restore", base={"_row": v["_row"]}),
        dev.op("practice", eur.practice, kind="resolve", fields={"title": "Mine"}, base={"title": v["title"]}),
        dev.op("practice_media", eur.media, kind="delete", base={"_row": 10**6}),
    ]
    results = dev.sync(*attacks)["results"]
    assert all(r["status"] == "rejected" for r in results), results
    assert not leaks(results, "EUR")
    assert _snapshot(server, eur) == before
    # delete/restore/resolve of a row out of scope get the answer of a row that does not exist
    for kind, fields, base in (("delete", {}, {"_row": 1}), ("restore", {}, {"_row": 1}),
                               ("resolve", {"title": "x"}, {"title": 1})):
        there, nowhere = dev.sync(dev.op("practice", eur.practice, kind=kind, fields=fields, base=base),
                                  dev.op("practice", ghost, kind=kind, fields=fields, base=base))["results"]
        assert (there["reason"], there["field"]) == (nowhere["reason"], nowhere["field"]), (there, nowhere)
    # references to the other region's rows are answered as references to no row at all
    if role in WRITERS:
        for entity, fields in (
            ("contact", {"full_name": "Spy", "country": COUNTRY[home], "organisation_id": "{ref}"}),
            ("practice_media", {"practice_id": "{ref}", "sha256": "0" * 64, "file_name": "x.jpg",
                                "mime_type": "image/jpeg", "size": 1}),
        ):
            target = eur.organisation if entity == "contact" else eur.practice
            real, fake = ({k: (ref if x == "{ref}" else x) for k, x in fields.items()} for ref in (target, ghost))
            there, nowhere = dev.sync(dev.op(entity, fields=real), dev.op(entity, fields=fake))["results"]
            assert there["status"] == nowhere["status"] == "rejected"
            assert (there["reason"], there["field"]) == (nowhere["reason"], nowhere["field"])
    assert _snapshot(server, eur) == before


@pytest.mark.parametrize("role, home", ATTACKERS, ids=[f"{r}-{h}" for r, h in ATTACKERS])
def test_replaying_someone_elses_op_ids_reveals_and_blocks_nothing(world, role, home):
    """The administrator's device wrote EUR's rows with op ids <device>:1..n. Sending those
    ids (the device id is in every clock stamp) must neither answer with their values nor
    swallow the administrator's next edit."""
    server, admin, eur = world.server, world.admin, world.regions["EUR"]
    victim = admin.id
    spoof = type(admin)(server, world.dev(role, home).token, victim, world.dev(role, home).user)
    probes = [{"op_id": f"{victim}:{n}", "entity": "practice", "row_id": eur.practice, "kind": "upsert",
               "fields": {"title": "x"}, "base": {"title": 0}, "hlc": now_hlc(victim)} for n in range(1, 12)]
    reply = spoof.sync(*probes)
    assert not leaks(reply["results"], "EUR")
    assert all(r["status"] != "duplicate" for r in reply["results"]), reply["results"]
    # the victim's next op id, sent first by the attacker, does not make the real edit vanish
    nxt = next(admin.seq)
    admin.seq = iter(range(nxt, 10**6))
    squat = {"op_id": f"{victim}:{nxt}", "entity": "practice", "row_id": str(uuid.uuid4()), "kind": "upsert",
             "fields": practice(title="squatter", country=COUNTRY[home]), "base": {}, "hlc": now_hlc(victim)}
    spoof.sync(squat)
    real = admin.op("practice", eur.practice, fields={"title": f"Edited {marker('EUR')}"}, base={"title": eur.versions["title"]})
    assert real["op_id"] == f"{victim}:{nxt}"
    result = admin.sync(real)["results"][0]
    assert result["status"] == "applied", result
    assert server.row("practice", eur.practice)["title"] == f"Edited {marker('EUR')}"


@pytest.mark.parametrize("role", [*ROLES_IN_REGION, "administrator"])
def test_control_the_own_region_works_for_each_role(world, role):
    """The same endpoints on the own region: readers read, writers write."""
    server, afr = world.server, world.regions["AFR"]
    dev = world.fresh(role, "*" if role == "administrator" else "AFR")
    pulled = dev.sync()
    assert leaks(pulled, "AFR") and leaks(pulled, "EUR") == (role == "administrator")
    r = server.client.get(f"/v1/blobs/{afr.sha}", headers=dev.headers)
    assert r.status_code == 200 and r.content == afr.blob
    result = dev.sync(dev.op("practice", afr.practice, fields={"summary": f"by {role}"},
                             base={"summary": 0}))["results"][0]
    assert result["status"] == ("rejected" if role == "viewer" else "applied"), result
