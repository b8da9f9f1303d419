"""What broke when a correspondent and a facilitator used the window (issue 13), each
checked the way they met it: wheel turns, mouse clicks and keys at 1280×800."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox, QScrollBar, QWidget

from tests.ui.conftest import settle
from tests.ui.live_use_helpers import click, wheel_over

GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def _guarded(root: QWidget) -> list[QWidget]:
    """Combo boxes, spin boxes and sliders a value hangs on (scroll bars scroll)."""
    return [w for w in root.findChildren(QWidget)
            if isinstance(w, GUARDED) and not isinstance(w, QScrollBar) and w.isVisibleTo(root)]


def test_wheel_over_every_combo_of_every_editor_changes_nothing_and_scrolls_the_page(qtbot, window, store, sample):
    window.resize(1280, 800)
    sizes = {}
    for name, page in window.pages.items():
        if page.editor.read_only:
            continue
        ids = store.ids(name)
        if not ids:
            continue
        editor = page.editor
        window.open_record(name, ids[0])
        qtbot.waitUntil(lambda: editor.row_id == ids[0] and editor.scroll.isVisible(), timeout=15000)
        settle(qtbot, window.bridge)
        before = store.get(name, ids[0])
        shown = {n: inp.raw() for n, inp in editor.inputs.items()}
        widgets = _guarded(editor.scroll.widget())
        assert widgets, name
        bar = editor.scroll.verticalScrollBar()
        moves: list[int] = []
        bar.valueChanged.connect(moves.append)
        for w in widgets:
            editor.scroll.ensureWidgetVisible(w)
            moves.clear()
            for steps in (-1, 1):
                wheel_over(w, steps)
            scrolled = bool(moves) or bar.maximum() == 0
            assert scrolled, (name, w)  # the turns went to the page
        settle(qtbot, window.bridge)
        assert {n: inp.raw() for n, inp in editor.inputs.items()} == shown, name
        after = store.get(name, ids[0])
        assert after["updated_at"] == before["updated_at"], name  # nothing written
        sizes[name] = len(widgets)
    assert sizes.get("practice", 0) >= 5


def test_a_focused_combo_still_takes_the_wheel(qtbot, window, store, sample):
    page = window.page_for("practice")
    editor = page.editor
    pid = sample["practices"][0]
    window.open_record("practice", pid)
    qtbot.waitUntil(lambda: editor.row_id == pid, timeout=15000)
    combo = editor.inputs["family"].widget
    assert isinstance(combo, QComboBox)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    combo.setFocus(Qt.FocusReason.TabFocusReason)  # tabbed into: now the wheel is meant for it
    qtbot.waitUntil(combo.hasFocus, timeout=5000)
    index = combo.currentIndex()
    wheel_over(combo, -1)
    assert combo.currentIndex() != index


def _field_tops(editor) -> dict[str, int]:
    window = editor.window()
    return {n: inp.widget.mapTo(window, inp.widget.rect().topLeft()).y() for n, inp in editor.inputs.items()
            if inp.widget.isVisible()}


def test_the_editor_does_not_jump_under_the_cursor_at_the_first_save_of_a_new_record(qtbot, window, store, codes):
    window.resize(1280, 800)
    window.activateWindow()
    for name, values in (("practice", {"title": "Half-moons with compost and a very long title that fills the line",
                                       "family": codes["practice_family"][0], "country": "BF"}),
                         ("meeting", {"title": "Regional workshop on forest soils in West Africa, Abidjan, May 2023",
                                      "starts_on": "2023-05-10"})):
        page = window.page_for(name)
        editor = page.editor
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: editor.is_draft and editor.scroll.isVisible(), timeout=5000)
        qtbot.wait(50)
        before = _field_tops(editor)
        heading_height = editor.heading.height()
        required = [f.name for f in editor.entity.fields if f.required and f.default is None]
        for field_name in required:
            inp = editor.inputs[field_name]
            inp.show(values[field_name])
            inp.finished.emit()
        qtbot.waitUntil(lambda: editor.row_id is not None and not editor.is_draft, timeout=5000)
        settle(qtbot, window.bridge)
        qtbot.wait(50)
        assert editor.heading.height() == heading_height, name
        assert _field_tops(editor) == before, name  # every field stays where the pointer is
        assert values["title"][:20] in editor.heading.toolTip()


def _open_capture(qtbot, window, meeting_id):
    window.open_record("meeting", meeting_id)
    qtbot.waitUntil(lambda: window.pages["meeting"].editor.row_id == meeting_id, timeout=15000)
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    capture = window.capture
    qtbot.waitUntil(lambda: capture.meeting_id == meeting_id and capture.person_name.isEnabled(), timeout=15000)
    return capture


def _capture_text_fields(capture) -> dict[str, QWidget]:
    fields = {"name": capture.person_name, "organisation": capture.person_org, "decision": capture.decision_text,
              "action": capture.action_text, "owner": capture.action_owner}
    return fields | {f"practice {n}": inp.widget for n, inp in capture.practice_inputs.items()}


def _assert_roomy(qtbot, capture) -> None:
    for index in range(capture.tabs.count()):
        capture.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        for label, w in _capture_text_fields(capture).items():
            if w.isVisible():
                assert w.width() >= 160, (label, w.width())
        bar = capture.tabs.tabBar()
        text = capture.tabs.tabText(index)
        assert bar.tabRect(index).width() >= bar.fontMetrics().horizontalAdvance(text), text  # never "Capture a…"


def test_capture_mode_leaves_room_to_type_at_1280_by_800_even_with_large_fonts(qtbot, window, sample):
    window.resize(1280, 800)
    capture = _open_capture(qtbot, window, sample["meeting"])
    _assert_roomy(qtbot, capture)
    app = QApplication.instance()
    font = app.font()
    try:
        larger = type(font)(font)
        larger.setPointSizeF(font.pointSizeF() * 1.3)  # a facilitator's larger system font
        app.setFont(larger)
        qtbot.wait(50)
        window.resize(1280, 800)
        _assert_roomy(qtbot, capture)
    finally:
        app.setFont(font)


def test_wheel_over_capture_mode_choices_changes_nothing(qtbot, window, store, sample):
    capture = _open_capture(qtbot, window, sample["meeting"])
    capture.tabs.setCurrentIndex(1)
    combos = [capture.person_gender, capture.person_age, capture.decision_outcome]
    shown = [c.currentIndex() for c in combos]
    for combo in combos:
        wheel_over(combo, -1)
        wheel_over(combo, -1)
    assert [c.currentIndex() for c in combos] == shown


def test_clicking_organisation_while_name_suggestions_are_open_moves_there(qtbot, window, store, sample):
    window.resize(1280, 800)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    capture = _open_capture(qtbot, window, sample["meeting"])
    qtbot.mouseClick(capture.person_name, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(capture.person_name, "Asha")
    popup = capture.contacts.popup()
    qtbot.waitUntil(popup.isVisible, timeout=15000)
    click(capture.person_org)  # the pointer goes to the next field (the open list gets the click first)
    qtbot.waitUntil(lambda: not popup.isVisible(), timeout=5000)
    qtbot.waitUntil(capture.person_org.hasFocus, timeout=5000)  # the keyboard followed the click
    qtbot.keyClicks(QApplication.focusWidget(), "ICRISAT")
    assert capture.person_org.text() == "ICRISAT"
    assert capture.person_name.text() == "Asha"
    qtbot.keyClick(capture.person_org, Qt.Key.Key_Return)
    settle(qtbot, window.bridge)
    [person] = store.children("meeting_participant", sample["meeting"])
    assert (person["name"], person["organisation_name"]) == ("Asha", "ICRISAT")


# ----------------------------------------------------------------------------- item 11: the smaller things
def test_counts_use_plural_forms(qtbot):
    from fieldapp.sync_client.command import describe
    from fieldapp.sync_client.engine import SyncResult

    one = describe(SyncResult(ok=True, conflicts=1, rejected=1))
    assert "1 conflict to settle" in one and "1 change refused" in one and "(s)" not in one
    assert "2 conflicts to settle" in describe(SyncResult(ok=True, conflicts=2))


def test_stc_meeting_is_spelt_as_the_initiative_does(qtbot, window, sample):
    combo = window.pages["meeting"].editor.inputs["meeting_type"].widget
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert "STC meeting" in labels and "Stc meeting" not in labels


def test_the_offline_tooltip_says_how_to_sync(qtbot, window):
    tip = window.online_label.toolTip()
    assert "later version" not in tip and "Sync area" in tip


def _conflict(store, practice_id: str) -> str:
    import uuid

    from fieldapp.core.tables import TABLES
    from sqlalchemy import insert

    title = store.get("practice", practice_id)["title"]
    cid = str(uuid.uuid4())
    sides = [{"value": title, "author": "amina", "hlc": "1795300000000:00000:laptop-amina", "device": "laptop-amina"},
             {"value": title + " (revised)", "author": "amina", "hlc": "1795300600000:00000:office-pc",
              "device": "office-pc"}]
    with store.transaction() as tx:
        tx.conn.execute(insert(TABLES["conflict"]).values(
            id=cid, entity="practice", row_id=practice_id, field="title", sides=sides,
            provisional=sides[1]["value"], opened_at="2026-11-20T10:00:00Z", status="open"))
    return cid


def test_conflict_sides_name_the_device_and_a_settled_one_says_so_once(qtbot, store, sample, bridge):
    from PySide6.QtWidgets import QGroupBox, QPushButton

    from fieldapp.ui.conflicts_view import ConflictsInbox

    _conflict(store, sample["practices"][0])
    inbox = ConflictsInbox(bridge)
    qtbot.addWidget(inbox)
    inbox.resize(1000, 600)
    inbox.show()
    qtbot.waitUntil(lambda: inbox.list.count() == 1, timeout=10_000)
    assert inbox.heading.text().startswith("1 conflict needs a decision")
    titles = [b.title() for b in inbox.detail.findChildren(QGroupBox) if "amina" in b.title()]
    assert any("laptop-amina" in t for t in titles) and any("office-pc" in t for t in titles)  # same account, two devices
    keep = next(b for b in inbox.detail.findChildren(QPushButton) if b.text() == "Keep this value")
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: inbox.list.count() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: "Settled" in inbox.message.text(), timeout=10_000)
    assert "merged by itself" not in inbox.heading.text()  # not both "no conflicts: merged" and "Settled."


def test_the_region_derived_from_the_country_is_shown_once_saved(qtbot, window, store):
    page = window.page_for("organisation")
    editor = page.editor
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.is_draft, timeout=5000)
    required = {"name": "Reseau Sahel Sols Vivants", "org_type": store.catalog.codes("org_type")[0], "country": "BF"}
    for name in [f.name for f in editor.entity.fields if f.required and f.default is None]:
        editor.inputs[name].show(required[name])
        editor.inputs[name].finished.emit()
    editor.inputs["country"].show("BF")
    editor.inputs["country"].finished.emit()
    qtbot.waitUntil(lambda: editor.row_id is not None, timeout=5000)
    settle(qtbot, window.bridge)
    assert store.get("organisation", editor.row_id)["region"] == "AFR"
    qtbot.waitUntil(lambda: editor.inputs["region"].raw() == "AFR", timeout=5000)  # on screen, not only saved


def test_opening_a_search_hit_selects_it_in_its_list(qtbot, window, store, codes):
    ids = [store.insert("practice", {"title": f"Cover crop trial {i:03d}", "family": codes["practice_family"][0],
                                     "country": "KE"}) for i in range(120)]
    target = store.insert("practice", {"title": "Zzyzx terraces", "family": codes["practice_family"][0],
                                       "country": "KE"})
    window.refresh_all()
    page = window.page_for("practice")
    qtbot.waitUntil(lambda: page.model.rowCount() == 124, timeout=15000)
    window.go(1)  # somewhere else, as a person would be
    box = window.search
    box.setFocus()
    qtbot.keyClicks(box, "zzyzx")
    qtbot.waitUntil(lambda: bool(box.results.hits), timeout=15000)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.editor.row_id == target, timeout=15000)
    qtbot.waitUntil(lambda: page.view.currentIndex().isValid(), timeout=15000)
    row = page.view.currentIndex().row()
    assert page.model.row_id(row) == target
    rect = page.view.visualRect(page.view.currentIndex())
    assert page.view.viewport().rect().intersects(rect)  # scrolled to where it is
    assert ids


def test_a_contact_opens_in_full_from_its_organisation(qtbot, window, store, sample):
    window.open_record("organisation", sample["organisation"])
    panel = window.contacts_inline
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=15000)
    assert panel.open_button.isVisible()
    panel.view.selectRow(0)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    contacts = window.pages["contact"]
    qtbot.waitUntil(lambda: contacts.editor.row_id is not None, timeout=15000)
    assert window.current_page() is contacts and contacts.isVisible()
    assert contacts.editor.inputs["full_name"].raw() == "Asha Rao"


def test_a_language_change_says_it_needs_a_restart(qtbot, window, settings):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialogButtonBox

    from fieldapp.ui.settings import SettingsDialog

    def choose_french() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        dialog.language.setCurrentIndex(dialog.language.findData("fr"))
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, choose_french)
    window.open_settings()
    assert settings.language == "fr"
    assert "Français" in window.statusBar().currentMessage() and "next start" in window.statusBar().currentMessage()


def test_the_window_opens_at_a_size_that_uses_a_1600_by_1000_screen(tmp_path):
    import json
    import os
    import subprocess
    import sys

    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1600, "height": 1000,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtCore import QSettings\n"
        "from fieldapp.ui.app import make_app\n"
        "from fieldapp.core.store import Store\n"
        "from fieldapp.ui.main_window import MainWindow\n"
        "from fieldapp.ui.settings import Settings\n"
        "app = make_app([])\n"
        "folder = Path(sys.argv[1])\n"
        "store = Store(folder / 'data')\n"
        "w = MainWindow(store, Settings(QSettings(str(folder / 's.ini'), QSettings.Format.IniFormat)))\n"
        "w.show(); app.processEvents()\n"
        "print(app.primaryScreen().size().width(), w.width(), w.height())\n"
        "w.close(); store.close()\n")
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env, capture_output=True, text=True,
                         timeout=120)
    screen, width, height = map(int, out.stdout.split()[-3:])
    assert screen == 1600
    assert (width, height) == (1360, 850)  # was 1110×690


def test_attendance_counts_say_one_man_not_one_men(qtbot, window, sample):
    capture = _open_capture(qtbot, window, sample["meeting"])
    capture.register("Kofi Mensah", gender="male", age_group="youth")
    qtbot.waitUntil(lambda: capture.attendance.total == 1, timeout=15000)
    text = capture.counts.text()
    assert text.startswith("1 participant · 0 women") and "1 man" in text and "1 men" not in text
