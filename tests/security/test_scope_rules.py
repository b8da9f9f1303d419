"""Items 9, 10 and 11: the region follows the country; a reference out of scope is
answered like a missing one; a clock stamp belongs to the device that sends it."""
from __future__ import annotations

import uuid

from tests.server.conftest import now_hlc, practice


def test_a_row_about_france_is_in_europe_whatever_the_op_says(world):
    server, admin = world.server, world.admin
    afr = world.dev("correspondent", "AFR")
    hidden = afr.sync(afr.op("practice", fields=practice(country="FR", region="AFR")))["results"][0]
    assert hidden["status"] == "rejected" and hidden["reason"].startswith("out_of_scope"), hidden
    rid = str(uuid.uuid4())
    made = admin.sync(admin.op("practice", rid, fields=practice(country="FR", region="AFR")))["results"][0]
    assert made["values"]["region"] == "EUR" and server.row("practice", rid)["scope_region"] == "EUR"
    assert any(c["id"] == rid for c in world.fresh("viewer", "EUR").sync()["changes"])  # EUR sees it
    # moving an African row's region alone does not stick either
    own = str(uuid.uuid4())
    afr.sync(afr.op("practice", own, fields=practice()))
    v = server.row("practice", own)["field_versions"]
    moved = admin.sync(admin.op("practice", own, fields={"region": "EUR"}, base={"region": v["region"]}))["results"][0]
    assert moved["values"]["region"] == "AFR" and server.row("practice", own)["scope_region"] == "AFR"
    # contacts and organisations too
    org = afr.sync(afr.op("organisation", fields={"name": "N", "org_type": "ngo", "country": "FR", "region": "AFR"}))
    assert org["results"][0]["status"] == "rejected"


def test_references_out_of_scope_are_answered_like_missing_ones(world):
    eur = world.regions["EUR"]
    dev = world.dev("correspondent", "AFR")
    ghost = str(uuid.uuid4())
    for entity, fields in (("practice", practice(organisation_id="{ref}")),
                           ("contact", {"full_name": "X", "country": "BF", "organisation_id": "{ref}"})):
        real = {k: (eur.organisation if v == "{ref}" else v) for k, v in fields.items()}
        fake = {k: (ghost if v == "{ref}" else v) for k, v in fields.items()}
        there, nowhere = dev.sync(dev.op(entity, fields=real), dev.op(entity, fields=fake))["results"]
        assert there == {**nowhere, "op_id": there["op_id"]}, (there, nowhere)
        assert there["status"] == "rejected" and there["reason"].startswith("missing_ref")
    # and the row itself, through delete / restore / resolve
    answers = []
    for rid in (eur.practice, ghost):
        answers.append(dev.sync(dev.op("practice", rid, kind="delete", base={"_row": 1}))["results"][0])
    assert answers[0]["reason"] == answers[1]["reason"] and answers[0]["status"] == "rejected"


def test_a_clock_stamp_must_name_the_sending_device(world):
    server = world.server
    dev = world.dev("correspondent", "AFR")
    rid = str(uuid.uuid4())
    dev.sync(dev.op("practice", rid, fields=practice(title="Start")))
    v = server.row("practice", rid)["field_versions"]
    other = world.dev("facilitator", "AFR")
    # another device's name, dated nine minutes ahead: it would win every provisional value
    forged = now_hlc("zzzzzzzz", ahead_ms=9 * 60 * 1000)
    result = other.sync(other.op("practice", rid, fields={"title": "Forged"}, base={"title": v["title"]},
                                 hlc=forged))["results"][0]
    assert result["status"] == "rejected" and result["reason"].startswith("bad_clock") and result["field"] == "hlc"
    assert server.row("practice", rid)["title"] == "Start"
    # control: the sending device's own stamp, a little ahead, is accepted
    own = other.sync(other.op("practice", rid, fields={"title": "Own clock"}, base={"title": v["title"]},
                              hlc=now_hlc(other.id, ahead_ms=60_000)))["results"][0]
    assert own["status"] == "applied"
