"""A contact's personal-data actions in the window: export everything about the person
as JSON and PDF (read back), and an administrator's erasure through a real service."""
from __future__ import annotations

import json

from tests.sync_client.conftest import started_server
from tests.ui.test_documents import pdf_text

from fieldapp.core.personal_fields import ANONYMOUS
from fieldapp.sync_client import credentials
from fieldapp.sync_client.transport import Transport


def _contact(window, store):
    cid = store.ids("contact", {"full_name": "Asha Rao"})[0]
    mid = store.insert("meeting", {"title": "Hyderabad soil workshop", "starts_on": "2026-06-01", "country": "IN"})
    store.insert("meeting_participant", {"meeting_id": mid, "contact_id": cid, "name": "Asha Rao", "gender": "female"})
    window.open_record("contact", cid)
    return cid


def _texts(window):
    menu = window.documents.context_menu(window.page_for("contact"))
    return [a.text() for a in menu.actions() if a.text()]


def _wait(qtbot, signal, failed):
    got, bad = [], []
    signal.connect(got.append)
    failed.connect(bad.append)
    return got, bad


def test_export_everything_about_a_person_as_json_and_pdf(qtbot, window, store, tmp_path):
    cid = _contact(window, store)
    qtbot.waitUntil(lambda: window.pages["contact"].editor.row_id == cid, timeout=10000)
    texts = _texts(window)
    assert "Export everything about this person (JSON)…" in texts and "Export everything about this person (PDF)…" in texts
    assert "Erase this person…" not in texts  # not an administrator
    person = window.documents.person
    got, bad = _wait(qtbot, person.done, person.failed)
    person.export_json(cid, tmp_path / "asha.json")
    person.export_pdf(cid, tmp_path / "asha.pdf")
    qtbot.waitUntil(lambda: len(got) + len(bad) == 2, timeout=30000)
    assert bad == []
    data = json.loads((tmp_path / "asha.json").read_text(encoding="utf-8"))
    assert data["contact"]["full_name"] == "Asha Rao"
    assert [p["meeting"]["title"] for p in data["participations"]] == ["Hyderabad soil workshop"]
    text = pdf_text(tmp_path / "asha.pdf")
    assert "Asha Rao" in text and "Hyderabad soil workshop" in text and "Meetings taken part in" in text


def test_an_administrator_erases_a_person_through_the_service(qtbot, window, store, tmp_path):
    (tmp_path / "server").mkdir()
    server = started_server(tmp_path / "server", {"olga": ("administrator", ["*"], "olga-admin-pass-123")})
    try:
        cid = _contact(window, store)
        t = Transport(server.url)
        answer = t.login("olga", "olga-admin-pass-123")
        credentials.save_token(store.data_dir, server.url, "olga", t.token)
        store.set_meta("sync_role", answer["user"]["role"])
        from fieldapp.sync_client.engine import SyncEngine

        assert SyncEngine(store, t).sync().ok  # the service holds the contact
        assert "Erase this person…" in _texts(window)
        box = window.documents.person.confirm_dialog(cid)
        qtbot.addWidget(box)
        assert "Asha Rao" in box.text() and "cannot be undone" in box.informativeText()
        person = window.documents.person
        got, bad = _wait(qtbot, person.erased, person.failed)
        person.erase(cid)
        qtbot.waitUntil(lambda: bool(got or bad), timeout=30000)
        assert bad == [] and got == [cid]
        assert store.get("contact", cid)["full_name"] == ANONYMOUS
        history = t.call("GET", "/v1/admin/erasures").json()
        assert [h["erased_by"] for h in history] == ["olga"]
    finally:
        server.stop()
