"""The window under field conditions, driven as a person would (pytest-qt, a real service
on 127.0.0.1): the Needs attention list and the status bar's count (issue 13 item 1),
"Last sync" after `fieldapp sync` (item 9), a sync shortly after a change and real
progress (item 10), the clock notice and a login page in the way (issue 21)."""
from __future__ import annotations

import io
import time

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from shiboken6 import isValid

from fieldapp.core.store import Store
from fieldapp.sync_client import credentials
from fieldapp.sync_client.command import sync_command
from fieldapp.sync_client.engine import SyncEngine
from fieldapp.sync_client.transport import Transport
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.settings import Settings
from fieldapp.ui.window_setup import WindowServices
from tests.sync_client.conftest import USERS
from tests.sync_client.test_captive_portal import Portal

HOUR = 3600 * 1000



@pytest.fixture
def open_window(qtbot, server, store, tmp_path):
    made = []

    def make(store: Store, user: str = "amina", url: str | None = None):
        t = Transport(server.url)
        t.login(user, USERS[user][2])
        credentials.save_token(store.data_dir, url or server.url, user, t.token or "")
        settings = Settings(QSettings(str(tmp_path / f"{user}.ini"), QSettings.Format.IniFormat))
        settings.q.setValue("sync_interval_minutes", 15)
        window = MainWindow(store, settings)
        qtbot.addWidget(window)
        services = WindowServices(window, settings.q)
        services.controller.after_change.setInterval(300)
        window.resize(1280, 800)
        window.show()
        made.append((window, services))
        return window, services

    yield make
    for window, services in made:
        services.controller.wait(10)
        if isValid(window.bridge):  # pytest-qt may have closed and deleted the window already
            services.shutdown()
            try:  # let what the bridge still runs report back; the store closes after, waiting for its writer
                qtbot.waitUntil(window.bridge.idle, timeout=30_000)
            except qtbot.TimeoutError:
                pass


def _practice(store, **kw):
    return store.insert("practice", {"title": "Zaï", "family": "land_restoration", "country": "BF"} | kw)


def _wait_synced(qtbot, services, timeout=30_000):
    with qtbot.waitSignal(services.controller.finished, timeout=timeout) as blocker:
        pass
    return blocker.args[0]


def test_a_refused_change_waits_in_needs_attention_until_fixed_or_discarded(qtbot, open_window, store, monkeypatch):
    window, services = open_window(store)
    qtbot.waitUntil(lambda: services.controller.online is True, timeout=15_000)
    area = services.sync_area
    # typed in the window; the sync follows by itself a moment later (no button pressed)
    with qtbot.waitSignal(services.controller.finished, timeout=30_000) as blocker:
        window.bridge.write(_practice, store, title="Cordons pierreux")
        window.bridge.write(_practice, store, title="Prairie permanente", country="FR")  # outside amina's regions
    assert blocker.args[0].ok and blocker.args[0].rejected == 1
    qtbot.waitUntil(lambda: window.attention_button.isVisible(), timeout=10_000)
    assert window.attention_button.text() == "1 needs attention"
    assert window.pending_label.text() == "1 unsynced change"  # refused is not synced: the count tells the truth
    qtbot.mouseClick(window.attention_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is area and area.tabs.currentWidget() is area.attention
    qtbot.waitUntil(lambda: len(area.attention.cards) == 1, timeout=10_000)
    card = area.attention.cards[0]
    assert card.title.text() == "Practice “Prairie permanente”"
    assert card.reason.text().startswith("The record belongs to a region outside your account's regions.")
    assert "Change the country or region" in card.advice.text() and area.tabs.tabText(1) == "Needs attention (1)"
    window.grab().save("/tmp/fieldcond-needs-attention.png")
    # open the record from the list, fix it: the fix and the refused change go as one
    qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)
    page = window.pages["practice"]
    assert window.current_page() is page
    qtbot.waitUntil(lambda: page.editor.row_id == card.op["row_id"], timeout=10_000)
    with qtbot.waitSignal(services.controller.finished, timeout=30_000) as blocker:
        window.bridge.write(store.update, "practice", card.op["row_id"], {"country": "SN"})
    assert blocker.args[0].applied == 1
    qtbot.waitUntil(lambda: not window.attention_button.isVisible() and area.attention.cards == [], timeout=10_000)
    qtbot.waitUntil(lambda: window.pending_label.text() == "0 unsynced changes", timeout=10_000)
    assert area.attention.heading.text().startswith("Nothing needs attention")
    # retry keeps it listed while the cause stays; discard removes it for good
    with qtbot.waitSignal(services.controller.finished, timeout=30_000):
        window.bridge.write(_practice, store, title="Jachère", country="DE")
    qtbot.waitUntil(lambda: len(area.attention.cards) == 1, timeout=10_000)
    with qtbot.waitSignal(services.controller.finished, timeout=30_000):
        qtbot.mouseClick(area.attention.cards[0].retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(area.attention.cards) == 1 and area.attention.cards[0].title.text() == "Practice “Jachère”",
                    timeout=10_000)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    gone = area.attention.cards[0].op["row_id"]
    qtbot.mouseClick(area.attention.cards[0].discard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: area.attention.cards == [] and not window.attention_button.isVisible(), timeout=10_000)
    assert store.get("practice", gone)["deleted"] and store.unsynced_count() == 0


def test_progress_shows_pages_of_total_records_and_bytes(qtbot, open_window, store, client):
    other, other_engine = client("bruno", "progress-writer")
    for i in range(230):
        _practice(other, title=f"Pratique {i}")
    assert other_engine.sync().ok
    window, services = open_window(store)
    services.controller.page_limit = 50
    area = services.sync_area
    seen: list[tuple[int, int, int, str, str]] = []
    services.controller.progress.connect(lambda p: seen.append(
        (area.progress_bar.maximum(), area.progress_bar.value(), p.pages_done, area.status.text(), area.traffic.text())))
    services.controller.progress.connect(lambda p: p.pages_done == 3 and window.grab().save("/tmp/fieldcond-progress.png"))
    window.go(window.area_keys.index("sync"))
    qtbot.waitUntil(lambda: not services.controller.running, timeout=30_000)
    with qtbot.waitSignal(services.controller.finished, timeout=60_000):
        qtbot.mouseClick(area.sync_button, Qt.MouseButton.LeftButton)
    pages = [s for s in seen if s[2] >= 1 and "page" in s[3]]
    assert len(pages) >= 5, seen
    assert all(maximum == 1000 for maximum, *_ in pages)  # a real bar, not a busy indicator
    values = [v for _m, v, *_ in pages]
    assert values == sorted(values) and values[-1] == 1000 and values[0] < 1000
    assert "page 1 of" in pages[0][3] and pages[-1][3].endswith(f"page {pages[-1][2]} of {pages[-1][2]}…")
    assert "records received" in pages[-1][4] and " up, " in pages[-1][4] and "kB down" in pages[-1][4]


def test_last_sync_after_the_command_line_sync(qtbot, server, store, tmp_path):
    out = io.StringIO()
    code = sync_command(store, out, server=server.url, user="amina", ask_password=lambda: USERS["amina"][2])
    assert code == 0, out.getvalue()
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.last_sync_label.text().startswith("Last sync: "), timeout=10_000)
    qtbot.wait(300)
    assert window.last_sync_label.text() != "Last sync: never" and window.sync_page.last.text() != "Last sync: never"
    qtbot.waitUntil(window.bridge.idle, timeout=10_000)


def test_a_burst_of_edits_is_one_sync_soon_after_and_the_timer_stays(qtbot, open_window, store):
    window, services = open_window(store)
    controller = services.controller
    qtbot.waitUntil(lambda: controller.online is True, timeout=15_000)
    qtbot.waitUntil(lambda: not controller.running, timeout=30_000)
    assert controller.auto_timer.isActive() and controller.auto_timer.interval() == 15 * 60_000  # the fallback
    results = []
    controller.finished.connect(results.append)
    pid = _practice(store, title="Paillage")
    for i in range(5):
        store.update("practice", pid, {"summary": f"Résidus {i}"})
        qtbot.wait(50)
    qtbot.waitUntil(lambda: len(results) == 1, timeout=15_000)
    qtbot.wait(1500)
    assert len(results) == 1 and results[0].pushed == 1 and store.unsynced_count() == 0  # one sync for the burst
    # nothing to send: a commit from elsewhere (a sync's own page) starts no sync
    controller._changed()
    qtbot.wait(1000)
    assert len(results) == 1
    # offline: no attempt; the probe brings it back and the edit goes then
    controller._set_online(False)
    store.update("practice", pid, {"summary": "Hors ligne"})
    qtbot.wait(800)
    assert len(results) == 1 and store.pending_count() == 1
    with qtbot.waitSignal(controller.finished, timeout=30_000):
        controller._set_online(True)
    assert store.pending_count() == 0


def test_the_clock_notice_is_said_once_and_stays_in_the_sync_area(qtbot, open_window, tmp_path):
    store = Store(tmp_path / "ahead", author="amina", wall=lambda: int(time.time() * 1000) + 3 * HOUR)
    try:
        window, services = open_window(store)
        _practice(store, title="Cordons pierreux")
        with qtbot.waitSignal(services.controller.finished, timeout=30_000) as blocker:
            services.controller.sync_now()
        assert blocker.args[0].ok and blocker.args[0].applied == 1
        told = "Your computer's clock is 3 hours ahead of the server's."
        qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(told), timeout=10_000)
        assert not services.sync_area.clock.isHidden() and services.sync_area.clock.text().startswith(told)
        window.go(window.area_keys.index("sync"))
        qtbot.waitUntil(lambda: window.pending_label.text() == "0 unsynced changes"
                        and window.last_sync_label.text() != "Last sync: never", timeout=10_000)
        qtbot.waitUntil(lambda: services.sync_area.pending.text() == "0 changes waiting to be sent.", timeout=10_000)
        qtbot.wait(200)  # let the status bar lay its labels out again
        window.grab().save("/tmp/fieldcond-clock.png")
        with qtbot.waitSignal(services.controller.finished, timeout=30_000):
            services.controller.sync_now()
        qtbot.wait(100)
        assert not window.statusBar().currentMessage().startswith(told)  # once, not at every sync
        assert not services.sync_area.clock.isHidden()
    finally:
        qtbot.waitUntil(lambda: not services.controller.running, timeout=30_000)


def test_a_login_page_in_the_way_is_said_and_the_window_counts_it_offline(qtbot, open_window, store):
    portal = Portal("page")
    try:
        window, services = open_window(store, url=portal.url)
        with qtbot.waitSignal(services.controller.unreachable, timeout=15_000) as blocker:
            services.controller.probe()  # what the window does every 30 s
        assert blocker.args[0].startswith("A network login page is in the way")
        qtbot.waitUntil(lambda: window.online_label.text() == "Offline", timeout=10_000)
        assert window.statusBar().currentMessage().startswith("A network login page is in the way")
        _practice(store, title="Gardé")
        with qtbot.waitSignal(services.controller.finished, timeout=30_000) as done:
            services.controller.sync_now()
        assert not done.args[0].ok and services.sync_area.status.text().startswith("A network login page is in the way")
        assert store.pending_count() == 1
    finally:
        portal.stop()


def test_the_window_warns_at_start_when_the_disk_is_nearly_full(qtbot, open_window, store, monkeypatch):
    from fieldapp.core import diskspace

    monkeypatch.setattr(diskspace, "WARN_BELOW", diskspace.free_bytes(store.data_dir) + 50 * diskspace.MB)
    window, services = open_window(store)
    expected = f"Little room is left on the disk holding {store.data_dir}"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(expected), timeout=10_000)
    qtbot.waitUntil(lambda: services.sync_area.disk.text().startswith(expected), timeout=10_000)
    assert "Free at least" in services.sync_area.disk.text() and not services.sync_area.disk.isHidden()
    qtbot.waitUntil(window.bridge.idle, timeout=30_000)  # the forms area's first write reports back
