"""Two encrypted laptops sync through a real service: records and attachments travel,
and neither data folder holds a byte of them in clear."""
from __future__ import annotations

from fieldapp.core import attachments, encryption
from fieldapp.core.store import DB_NAME
from fieldapp.sync_client import blobs

NAME = "Awa Ndiaye-5521"
PHOTO = b"\xff\xd8\xff secret-field-photo " * 30000  # ~700 kB: several upload chunks


def test_encrypted_clients_sync_records_and_attachments_and_keep_nothing_in_clear(client, tmp_path, memory_keyring):
    for folder in ("amina", "chen"):
        encryption.encrypt_in_place(tmp_path / folder, tmp_path / folder / DB_NAME)  # first start, chosen
    a, sa = client("amina")
    b, sb = client("chen")
    cid = a.insert("contact", {"full_name": NAME, "email": "awa@example.org", "country": "SN"})
    pid = a.insert("practice", {"title": "Compost en fosse", "family": "land_restoration", "country": "SN"})
    photo = tmp_path / "fosse.jpg"
    photo.write_bytes(PHOTO)
    attachments.add_file(a, "practice", pid, photo)
    assert sa.sync().attachments_sent == 1
    assert sb.sync().ok
    assert b.get("contact", cid)["full_name"] == NAME
    [row] = b.children("practice_media", pid)
    blobs.download(b, sb.transport, row["sha256"], row["size"])
    assert attachments.local_path(b, row).read_bytes() == PHOTO
    for store in (a, b):
        held = [p for p in store.data_dir.rglob("*") if p.is_file()
                and (NAME.encode() in p.read_bytes() or b"secret-field-photo" in p.read_bytes())]
        assert held == []
