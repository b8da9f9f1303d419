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


def test_a_newcomer_sees_a_full_window_within_10_s_then_the_sync_sends_nothing(qtbot, store, tmp_path):
    """make run on a fresh install: the demo records used to arrive only by the initial
    sync of 5 782 records, 40-50 s later. Same scale as `make run`."""
    import time

    from fieldapp.cli import DEFAULT_UI_DEMO_SCALE
    from fieldapp.core.demo import generate_rows

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    started = time.monotonic()
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    services = WindowServices(window, settings.q)
    finished = []
    services.controller.finished.connect(finished.append)
    try:
        window.resize(1280, 800)
        window.show()
        services.start_demo_service(tmp_path / "demo-server", then_generate_locally=DEFAULT_UI_DEMO_SCALE,
                                    scale=DEFAULT_UI_DEMO_SCALE)
        practices = window.pages["practice"].model
        qtbot.waitUntil(lambda: practices.rowCount() > 0 and store.count("practice") >= 1900, timeout=10_000)
        full_after = time.monotonic() - started
        assert full_after < 10, full_after
        assert not finished  # full before the initial sync is over
        qtbot.waitUntil(lambda: bool(finished), timeout=180_000)
        result = finished[0]
        assert result.ok and result.pushed == 0 and result.rejected == 0 and result.conflicts == 0
        expected = {name: len(rows) for name, rows in generate_rows(scale=DEFAULT_UI_DEMO_SCALE, seed=1).items()}
        assert {name: store.count(name) for name in expected} == expected  # the same rows, once each
        assert store.pending_count() == 0 and store.count("form_definition") == 2
    finally:
        services.shutdown()
        qtbot.waitUntil(window.bridge.idle, timeout=10_000)


def _children(pid: int) -> set[int]:
    """Child processes of `pid` (Linux /proc)."""
    from pathlib import Path

    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


@pytest.mark.skipif(not __import__("pathlib").Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_sigterm_to_the_app_stops_the_demo_service_too(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    import requests

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FIELDAPP_TOKEN_FILE="1", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "share"))
    app = subprocess.Popen([sys.executable, "-m", "fieldapp.cli", "--data-dir", str(tmp_path / "data"),
                            "--demo-if-empty"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    service = None
    try:
        login = tmp_path / "data" / "demo-server" / "demo-login.json"
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and service is None and app.poll() is None:
            time.sleep(0.5)
            kids = _children(app.pid)
            for kid in kids:
                try:
                    cmd = open(f"/proc/{kid}/cmdline", "rb").read().split(b"\0")
                except OSError:
                    continue
                if b"serve" in cmd and login.exists():
                    port = cmd[cmd.index(b"--port") + 1].decode()
                    try:
                        if requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).ok:
                            service = kid
                    except requests.RequestException:
                        pass
        assert service is not None, "the demo service did not come up"
        app.send_signal(signal.SIGTERM)
        assert app.wait(60) == 0  # a clean exit through the app's own clean-up
        for _ in range(100):
            if not os.path.exists(f"/proc/{service}") or open(f"/proc/{service}/stat").read().split()[2] == "Z":
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the demo service outlived the app")
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        if service is not None and os.path.exists(f"/proc/{service}"):
            os.kill(service, signal.SIGKILL)  # a failed run leaves nothing behind


def test_quitting_while_the_demo_service_comes_up_stops_it_too(qtbot, store, tmp_path, monkeypatch):
    """The window quit (or got SIGTERM) after the service process answered but before its
    thread had handed it over: shutdown() knew of no service and the child outlived the app."""
    import threading

    from fieldapp.sync_client import demo_service

    real_start, handed_over, release = demo_service.start, [], threading.Event()

    def slow_start(folder, **kw):
        service = real_start(folder, **kw)
        handed_over.append(service)
        release.wait(30)  # still "coming up" when the window quits
        return service

    monkeypatch.setattr(demo_service, "start", slow_start)
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    services = WindowServices(window, settings.q)
    services.start_demo_service(tmp_path / "demo-server", then_generate_locally=None, scale=20)
    qtbot.waitUntil(lambda: bool(handed_over), timeout=60_000)
    threading.Timer(0.5, release.set).start()
    services.shutdown()
    qtbot.waitUntil(window.bridge.idle, timeout=10_000)
    assert handed_over[0].process.poll() is not None  # stopped with the app
