"""The authorisation matrix: every endpoint x every role x a target in and out of scope."""
from __future__ import annotations

import hashlib
import uuid

import pytest

from sync.server.principal import ROLES
from tests.server.conftest import practice

WRITERS = {"administrator", "reviewer", "correspondent", "facilitator"}


def _blob(server, device, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    r = server.client.put(f"/v1/blobs/{sha}", content=data, headers=device.headers)
    assert r.status_code == 200 and r.json()["complete"], r.text
    return sha


@pytest.fixture
def world(server):
    """An administrator's practice with an attachment in AFR and another in EUR."""
    admin = server.device("administrator", ("*",), name="root")
    made = {}
    for region, country in (("AFR", "BF"), ("EUR", "FR")):
        pid, mid = str(uuid.uuid4()), str(uuid.uuid4())
        sha = _blob(server, admin, f"photo of {region}".encode())
        reply = admin.sync(
            admin.op("practice", pid, fields=practice(country=country)),
            admin.op("practice_media", mid, fields={"practice_id": pid, "sha256": sha, "file_name": "a.jpg",
                                                    "mime_type": "image/jpeg", "size": 13}))
        assert [r["status"] for r in reply["results"]] == ["applied", "applied"]
        made[region] = {"practice": pid, "media": mid, "sha": sha, "country": country,
                        "versions": server.row("practice", pid)["field_versions"]}
    return made


@pytest.mark.parametrize("in_scope", [True, False], ids=["in-scope", "out-of-scope"])
@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_checks_role_and_scope(server, world, role, in_scope):
    target = world["AFR" if in_scope else "EUR"]
    dev = server.device(role, ("*",) if role == "administrator" else ("AFR",))
    c = server.client
    sees = in_scope or role == "administrator"
    writes = role in WRITERS and sees

    # public and identity endpoints
    assert c.get("/v1/health").status_code == 200
    assert c.get("/v1/me").status_code == 401
    me = c.get("/v1/me", headers=dev.headers)
    assert me.status_code == 200 and me.json()["role"] == role

    # pull: the target row (and its attachment row) only when in scope
    fresh = server.device(role, ("*",) if role == "administrator" else ("AFR",), name=dev.user, initial_sync=False)
    pulled = {ch["id"] for ch in fresh.sync()["changes"]}
    assert (target["practice"] in pulled) == sees
    assert (target["media"] in pulled) == sees

    def status(op: dict) -> tuple[str, str | None]:
        res = dev.sync(op)["results"][0]
        return res["status"], (res["reason"] or "").split(":")[0] or None

    # edit an existing record
    st, reason = status(dev.op("practice", target["practice"], fields={"farmers": 7}, base={"farmers": 0}))
    assert st == ("applied" if writes else "rejected"), reason
    if not writes:
        # a row out of scope is answered as the same op on an id nobody used (no existence oracle)
        unused = status(dev.op("practice", fields={"farmers": 7}, base={"farmers": 0}))
        assert reason == ("forbidden" if role == "viewer" else unused[1]) and unused[0] == "rejected"
    # create a record in the target's region
    st, reason = status(dev.op("practice", fields=practice(country=target["country"])))
    assert st == ("applied" if writes else "rejected"), reason
    # review status: reviewers (and administrators) only
    st, reason = status(dev.op("practice", target["practice"], fields={"review_status": "validated"},
                               base={"review_status": target["versions"]["review_status"]}))
    assert st == ("applied" if writes and role in ("administrator", "reviewer") else "rejected"), reason
    # reference data and form templates: administrators only
    st, _ = status(dev.op("reference", fields={"list_name": "college", "code": f"c{uuid.uuid4().hex[:6]}", "label": "New"}))
    assert st == ("applied" if role == "administrator" else "rejected")
    st, _ = status(dev.op("form_definition", fields={"form_id": "f", "version": 1, "title": "F", "definition": {}}))
    assert st == ("applied" if role == "administrator" else "rejected")

    # attachments: writers send, anyone in scope reads
    missing = c.post("/v1/blobs/missing", json={"sha256": [target["sha"]]}, headers=dev.headers)
    assert missing.status_code == (200 if role in WRITERS else 403)
    data = f"new file from {role}".encode()
    sha = hashlib.sha256(data).hexdigest()
    assert c.get(f"/v1/blobs/{sha}/upload", headers=dev.headers).status_code == (200 if role in WRITERS else 403)
    put = c.put(f"/v1/blobs/{sha}", content=data, headers=dev.headers)
    assert put.status_code == (200 if role in WRITERS else 403)
    got = c.get(f"/v1/blobs/{target['sha']}", headers=dev.headers)
    assert got.status_code == (200 if sees else 404)
    if sees:
        assert got.content == f"photo of {'AFR' if in_scope else 'EUR'}".encode()

    # logout revokes the token
    assert c.post("/v1/logout", headers=dev.headers).status_code == 204
    assert c.get("/v1/me", headers=dev.headers).status_code == 401
