"""Attachments: files copied into the data folder by SHA-256, thumbnails, open with the
system viewer, remove with a tombstone."""
from __future__ import annotations

import hashlib

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QImage

from fieldapp.core import attachments
from fieldapp.ui import dialogs
from fieldapp.ui.attachments_panel import AttachmentsPanel
from tests.ui.conftest import settle


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "field visit.png"
    image = QImage(320, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("#7a5230"))
    assert image.save(str(path))
    return path


def test_add_file_copies_by_sha256_and_records_blob(store, sample, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 demo report")
    pid = sample["practices"][0]
    mid = attachments.add_file(store, "practice", pid, pdf, caption="Results 2023")
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    row = store.get("practice_media", mid)
    assert (row["sha256"], row["size"], row["mime_type"], row["kind"], row["file_name"]) == (
        sha, pdf.stat().st_size, "application/pdf", "document", "report.pdf")
    assert attachments.blob_path(store, sha).read_bytes() == pdf.read_bytes()
    with store.engine.connect() as conn:
        blob = conn.exec_driver_sql("SELECT size, stored, uploaded FROM blob WHERE sha256 = ?", (sha,)).one()
    assert tuple(blob) == (pdf.stat().st_size, 1, 0)
    # the same bytes attached again: one copy on disk, two records
    attachments.add_file(store, "meeting", sample["meeting"], pdf)
    assert len(list(store.files_dir.rglob("*"))) == 2  # one folder, one file
    assert not list(store.files_dir.glob(".incoming-*"))


def test_add_file_refuses_missing_files_and_unknown_owners(store, sample, tmp_path):
    with pytest.raises(FileNotFoundError):
        attachments.add_file(store, "practice", sample["practices"][0], tmp_path / "nope.jpg")
    with pytest.raises(KeyError):
        attachments.media_entity("organisation")
    assert store.count("practice_media") == 0


def test_panel_attaches_shows_thumbnail_opens_and_removes(qtbot, monkeypatch, bridge, store, sample, photo):
    panel = AttachmentsPanel(bridge, "practice")
    qtbot.addWidget(panel)
    pid = sample["practices"][0]
    panel.set_owner(pid)
    with qtbot.waitSignal(panel.changed, timeout=15000):
        panel.add_files([photo])
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=15000)
    settle(qtbot, bridge)
    [row] = store.children("practice_media", pid)
    assert row["file_name"] == "field visit.png" and row["kind"] == "photo" and row["mime_type"] == "image/png"
    item = panel.list.item(0)
    thumb = item.icon().pixmap(96, 96)
    assert thumb.width() == 96 and thumb.toImage().pixelColor(48, 40) == QColor("#7a5230")  # the photo itself
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    panel.list.setCurrentRow(0)
    assert panel.open_selected()
    assert opened[0].toLocalFile() == str(attachments.blob_path(store, row["sha256"]))
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: True)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=15000)
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)  # the keyboard way to remove
    qtbot.waitUntil(lambda: panel.list.count() == 0, timeout=15000)
    assert store.get("practice_media", row["id"])["deleted"] is True
    assert store.children("practice_media", pid) == []


def test_practice_editor_shows_its_attachments(qtbot, window, store, sample, photo):
    pid = sample["practices"][1]
    attachments.add_file(store, "practice", pid, photo)
    window.open_record("practice", pid)
    qtbot.waitUntil(lambda: window.practice_attachments.list.count() == 1, timeout=15000)
    assert window.practice_attachments.owner_id == pid
    window.open_record("practice", sample["practices"][0])
    qtbot.waitUntil(lambda: window.practice_attachments.list.count() == 0, timeout=15000)
