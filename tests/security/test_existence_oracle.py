"""Item 10, the existence oracle, as a penetration tester holding an id from elsewhere: an
upsert naming a row of another region (a taken id) must be answered exactly as the same
upsert of an id nobody used, whatever the op says (a foreign region, a bad value, a
missing reference, no region), for every role and entity; where a new row would be
created, the taken id gets the one refusal every write out of scope gets. References to
rows out of scope are answered as references to no row. Nothing of the other region
changes."""
from __future__ import annotations

import uuid
from typing import Callable

import pytest

from tests.security.conftest import COUNTRY, ROLES_IN_REGION, leaks, upload
from tests.security.test_matrix import ATTACKERS, WRITERS, _snapshot
from tests.server.conftest import practice

FOREIGN = "FR"  # a country of EUR, the region whose ids the attacker holds


def _answer(result: dict) -> dict:
    """What the caller learns from an op's answer (its own op id aside)."""
    return {k: v for k, v in result.items() if k != "op_id"}


def _variants(own_country: str, own_practice: str, sha: str, ghost: str) -> dict[str, dict[str, Callable[[], dict]]]:
    """entity -> variant -> the fields of an upsert creating such a row."""
    media = {"sha256": sha, "file_name": "probe.jpg", "mime_type": "image/jpeg", "size": 5}
    return {
        "practice": {
            "own region": lambda: practice(title="Probe", country=own_country),
            "foreign region": lambda: practice(title="Probe", country=FOREIGN),
            "no region": lambda: {"title": "Probe", "family": "agroforestry"},
            "bad value": lambda: practice(title="Probe", country=own_country, family="no such family"),
            "wrong type": lambda: practice(title=5, country=own_country),
            "missing reference": lambda: practice(title="Probe", country=own_country, organisation_id=ghost),
        },
        "organisation": {
            "own region": lambda: {"name": "Probe", "org_type": "ngo", "country": own_country},
            "foreign region": lambda: {"name": "Probe", "org_type": "ngo", "country": FOREIGN},
            "required missing": lambda: {"org_type": "ngo", "country": own_country},
        },
        "contact": {
            "own region": lambda: {"full_name": "Probe", "country": own_country},
            "foreign region": lambda: {"full_name": "Probe", "country": FOREIGN},
            "missing reference": lambda: {"full_name": "Probe", "country": own_country, "organisation_id": ghost},
        },
        "practice_media": {
            "own region": lambda: {"practice_id": own_practice, **media},
            "missing reference": lambda: {"practice_id": ghost, **media},
        },
    }


TAKEN = {"practice": "practice", "organisation": "organisation", "contact": "contact", "practice_media": "media"}


@pytest.mark.parametrize("role, home", ATTACKERS, ids=[f"{r}-{h}" for r, h in ATTACKERS])
def test_a_taken_id_is_answered_like_an_unused_one(world, role, home):
    server, eur = world.server, world.regions["EUR"]
    dev = world.dev(role, home)
    before = _snapshot(server, eur)
    writer = role in WRITERS
    own_practice = str(uuid.uuid4())
    sha = upload(server, dev, b"probe") if writer else "0" * 64
    if writer:
        made = dev.sync(dev.op("practice", own_practice, fields=practice(country=COUNTRY[home])))["results"][0]
        assert made["status"] == "applied", made
    for entity, variants in _variants(COUNTRY[home], own_practice, sha, str(uuid.uuid4())).items():
        taken = getattr(eur, TAKEN[entity])
        generic = None
        for variant, fields in variants.items():
            fresh_id = str(uuid.uuid4())
            fresh, there = dev.sync(dev.op(entity, fresh_id, fields=fields()),
                                    dev.op(entity, taken, fields=fields()))["results"]
            assert there["status"] == "rejected" and not leaks(there, "EUR"), (entity, variant, there)
            if variant == "own region" and writer:
                # a new row would be created: the taken id gets the refusal of any write out of scope
                assert fresh["status"] == "applied", (entity, fresh)
                generic = there
                continue
            assert _answer(there) == _answer(fresh), (entity, variant, there, fresh)
            if variant == "foreign region" and writer:
                assert there["reason"].startswith("out_of_scope")
                assert generic is not None and _answer(generic) == _answer(there), (entity, generic, there)
    assert _snapshot(server, eur) == before


@pytest.mark.parametrize("role", sorted(WRITERS))
def test_an_edit_of_a_row_that_left_the_writers_region_gets_the_generic_refusal(world, role):
    """Its writer knows the row exists: their pending edit is told it is out of scope now
    (not judged as a new row), with the very answer a new row in a foreign region gets."""
    server, admin = world.server, world.admin
    dev = world.dev(role, "AFR")
    rid = str(uuid.uuid4())
    assert dev.sync(dev.op("practice", rid, fields=practice()))["results"][0]["status"] == "applied"
    v = server.row("practice", rid)["field_versions"]
    moved = admin.sync(admin.op("practice", rid, fields={"country": "FR"}, base={"country": v["country"]}))
    assert moved["results"][0]["status"] == "applied"
    there, foreign = dev.sync(dev.op("practice", rid, fields={"title": "Still mine?"}, base={"title": v["title"]}),
                              dev.op("practice", fields=practice(country="FR")))["results"]
    assert there["status"] == "rejected" and there["reason"].startswith("out_of_scope"), there
    assert _answer(there) == _answer(foreign), (there, foreign)
    assert server.row("practice", rid)["title"] != "Still mine?"


@pytest.mark.parametrize("entity, field, target", [
    ("practice", "organisation_id", "organisation"),
    ("contact", "organisation_id", "organisation"),
    ("practice_media", "practice_id", "practice"),
])
@pytest.mark.parametrize("role", ROLES_IN_REGION)
def test_a_reference_out_of_scope_is_answered_like_a_missing_one(world, role, entity, field, target):
    eur = world.regions["EUR"]
    dev = world.dev(role, "AFR")
    base = {"practice": practice(), "contact": {"full_name": "Spy", "country": "BF"},
            "practice_media": {"sha256": "0" * 64, "file_name": "x.jpg", "mime_type": "image/jpeg", "size": 1}}[entity]
    there, nowhere = dev.sync(dev.op(entity, fields=base | {field: getattr(eur, target)}),
                              dev.op(entity, fields=base | {field: str(uuid.uuid4())}))["results"]
    assert there["status"] == "rejected" and _answer(there) == _answer(nowhere), (there, nowhere)
    if role != "viewer":
        assert there["reason"].startswith("missing_ref") and there["field"] == field
