"""`make run`'s path: the window starts a local demo service, logs in by itself and the
demo records arrive by sync; the sync area and the forms area sit in the window."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from fieldapp.ui.form_area import FormsArea
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.settings import Settings
from fieldapp.ui.sync_area import SyncArea
from fieldapp.ui.window_setup import WindowServices, wants_demo_service


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch):
    monkeypatch.setenv("FIELDAPP_TOKEN_FILE", "1")


def test_first_start_brings_the_demo_data_by_sync(qtbot, store, tmp_path):
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    services = WindowServices(window, settings.q)
    try:
        assert isinstance(window.stack.widget(window.area_keys.index("sync")), SyncArea)
        assert window.findChild(FormsArea) is services.forms
        window.show()
        with qtbot.waitSignal(services.controller.finished, timeout=120_000) as blocker:
            services.start_demo_service(tmp_path / "demo-server", then_generate_locally=None, scale=40)
        result = blocker.args[0]
        assert result.ok and result.received > 40
        assert store.count("practice") >= 35 and store.pending_count() == 0  # arrived by sync, nothing to send
        assert store.meta("last_sync_at") == result.finished_at
        qtbot.waitUntil(lambda: window.online_label.text() == "Online", timeout=10_000)
        assert "Sync done" in services.sync_area.status.text()
        assert settings.server_url == services.service.url
    finally:
        services.shutdown()
        qtbot.waitUntil(window.bridge.idle, timeout=10_000)
    assert services.service.process.poll() is not None  # stopped with the app


def test_the_demo_service_is_skipped_when_asked_or_frozen(monkeypatch):
    assert wants_demo_service(["fieldapp"]) and not wants_demo_service(["fieldapp", "--no-server"])
    monkeypatch.setattr("sys.frozen", True, raising=False)
    assert not wants_demo_service(["fieldapp"])
