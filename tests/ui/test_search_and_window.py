"""The main window: global search as you type, opening a hit with Enter, navigation
and actions from the keyboard, accessible names, settings kept, the honest sync page."""
from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit

from fieldapp.ui.settings import Settings, SettingsDialog
from tests.ui.conftest import settle


def test_search_as_you_type_and_enter_opens_the_record(qtbot, window, store, sample):
    box = window.search
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    with qtbot.waitSignal(box.results_shown, timeout=15000, check_params_cb=lambda n: n > 0):
        qtbot.keyClicks(box, "icri")
    assert [h.entity for h in box.results.hits] == ["organisation"]
    qtbot.keyClick(box, Qt.Key.Key_Return)
    page = window.pages["organisation"]
    qtbot.waitUntil(lambda: page.editor.row_id == sample["organisation"], timeout=15000)
    assert window.current_page() is page
    assert page.editor.inputs["name"].widget.text() == "ICRISAT"
    # a practice, by a word of its title
    box.clear()
    with qtbot.waitSignal(box.results_shown, timeout=15000, check_params_cb=lambda n: n > 0):
        qtbot.keyClicks(box, "shea")
    box.open_first()
    practices = window.pages["practice"]
    qtbot.waitUntil(lambda: practices.editor.row_id == sample["practices"][1], timeout=15000)
    assert window.current_page() is practices
    assert practices.view.currentIndex().row() == practices.model.row_of(sample["practices"][1])


def test_keyboard_navigation_and_accessible_names(qtbot, window):
    for i, entity in ((1, "practice"), (4, "meeting")):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + i - 1), Qt.KeyboardModifier.ControlModifier)
        assert window.nav.currentRow() == i - 1
        assert window.current_page() is window.pages[entity]
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.sync_page
    # every button that shows a glyph or an icon only has a name a screen reader can say
    # (Qt's own parts excepted: calendar arrows, table corners, line-edit clear buttons)
    def ours(b) -> bool:
        return not b.objectName().startswith("qt_") and not isinstance(b.parentWidget(), QLineEdit)

    buttons = [b for b in window.findChildren(QAbstractButton) if ours(b)]
    glyph_only = [b for b in buttons if len(b.text().replace("&", "").strip()) <= 2]
    assert glyph_only  # the undo/redo/clear-date buttons are among them
    assert [b for b in glyph_only if not b.accessibleName()] == []
    editor = window.pages["practice"].editor
    assert editor.undo_button.accessibleName() and editor.redo_button.accessibleName()


def test_new_record_shortcut_creates_on_the_current_area(qtbot, window, store):
    window.go(3)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = window.pages["meeting"].editor
    assert editor.is_draft
    title = editor.inputs["title"].widget
    title.setFocus()
    qtbot.keyClicks(title, "Helsinki soil carbon meeting")
    qtbot.keyClick(title, Qt.Key.Key_Return)
    date = editor.inputs["starts_on"].widget
    from PySide6.QtCore import QDate
    with qtbot.waitSignal(editor.created, timeout=15000) as created:
        date.edit.setDate(QDate(2023, 6, 12))
        date.edit.editingFinished.emit()
    settle(qtbot, window.bridge)
    row = store.get("meeting", created.args[0])
    assert (row["title"], row["starts_on"], row["meeting_type"]) == ("Helsinki soil carbon meeting", "2023-06-12", "workshop")
    # the window-level undo (Edit menu, Ctrl+Z from the list) undoes the creation
    window.undo_action.trigger()
    settle(qtbot, window.bridge)
    assert store.get("meeting", created.args[0])["deleted"] is True


def test_settings_dialog_keeps_values(qtbot, tmp_path):
    path = str(tmp_path / "s.ini")
    settings = Settings(QSettings(path, QSettings.Format.IniFormat))
    dialog = SettingsDialog(settings, tmp_path / "data")
    qtbot.addWidget(dialog)
    dialog.language.setCurrentIndex(dialog.language.findData("fr"))
    dialog.server.setText("ftp://nope")
    assert dialog.server_message.text()
    dialog.accept()
    assert settings.server_url == ""  # refused: not saved
    dialog.server.setText("https://sync.4p1000.org")
    dialog.data_dir.setText(str(tmp_path / "elsewhere"))
    dialog.accept()
    again = Settings(QSettings(path, QSettings.Format.IniFormat))
    assert again.language == "fr"
    assert again.server_url == "https://sync.4p1000.org"
    assert again.data_dir == tmp_path / "elsewhere"


def test_sync_page_and_status_bar_tell_the_truth(qtbot, window, store):
    pending = store.pending_count()
    qtbot.waitUntil(lambda: window.pending_label.text() == f"{pending} unsynced changes", timeout=15000)
    assert "not configured" in window.sync_page.status.text()
    assert window.sync_page.pending.text().startswith(str(pending))
    assert window.last_sync_label.text() == "Last sync: never"
    store.set_meta("last_sync_at", "2025-06-30T12:00:00.000Z")  # as the sync engine writes it
    window.refresh_status()
    # shown as people read it (English short date), not as stored
    qtbot.waitUntil(lambda: "6/30/25" in window.last_sync_label.text(), timeout=15000)
    assert "T12" not in window.last_sync_label.text()


def _run_app(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """`run()` in a process of its own, as `fieldapp` starts it (a QApplication's
    event loop is not something to run twice inside the test process)."""
    from fieldapp.ui import app as app_module

    code = ("import sys; from pathlib import Path; from fieldapp.ui.app import run; "
            "sys.exit(run(Path(sys.argv[1]), demo_scale=int(sys.argv[2]) or None, argv=['fieldapp', '--no-server']))")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "conf"),
               **{app_module.READY_ENV: "1"})
    return subprocess.run([sys.executable, "-c", code, str(tmp_path / "data"), *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_run_opens_the_window_and_reports_ready(tmp_path):
    proc = _run_app(tmp_path, "0")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ready ")
    assert (tmp_path / "data" / "fieldapp.sqlite").exists()


def test_run_fills_an_empty_database_with_demo_data_off_the_ui_thread(tmp_path):
    from fieldapp.core.store import Store

    assert _run_app(tmp_path, "30").returncode == 0
    with Store(tmp_path / "data") as store:
        assert store.count("practice") == 30
        assert store.count("meeting") >= 1
    # a second start on a database that has practices adds nothing
    assert _run_app(tmp_path, "30").returncode == 0
    with Store(tmp_path / "data") as store:
        assert store.count("practice") == 30


def test_application_name_and_icon(qapp):
    from fieldapp.ui.app import make_app

    app = make_app(["fieldapp"])
    assert app is qapp
    assert app.applicationName() == "FieldApp"
    assert not app.windowIcon().isNull()


def test_dark_palette_follows_the_system_scheme(qapp):
    from PySide6.QtGui import QGuiApplication, QPalette

    from fieldapp.ui.theme import apply_theme

    apply_theme(qapp)
    hints = QGuiApplication.styleHints()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 100
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 180
    assert qapp.style().name().lower() == "fusion"


def test_an_area_can_be_replaced_by_a_screen_built_elsewhere(qtbot, window):
    from PySide6.QtWidgets import QLabel

    sync_screen = QLabel("real sync screen")
    window.replace_area("sync", sync_screen)
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is sync_screen
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() is window.pages["practice"]


def test_delete_key_in_the_list_and_ctrl_z_anywhere_in_the_window(qtbot, monkeypatch, window, store, sample):
    from fieldapp.ui import dialogs

    page = window.page_for("practice")
    pid = sample["practices"][0]
    row = page.model.row_of(pid)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=15000)
    page.view.setFocus()
    qtbot.waitUntil(page.view.hasFocus, timeout=15000)
    page.view.selectRow(row)
    qtbot.waitUntil(lambda: page.editor.row_id == pid and not page.editor._inflight, timeout=15000)
    qtbot.waitUntil(lambda: page.editor.inputs["title"].widget.text() != "", timeout=15000)
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: True)
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    settle(qtbot, window.bridge)
    assert store.get("practice", pid)["deleted"] is True
    qtbot.waitUntil(lambda: page.model.row_of(pid) == -1, timeout=15000)  # gone from the list
    qtbot.keyClick(page.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window.bridge)
    assert store.get("practice", pid)["deleted"] is False
    qtbot.waitUntil(lambda: page.model.row_of(pid) >= 0, timeout=15000)


def test_status_bar_shows_the_network_state_it_is_told(window):
    window.set_online(True)
    assert window.online_label.text() == "Online"
    window.set_online(False)
    assert window.online_label.text() == "Offline"
    window.set_online(None)
    assert "not configured" in window.online_label.text()


def test_ctrl_n_from_inside_a_list_starts_a_new_record(qtbot, window):
    page = window.page_for("organisation")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=15000)
    page.view.setFocus()
    qtbot.waitUntil(page.view.hasFocus, timeout=15000)
    qtbot.keyClick(page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.editor.is_draft
    assert page.editor.heading.text() == "New organisation"


def test_no_two_window_wide_shortcuts_share_a_key(window):
    """Two actions on one key make Qt run neither ("ambiguous shortcut")."""
    from PySide6.QtGui import QAction

    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        if action.shortcutContext() not in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
            continue
        for key in action.shortcuts():
            name = key.toString()
            assert name not in seen, f"{name}: {seen.get(name)!r} and {action.text()!r}"
            seen[name] = action.text()
    assert {"Ctrl+K", "Ctrl+N", "Ctrl+Z", "Ctrl+M", "Ctrl+1", "Ctrl+5"} <= set(seen)


def test_window_size_is_remembered(qtbot, store, settings):
    from fieldapp.ui.main_window import MainWindow

    first = MainWindow(store, settings)
    first.show()
    first.resize(first.width(), 580)  # the offscreen screen is 800 x 600: only the height is free
    first.close()
    assert settings.q.value("window/geometry") is not None
    second = MainWindow(store, settings)
    assert second.height() == 580
    for w in (first, second):
        qtbot.waitUntil(w.bridge.idle, timeout=15000)
        w.deleteLater()


def test_a_list_tab_can_be_replaced_by_a_screen_built_elsewhere(qtbot, window):
    from PySide6.QtWidgets import QLabel

    forms = QLabel("forms area")
    window.replace_page("form_submission", forms)
    window.go(2)
    tabs = window.stack.currentWidget()
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Projects", "Form submissions", "Form templates"]
    assert tabs.widget(1) is forms
