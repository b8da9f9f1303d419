"""Items 2 and 8: naming a hash grants nothing; empty files work end to end."""
from __future__ import annotations

import hashlib
import uuid

from fieldapp.core import attachments
from fieldapp.sync_client import blobs
from tests.security.conftest import leaks, upload
from tests.server.conftest import practice


def _media(dev, practice_id: str, sha: str, size: int) -> dict:
    return dev.op("practice_media", fields={"practice_id": practice_id, "sha256": sha, "file_name": "copy.jpg",
                                            "mime_type": "image/jpeg", "size": size})


def test_a_row_naming_another_regions_hash_serves_nothing(world):
    server, afr, eur = world.server, world.regions["AFR"], world.regions["EUR"]
    attacker = world.dev("correspondent", "AFR")
    colleague = world.dev("viewer", "AFR")
    result = attacker.sync(_media(attacker, afr.practice, eur.sha, len(eur.blob)))["results"][0]
    assert result["status"] == "applied"  # the row itself is the attacker's business ...
    for who in (attacker, colleague):  # ... but it opens no door to the bytes
        r = server.client.get(f"/v1/blobs/{eur.sha}", headers=who.headers)
        assert r.status_code == 404 and not leaks(r.content, "EUR")
        r = server.client.get(f"/v1/blobs/{eur.sha}", headers=who.headers | {"Range": "bytes=0-"})
        assert r.status_code == 404
    # still "missing" for the attacker, with nothing to resume: the upload is the proof asked for
    assert server.client.post("/v1/blobs/missing", json={"sha256": [eur.sha]},
                              headers=attacker.headers).json() == {"missing": [eur.sha]}
    status = server.client.get(f"/v1/blobs/{eur.sha}/upload", headers=attacker.headers).json()
    assert status == {"sha256": eur.sha, "offset": 0, "size": None, "complete": False}
    # a forged chunk does not complete it either
    r = server.client.put(f"/v1/blobs/{eur.sha}", content=b"x" * len(eur.blob), headers=attacker.headers)
    assert r.status_code == 422 and r.json()["error"] == "hash_mismatch"
    assert server.client.get(f"/v1/blobs/{eur.sha}", headers=attacker.headers).status_code == 404


def test_whoever_really_holds_the_bytes_proves_it_by_sending_them(world):
    """Two correspondents attaching the same file: the second is asked for the bytes too,
    and once sent, the second's region reads them through the second's record."""
    server, afr, eur = world.server, world.regions["AFR"], world.regions["EUR"]
    holder = world.dev("correspondent", "AFR")
    colleague = world.dev("viewer", "AFR")
    holder.sync(_media(holder, afr.practice, eur.sha, len(eur.blob)))
    assert server.client.get(f"/v1/blobs/{eur.sha}", headers=colleague.headers).status_code == 404
    assert upload(server, holder, eur.blob) == eur.sha
    assert server.client.post("/v1/blobs/missing", json={"sha256": [eur.sha]}, headers=holder.headers).json() == {
        "missing": []}
    r = server.client.get(f"/v1/blobs/{eur.sha}", headers=colleague.headers)
    assert r.status_code == 200 and r.content == eur.blob
    # and a row whose sha256 someone else set later, without the bytes, does not ride on it
    outsider = world.dev("correspondent", "ASI")
    pid = str(uuid.uuid4())
    outsider.sync(outsider.op("practice", pid, fields=practice(country="IN")), _media(outsider, pid, eur.sha, 1))
    assert server.client.get(f"/v1/blobs/{eur.sha}", headers=outsider.headers).status_code == 404


def test_empty_files_upload_and_download_through_the_api(world):
    server, afr = world.server, world.regions["AFR"]
    dev, reader = world.dev("correspondent", "AFR"), world.dev("viewer", "AFR")
    empty = hashlib.sha256(b"").hexdigest()
    r = server.client.put(f"/v1/blobs/{empty}", content=b"", headers=dev.headers)
    assert r.status_code == 200 and r.json() == {"sha256": empty, "offset": 0, "size": 0, "complete": True}, r.text
    dev.sync(_media(dev, afr.practice, empty, 0))
    for headers in ({}, {"Range": "bytes=0-262143"}):
        got = server.client.get(f"/v1/blobs/{empty}", headers=reader.headers | headers)
        assert got.status_code == 200 and got.content == b""
    bad = server.client.put(f"/v1/blobs/{'0' * 64}", content=b"", headers=dev.headers)
    assert bad.status_code == 422 and bad.json()["error"] == "hash_mismatch"


def test_empty_files_sync_between_desktops(desktop, tmp_path):
    amina, amina_sync = desktop("amina")
    bruno, bruno_sync = desktop("bruno")
    pid = amina.insert("practice", practice(title="With an empty note"))
    empty_file = tmp_path / "empty.txt"
    empty_file.write_bytes(b"")
    attachments.add_file(amina, "practice", pid, empty_file)
    result = amina_sync.sync()
    assert result.ok and result.attachments_sent == 1, result
    assert bruno_sync.sync().ok
    assert blobs.download_all(bruno, bruno_sync.transport) == 1  # "download all" does not stop at a 404
    [row] = attachments.attachments(bruno, "practice", pid)
    path = attachments.local_path(bruno, row)
    assert path is not None and path.read_bytes() == b""


def test_a_file_attached_before_proof_was_asked_is_sent_again_by_its_author(desktop, live, tmp_path):
    """Before the upgrade, Bruno attached a file Amina (EUR) had uploaded already: the old
    server said it had the bytes, so his client marked the file sent and never sent it.
    Now only his upload lets his region fetch it through his record: his client, holding
    the file, sends it at its next sync, and his colleague's download then works."""
    from sqlalchemy import update

    from fieldapp.core.tables import TABLES as LOCAL

    photo = tmp_path / "shared.jpg"
    photo.write_bytes(b"the same photo, on two laptops")
    amina, amina_sync = desktop("amina-eur", regions=("EUR",))
    attachments.add_file(amina, "practice", amina.insert("practice", practice(title="Hers", country="FR")), photo)
    assert amina_sync.sync().attachments_sent == 1
    bruno, bruno_sync = desktop("bruno")
    his = bruno.insert("practice", practice(title="His"))
    attachments.add_file(bruno, "practice", his, photo)
    with bruno.transaction() as tx:  # what the old server's "which do you lack" made his client record
        tx.conn.execute(update(LOCAL["blob"]).values(uploaded=True))
    type(bruno_sync)(bruno, bruno_sync.transport, attachments=False).sync()  # the record went up without its bytes
    chen, chen_sync = desktop("chen")
    assert chen_sync.sync().ok
    [sha] = [sha for sha, _ in blobs.missing_locally(chen)]
    got = live.client.get(f"/v1/blobs/{sha}", headers={"Authorization": f"Bearer {chen_sync.transport.token}"})
    assert got.status_code == 404  # the legacy row: nobody in AFR can fetch it yet
    result = bruno_sync.sync()
    assert result.ok and result.attachments_sent == 1, result  # his client owed the proof and sent it
    assert blobs.download_all(chen, chen_sync.transport) == 1
    [row] = attachments.attachments(chen, "practice", his)
    assert attachments.local_path(chen, row).read_bytes() == photo.read_bytes()
    # a reader's client holding files owes nothing and its sync is not refused for asking
    live.user("viewer", ("AFR",), name="vera")
    vera, vera_sync = desktop("vera")
    assert vera_sync.sync().ok and blobs.download_all(vera, vera_sync.transport) == 1
    again = vera_sync.sync()
    assert again.ok and again.attachments_sent == 0, again
