"""Editors: create, edit as you type with validation beside the field, pickers, undo and
redo written through to the database, delete with confirmation and tombstone."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QDate, Qt

from fieldapp.ui import dialogs
from fieldapp.ui.editor import RecordEditor
from fieldapp.ui.record_model import PENDING_MARK
from tests.ui.conftest import settle


def _commit_text(qtbot, editor, name, text):
    widget = editor.inputs[name].widget
    widget.setFocus()
    widget.selectAll() if hasattr(widget, "selectAll") else None
    widget.clear()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def _pick(qtbot, editor, name, label):
    combo = editor.inputs[name].widget
    combo.setFocus()
    combo.lineEdit().clear()
    qtbot.keyClicks(combo.lineEdit(), label)
    combo.lineEdit().editingFinished.emit()


@pytest.fixture
def editor(qtbot, bridge):
    e = RecordEditor(bridge, "practice")
    qtbot.addWidget(e)
    e.show()
    return e


def test_new_practice_is_created_once_required_fields_are_valid(qtbot, editor, bridge, store, codes):
    editor.new()
    assert editor.is_draft
    _commit_text(qtbot, editor, "title", "Zai pits with compost")
    settle(qtbot, bridge)
    assert store.count("practice") == 0  # family and country still missing
    assert "Practice family" in editor.state.text()
    family_label = store.catalog.label("practice_family", codes["practice_family"][2])
    _pick(qtbot, editor, "family", family_label)
    with qtbot.waitSignal(editor.created, timeout=15000) as created:
        _pick(qtbot, editor, "country", "Burkina Faso")
    settle(qtbot, bridge)
    row = store.get("practice", created.args[0])
    assert row["title"] == "Zai pits with compost"
    assert row["family"] == codes["practice_family"][2]
    assert row["country"] == "BF"
    assert row["region"] == "AFR"  # derived by the store
    assert row["review_status"] == "draft"  # schema default
    assert store.meta("ui.draft.practice") is None  # draft cleared once created


def test_unfinished_draft_survives_a_new_editor(qtbot, bridge, store):
    first = RecordEditor(bridge, "practice")
    qtbot.addWidget(first)
    first.show()
    first.new()
    _commit_text(qtbot, first, "title", "Half-typed practice")
    settle(qtbot, bridge)
    assert json.loads(store.meta("ui.draft.practice")) == {"title": "Half-typed practice"}
    second = RecordEditor(bridge, "practice")
    qtbot.addWidget(second)
    second.new()
    qtbot.waitUntil(lambda: second.inputs["title"].widget.text() == "Half-typed practice", timeout=15000)


def test_edit_is_stored_as_made_and_validated_beside_the_field(qtbot, editor, bridge, store, sample):
    pid = sample["practices"][0]
    with qtbot.waitSignal(editor.loaded, timeout=15000):
        editor.load(pid)
    assert editor.inputs["title"].widget.text() == "Mulching with crop residues"
    _commit_text(qtbot, editor, "title", "Mulching with millet residues")
    settle(qtbot, bridge)
    assert store.get("practice", pid)["title"] == "Mulching with millet residues"
    # a latitude out of range is refused beside the field, and nothing is written
    lat = editor.inputs["latitude"].widget
    lat.setFocus()
    qtbot.keyClicks(lat, "95")
    assert "at most 90" in editor.message("latitude")
    qtbot.keyClick(lat, Qt.Key.Key_Return)
    settle(qtbot, bridge)
    assert store.get("practice", pid)["latitude"] is None
    lat.clear()
    qtbot.keyClicks(lat, "14,25")  # decimal comma accepted
    assert editor.message("latitude") == ""
    qtbot.keyClick(lat, Qt.Key.Key_Return)
    settle(qtbot, bridge)
    assert store.get("practice", pid)["latitude"] == 14.25
    # a required field emptied is refused
    _commit_text(qtbot, editor, "title", "")
    assert "required" in editor.message("title")
    settle(qtbot, bridge)
    assert store.get("practice", pid)["title"] == "Mulching with millet residues"


def test_pickers_write_codes(qtbot, editor, bridge, store, sample, codes):
    pid = sample["practices"][1]
    with qtbot.waitSignal(editor.loaded, timeout=15000):
        editor.load(pid)
    # strategic objectives as tags
    tags = editor.inputs["objectives"].widget
    for code in ("B2", "D3"):
        idx = tags.adder.findData(code)
        tags.adder.setCurrentIndex(idx)
        tags.adder.activated.emit(idx)
    settle(qtbot, bridge)
    assert store.get("practice", pid)["objectives"] == ["B2", "D3"]
    tags.remove("B2")
    settle(qtbot, bridge)
    assert store.get("practice", pid)["objectives"] == ["D3"]
    # WOCAT score
    score = editor.inputs["soc_impact"].widget
    score.setCurrentIndex(score.findData(2))
    score.activated.emit(score.currentIndex())
    # soil group by label
    soil = codes["soil_group"][3]
    _pick(qtbot, editor, "soil_group", store.catalog.label("soil_group", soil))
    settle(qtbot, bridge)
    row = store.get("practice", pid)
    assert row["soc_impact"] == 2 and row["soil_group"] == soil
    # an unknown country name is refused with a message
    _pick(qtbot, editor, "country", "Atlantis")
    assert "not one of the allowed values" in editor.message("country")
    settle(qtbot, bridge)
    assert store.get("practice", pid)["country"] == "BF"


def test_date_picker_can_be_set_and_cleared(qtbot, bridge, store, sample):
    editor = RecordEditor(bridge, "organisation")
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.loaded, timeout=15000):
        editor.load(sample["organisation"])
    date = editor.inputs["joined_on"].widget
    assert date.raw() is None
    date.edit.setDate(QDate(2019, 3, 4))
    date.edit.editingFinished.emit()
    settle(qtbot, bridge)
    assert store.get("organisation", sample["organisation"])["joined_on"] == "2019-03-04"
    qtbot.mouseClick(date.clear_button, Qt.MouseButton.LeftButton)
    settle(qtbot, bridge)
    assert store.get("organisation", sample["organisation"])["joined_on"] is None


def test_undo_and_redo_write_through(qtbot, editor, bridge, store, sample):
    pid = sample["practices"][0]
    with qtbot.waitSignal(editor.loaded, timeout=15000):
        editor.load(pid)
    _commit_text(qtbot, editor, "title", "First change")
    _commit_text(qtbot, editor, "location", "Kaolack")
    settle(qtbot, bridge)
    assert store.get("practice", pid)["location"] == "Kaolack"
    editor.undo_action.trigger()
    settle(qtbot, bridge)
    assert store.get("practice", pid)["location"] is None
    assert editor.inputs["location"].widget.text() == ""
    editor.undo_action.trigger()
    settle(qtbot, bridge)
    assert store.get("practice", pid)["title"] == "Mulching with crop residues"
    assert editor.inputs["title"].widget.text() == "Mulching with crop residues"
    editor.redo_action.trigger()
    settle(qtbot, bridge)
    assert store.get("practice", pid)["title"] == "First change"
    # keyboard: Ctrl+Z in the editor undoes too
    editor.scroll.setFocus()
    qtbot.keyClick(editor.scroll, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, bridge)
    assert store.get("practice", pid)["title"] == "Mulching with crop residues"


def test_delete_asks_leaves_a_tombstone_and_undo_restores(qtbot, monkeypatch, editor, bridge, store, sample):
    pid = sample["practices"][2]
    with qtbot.waitSignal(editor.loaded, timeout=15000):
        editor.load(pid)
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: False)
    editor.delete_action.trigger()
    settle(qtbot, bridge)
    assert store.get("practice", pid)["deleted"] is False  # said no: nothing happens
    asked = []
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: asked.append(a) or True)
    editor.delete_action.trigger()
    settle(qtbot, bridge)
    assert asked
    assert store.get("practice", pid)["deleted"] is True
    assert editor.banner.isVisibleTo(editor)
    assert editor.banner.text() == "This record is deleted. Undo (Ctrl+Z) restores it."
    assert not editor.inputs["title"].widget.isEnabled()
    assert store.outbox()[-1]["kind"] == "delete"
    editor.undo_action.trigger()
    settle(qtbot, bridge)
    assert store.get("practice", pid)["deleted"] is False
    assert editor.inputs["title"].widget.isEnabled()


def test_list_marks_changed_rows_and_follows_edits(qtbot, window, store, sample):
    page = window.pages["practice"]
    pid = sample["practices"][0]
    store.engine.dispose()
    with store.engine.begin() as conn:  # pretend everything was synced
        conn.exec_driver_sql("DELETE FROM outbox")
    page.model.refresh()
    row = page.model.row_of(pid)
    qtbot.waitUntil(lambda: page.model.index(row, 0).data() == "", timeout=15000)
    page.view.selectRow(row)
    qtbot.waitUntil(lambda: page.editor.row_id == pid and page.editor.inputs["title"].widget.text() != "", timeout=15000)
    _commit_text(qtbot, page.editor, "title", "Mulching, revised")
    settle(qtbot, window.bridge)
    qtbot.waitUntil(lambda: page.model.index(page.model.row_of(pid), 0).data() == PENDING_MARK, timeout=15000)
    title_col = page.model.column_of("title")
    qtbot.waitUntil(lambda: page.model.index(page.model.row_of(pid), title_col).data() == "Mulching, revised", timeout=15000)
    qtbot.waitUntil(lambda: window.pending_label.text().startswith("1 "), timeout=15000)


def test_new_from_the_list_page_appears_in_the_list(qtbot, window, store, codes):
    page = window.pages["organisation"]
    window.page_for("organisation")
    page.new_record()
    _commit_text(qtbot, page.editor, "name", "Reseau des agriculteurs")
    _pick(qtbot, page.editor, "org_type", store.catalog.label("org_type", codes["org_type"][3]))
    with qtbot.waitSignal(page.editor.created, timeout=15000) as created:
        _pick(qtbot, page.editor, "country", "Senegal")
    rid = created.args[0]
    qtbot.waitUntil(lambda: page.model.row_of(rid) >= 0, timeout=15000)
    assert store.get("organisation", rid)["membership"] == "partner"
    # inline contacts of the organisation
    panel = window.contacts_inline
    qtbot.waitUntil(lambda: panel.model.parent_id == rid, timeout=15000)
    qtbot.keyClicks(panel.quick, "Mamadou Diop")
    qtbot.keyClick(panel.quick, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=15000)
    contact = store.children("contact", rid)[0]
    assert contact["full_name"] == "Mamadou Diop" and contact["country"] == "SN"


def test_every_demo_record_shows_in_its_editor(qtbot, bridge, store):
    """Records as the demo (and real users) fill them: every field kind on screen, and
    what the editor reads back from its inputs is what the database holds."""
    from fieldapp.core import demo
    from fieldapp.core.fieldspec import coerce

    demo.generate(store, scale=20, seed=3)
    for name in ("practice", "organisation", "contact", "project", "meeting"):
        editor = RecordEditor(bridge, name)
        qtbot.addWidget(editor)
        for rid in store.ids(name, limit=3):
            with qtbot.waitSignal(editor.loaded, timeout=15000):
                editor.load(rid)
            row = store.get(name, rid)
            for f in editor.entity.fields:
                if f.kind in ("json",):
                    continue
                shown = coerce(f, editor.inputs[f.name].raw())
                assert shown == row[f.name] or (shown in (None, []) and row[f.name] in (None, [])), (name, f.name)


def test_reference_picker_finds_by_name_and_refuses_free_text(qtbot, editor, bridge, store, sample):
    pid = sample["practices"][0]
    with qtbot.waitSignal(editor.loaded, timeout=15000):
        editor.load(pid)
    picker = editor.inputs["organisation_id"].widget
    picker.setFocus()
    qtbot.keyClicks(picker, "Nowhere Institute")
    qtbot.keyClick(picker, Qt.Key.Key_Return)
    assert "pick a record from the list" in editor.message("organisation_id")
    settle(qtbot, bridge)
    assert store.get("practice", pid)["organisation_id"] is None
    picker.clear()
    qtbot.keyClicks(picker, "icris")
    qtbot.waitUntil(lambda: picker.choices.rowCount() == 1, timeout=15000)
    picker.completer_.activated[type(picker.choices.index(0, 0))].emit(picker.completer_.completionModel().index(0, 0))
    settle(qtbot, bridge)
    assert store.get("practice", pid)["organisation_id"] == sample["organisation"]
    assert picker.text() == "ICRISAT"


def test_text_typed_is_kept_when_the_window_closes(qtbot, window, store, sample):
    page = window.page_for("practice")
    pid = sample["practices"][2]
    page.open_record(pid)
    qtbot.waitUntil(lambda: page.editor.row_id == pid and page.editor.inputs["title"].widget.text() != "", timeout=15000)
    window.activateWindow()
    summary = page.editor.inputs["summary"].widget
    summary.setFocus()
    qtbot.waitUntil(summary.hasFocus, timeout=15000)
    qtbot.keyClicks(summary, "Typed just before closing")
    window.close()  # no pause, no leaving the field: the close commits it
    settle(qtbot, window.bridge)
    assert store.get("practice", pid)["summary"] == "Typed just before closing"
