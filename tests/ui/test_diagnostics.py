"""When something goes wrong the app says so: a rotating log file in the log folder,
faulthandler's report of hard crashes beside it, a dialog for uncaught errors (any thread,
critical Qt messages) with "Open log folder" and "Copy details", and a Help menu whose
About lists the same versions as `fieldapp --version`."""
from __future__ import annotations

import faulthandler
import logging
import os
import subprocess
import sys
import threading

import pytest
from PySide6.QtCore import QTimer, qCritical
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp import diagnostics
from fieldapp.ui import error_reporting


@pytest.fixture
def logs(tmp_path, monkeypatch):
    folder = tmp_path / "logs"
    monkeypatch.setenv("FIELDAPP_LOG_DIR", str(folder))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    yield folder
    handler = diagnostics._state.pop("handler", None)
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        handler.close()
    faulthandler.enable(file=sys.__stderr__)
    fault = diagnostics._state.pop("fault", None)
    if fault is not None:
        fault.close()
    diagnostics._state.clear()


def test_the_log_goes_to_the_log_folder_and_rotates(logs):
    assert diagnostics.configure_logging() == logs
    logging.getLogger("fieldapp.sync").warning("sync failed: %s", "timeout")
    text = (logs / "fieldapp.log").read_text(encoding="utf-8")
    assert "started Field App" in text and "PySide6-Essentials" in text
    assert "WARNING fieldapp.sync" in text and "sync failed: timeout" in text
    line = "x" * 999
    for _ in range(1200):  # about 1.2 MB: past one file's limit
        logging.getLogger("fieldapp").info(line)
    assert (logs / "fieldapp.log.1").exists()
    assert (logs / "fieldapp.log").stat().st_size <= diagnostics.MAX_BYTES


def test_a_hard_crash_is_written_to_the_crash_log(tmp_path):
    env = dict(os.environ, FIELDAPP_LOG_DIR=str(tmp_path))
    code = "from fieldapp import diagnostics; import faulthandler; diagnostics.configure_logging(); faulthandler._sigsegv()"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60)
    assert proc.returncode != 0
    assert "Fatal Python error: Segmentation fault" in (tmp_path / "crashes.log").read_text()


def _dialog(qtbot, reporter):
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=5000)
    return reporter.dialog


def test_an_uncaught_error_in_the_window_is_logged_and_shown(qtbot, logs, monkeypatch):
    reporter = error_reporting.install(None)
    opened = []
    monkeypatch.setattr(error_reporting.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)

    def slot():
        raise ValueError("the practice has no family")

    QTimer.singleShot(0, slot)  # raised inside Qt's event loop, as a button's handler would
    dialog = _dialog(qtbot, reporter)
    assert "ValueError: the practice has no family" in dialog.summary.text()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "ValueError" in copied and "Traceback" in copied and "PySide6-Essentials" in copied
    dialog.open_button.click()
    assert opened == [str(logs)]
    assert "ValueError: the practice has no family" in (logs / "fieldapp.log").read_text(encoding="utf-8")
    # a burst of the same error shows one dialog, not one each
    for _ in range(5):
        QTimer.singleShot(0, slot)
    qtbot.wait(100)
    assert reporter.shown == 1
    dialog.close()


def test_errors_from_worker_threads_and_critical_qt_messages_reach_the_person(qtbot, logs):
    reporter = error_reporting.install(None)
    worker = threading.Thread(target=lambda: 1 / 0, name="sync-worker")
    worker.start()
    worker.join()
    dialog = _dialog(qtbot, reporter)
    assert "ZeroDivisionError in thread sync-worker" in dialog.summary.text()
    dialog.close()
    qtbot.waitUntil(lambda: reporter.dialog is None, timeout=5000)
    qCritical("the OpenGL context could not be created")
    dialog = _dialog(qtbot, reporter)
    assert "the OpenGL context could not be created" in dialog.summary.text()
    dialog.close()
    assert "the OpenGL context could not be created" in (logs / "fieldapp.log").read_text(encoding="utf-8")


def test_about_names_the_versions_that_fieldapp_version_prints(qtbot, window, logs, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.help_actions["about"].trigger()
    cli = subprocess.run([sys.executable, "-m", "fieldapp.cli", "--version"], capture_output=True, text=True,
                         timeout=60).stdout.strip().splitlines()
    assert cli[0].startswith("Field App ")
    for line in cli:
        assert line in shown[0], line


def test_the_user_guide_opens_from_the_help_menu(qtbot, window):
    from fieldapp.ui.help_menu import GuideDialog

    QTimer.singleShot(0, lambda: [w for w in QApplication.topLevelWidgets() if isinstance(w, GuideDialog) and w.isVisible()][0].accept())
    window.help_actions["guide"].trigger()  # exec() returns once the timer above closed it
    guide = GuideDialog(window)
    assert "Open log folder" in guide.browser.toPlainText()
    assert guide.browser.toPlainText().startswith("Field App: user guide")
