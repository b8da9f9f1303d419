"""The sync area driven as a person would: log in, sync with the button, settle a
conflict in the inbox; checked against the database and the other client."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QPushButton

from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.login_dialog import LoginDialog
from fieldapp.ui.sync_area import SyncArea
from fieldapp.ui.sync_controller import SyncController
from tests.sync_client.conftest import USERS



@pytest.fixture
def area(qtbot, store, tmp_path):
    bridge = StoreBridge(store)
    controller = SyncController(store, interval_minutes=0)
    qs = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    widget = SyncArea(bridge, controller, qs)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    controller.wait()
    qtbot.waitUntil(bridge.idle, timeout=10_000)


def _login(qtbot, area, server, user):
    dialog = LoginDialog(area.controller, server.url, user)
    qtbot.addWidget(dialog)
    dialog.password.setText(USERS[user][2])
    with qtbot.waitSignal(area.controller.logged_in, timeout=15_000):
        dialog.submit()
    assert dialog.result() == LoginDialog.DialogCode.Accepted


def test_login_refuses_plain_http_to_a_remote_host_unless_insisted(qtbot, area):
    dialog = LoginDialog(area.controller, "http://sync.example.org", "amina")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText("x")
    assert dialog.insist.isVisible()
    dialog.submit()
    assert "not https" in dialog.message.text()
    assert dialog.buttons.isEnabled() and dialog.result() == 0  # nothing was sent


def test_wrong_password_says_so(qtbot, area, server):
    dialog = LoginDialog(area.controller, server.url, "amina")
    qtbot.addWidget(dialog)
    dialog.password.setText("wrong-password")
    with qtbot.waitSignal(area.controller.login_failed, timeout=15_000):
        dialog.submit()
    assert "Login failed" in dialog.message.text() and dialog.buttons.isEnabled()


def test_sync_button_shows_progress_and_result(qtbot, area, server, store):
    _login(qtbot, area, server, "amina")
    store.insert("practice", {"title": "Compost de coques d'arachide", "family": "organic_amendments", "country": "SN"})
    with qtbot.waitSignal(area.controller.finished, timeout=30_000) as blocker:
        qtbot.mouseClick(area.sync_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.ok and result.pushed == 1
    assert "Sync done" in area.status.text() and "sent" in area.traffic.text()
    assert store.pending_count() == 0 and area.sync_button.isEnabled()
    assert "amina" in area.account.text()


def test_conflict_settled_in_the_inbox_reaches_the_other_client(qtbot, area, server, store, client):
    _login(qtbot, area, server, "amina")
    other, other_engine = client("bruno", "other")
    pid = store.insert("practice", {"title": "Paillage", "family": "soil_cover", "country": "KE"})
    with qtbot.waitSignal(area.controller.finished, timeout=30_000):
        area.controller.sync_now()
    other_engine.sync()
    store.update("practice", pid, {"title": "Paillage de résidus de maïs"})
    other.update("practice", pid, {"title": "Mulch of maize stover"})
    other_engine.sync()
    with qtbot.waitSignal(area.controller.finished, timeout=30_000):
        area.controller.sync_now()
    qtbot.waitUntil(lambda: area.inbox.list.count() == 1, timeout=10_000)
    assert "Title" in area.inbox.list.item(0).text()
    keep = [b for b in area.inbox.detail.findChildren(QPushButton) if b.text() == "Keep this value"]
    assert len(keep) == 2
    sides = area.inbox.conflicts[0]["sides"]
    chosen = next(i for i, s in enumerate(sides) if s["value"] == "Mulch of maize stover")
    with qtbot.waitSignal(area.controller.finished, timeout=30_000):  # settling triggers a sync
        keep[chosen].click()
    assert store.get("practice", pid)["title"] == "Mulch of maize stover" and store.conflicts() == []
    other_engine.sync()
    assert other.get("practice", pid)["title"] == "Mulch of maize stover" and other.conflicts() == []
    qtbot.waitUntil(lambda: area.inbox.list.count() == 0, timeout=10_000)


def test_an_attachment_synced_from_another_client_downloads_when_opened(qtbot, server, client, tmp_path, monkeypatch):
    """The window's own download path: the panel's fetch is the one WindowServices hands
    it, through the controller's logged-in transport, against the real service."""
    from fieldapp.core import attachments
    from fieldapp.ui.main_window import MainWindow
    from fieldapp.ui.settings import Settings
    from fieldapp.ui.window_setup import WindowServices

    a, sa = client("amina", "author")
    b, _sb = client("chen", "reader")
    pid = a.insert("practice", {"title": "Compost en tas", "family": "organic_amendments", "country": "SN"})
    photo = tmp_path / "tas.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 600)
    attachments.add_file(a, "practice", pid, photo, caption="Le tas")
    assert sa.sync().attachments_sent == 1
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(b, settings)
    qtbot.addWidget(window)
    services = WindowServices(window, settings.q)
    panel = window.practice_attachments
    try:
        assert panel.fetch is not None  # injected by the window's sync services
        with qtbot.waitSignal(services.controller.logged_in, timeout=15_000):
            services.controller.login(server.url, "chen", USERS["chen"][2])
        qtbot.waitUntil(lambda: b.get("practice", pid) is not None, timeout=30_000)  # the login syncs
        services.controller.wait()
        opened = []
        monkeypatch.setattr("fieldapp.ui.attachments_panel.QDesktopServices.openUrl",
                            lambda url: opened.append(url) or True)
        panel.set_owner(pid)
        qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
        panel.list.setCurrentRow(0)
        [row] = b.children("practice_media", pid)
        assert attachments.local_path(b, row) is None
        assert panel.open_selected()
        qtbot.waitUntil(lambda: bool(opened), timeout=15_000)
        local = attachments.local_path(b, row)
        assert local is not None and local.read_bytes() == photo.read_bytes()
        assert opened[0].toLocalFile() == str(local)
    finally:
        services.shutdown()
        qtbot.waitUntil(window.bridge.idle, timeout=10_000)
    assert panel.fetch is None  # handed back: a panel left over keeps no sync alive


def test_an_attachment_panel_without_sync_says_how_to_get_the_file(qtbot, store, tmp_path):
    from fieldapp.core import attachments
    from fieldapp.ui.attachments_panel import AttachmentsPanel

    pid = store.insert("practice", {"title": "Zaï", "family": "organic_amendments", "country": "BF"})
    photo = tmp_path / "z.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"z" * 100)
    attachments.add_file(store, "practice", pid, photo)
    [row] = store.children("practice_media", pid)
    (attachments.local_path(store, row)).unlink()  # synced from elsewhere: not on this computer
    bridge = StoreBridge(store)
    panel = AttachmentsPanel(bridge, "practice")
    qtbot.addWidget(panel)
    panel.set_owner(pid)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    panel.list.setCurrentRow(0)
    assert not panel.open_selected()
    assert "log in to the sync server" in panel.message.text()
    qtbot.waitUntil(bridge.idle, timeout=10_000)


def test_download_all_attachments_before_a_trip(qtbot, area, server, client, tmp_path):
    from fieldapp.core import attachments

    a, sa = client("amina", "field")
    pid = a.insert("practice", {"title": "Cordons pierreux", "family": "land_restoration", "country": "BF"})
    for i in range(3):
        f = tmp_path / f"photo{i}.jpg"
        f.write_bytes(bytes([i]) * 5000 + b"\xff\xd8")
        attachments.add_file(a, "practice", pid, f)
    assert sa.sync().attachments_sent == 3
    _login(qtbot, area, server, "chen")
    with qtbot.waitSignal(area.controller.finished, timeout=30_000):
        area.controller.sync_now()
    store = area.bridge.store
    rows = store.children("practice_media", pid)
    assert len(rows) == 3 and all(attachments.local_path(store, r) is None for r in rows)
    with qtbot.waitSignal(area.controller.attachments_done, timeout=30_000) as blocker:
        qtbot.mouseClick(area.download_button, Qt.MouseButton.LeftButton)
    count, error = blocker.args
    assert error == "" and count >= 3  # the module's server may hold other tests' files too
    assert all(attachments.local_path(store, r) is not None for r in rows)
    assert f"{count} attachments downloaded" in area.status.text()
    assert blobs_missing(store) == []


def blobs_missing(store):
    from fieldapp.sync_client.blobs import missing_locally
    return missing_locally(store)
