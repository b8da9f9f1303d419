"""What broke when a correspondent filled the bundled forms (issue 13): the page
shortcut with a text question focused, an impossible date, the New submission dialog's
title and country, and the mouse wheel over choices. Driven with real key, mouse and
wheel events at 1280×800."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from .conftest import answers_in_db, make_area, settle, start


def test_ctrl_page_down_with_a_text_question_focused_goes_to_the_next_page_at_its_top(qtbot, store, bridge):
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    f = area.filler
    area.activateWindow()
    qtbot.waitUntil(area.isActiveWindow, timeout=5000)
    f.jump_to("holder_name")
    first = f.page
    row = f.row_for("holder_name")
    edit = row.input.edit
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(edit.hasFocus, timeout=5000)
    qtbot.keyClicks(edit, "Reseau Sahel")
    qtbot.keyClick(edit, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)  # raised RuntimeError before
    assert f.page == f._neighbour(0) and f.page != first
    qtbot.wait(50)  # let the layout settle as a person's eye would
    assert f.scroll.verticalScrollBar().value() == 0  # the next page opens at its top, not half scrolled
    settle(qtbot, bridge)
    qtbot.waitUntil(lambda: answers_in_db(store, sid).get("holder_name") == "Reseau Sahel", timeout=5000)
    focused = QApplication.focusWidget()
    assert focused is not None and f.isAncestorOf(focused), focused  # the keyboard stays in the form
    qtbot.keyClick(focused, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert f.page == first


def test_ctrl_page_down_from_every_text_question_raises_nothing(qtbot, store, bridge):
    from fieldapp.ui.question_inputs import LineQuestion, LongQuestion
    area = make_area(qtbot, bridge)
    start(qtbot, area)
    f = area.filler
    area.activateWindow()
    qtbot.waitUntil(area.isActiveWindow, timeout=5000)
    pages = [p.index for p in f.state.pages() if p.visible]
    for index in pages[:-1]:
        f.go_to_page(index)
        texts = [r for (kind, _p), r in f.rows.items() if kind == "question" and isinstance(r.input, (LineQuestion, LongQuestion))]
        for row in texts:
            f.go_to_page(index)
            edit = f.row_for(row.path).input.edit
            qtbot.mouseClick(edit.viewport() if hasattr(edit, "viewport") else edit, Qt.MouseButton.LeftButton)
            qtbot.keyClicks(edit.viewport() if hasattr(edit, "viewport") else edit, "1")
            qtbot.keyClick(edit, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
            assert f.page != index, row.path


def test_an_impossible_date_typed_in_a_form_is_kept_autosaved_and_reported(qtbot, store, bridge, tmp_path):
    from fieldapp.forms.versions import publish_to_store
    from fieldapp.forms.xlsform import import_xlsform
    from fieldapp.forms.xlsform_writer import write_xlsform

    path = write_xlsform(tmp_path / "visit.xlsx", [
        {"type": "begin group", "name": "visit", "label": "Visit"},
        {"type": "text", "name": "visited_on", "label": "Day of the visit (YYYY-MM-DD)"},
        {"type": "calculate", "name": "days_since", "calculation": "today() - ${visited_on}"},
        {"type": "note", "name": "since", "label": "Days since the visit: ${days_since}"},
        {"type": "text", "name": "notes", "label": "Notes"},
        {"type": "end group"},
    ], settings={"form_id": "visit", "form_title": "Field visit"})
    publish_to_store(store, import_xlsform(path))
    area = make_area(qtbot, bridge)
    sid = start(qtbot, area, form_id="visit", title="Visit to Yatenga")
    f = area.filler
    area.activateWindow()
    qtbot.waitUntil(area.isActiveWindow, timeout=5000)
    edit = f.row_for("visited_on").input.edit
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(edit, "2025-02-30")  # raised TypeError in the evaluator before
    assert f.state.value("visited_on") == "2025-02-30"
    qtbot.waitUntil(lambda: answers_in_db(store, sid).get("visited_on") == "2025-02-30", timeout=5000)  # autosaved
    assert f.state.value("days_since") in (None, "")  # no number of days for a day that does not exist
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, "28")  # 2025-02-28: a real day, the calculation comes back
    assert edit.text() == "2025-02-28", (edit.text(), edit.cursorPosition())
    qtbot.waitUntil(lambda: answers_in_db(store, sid).get("visited_on") == "2025-02-28", timeout=5000)
    assert isinstance(f.state.value("days_since"), (int, float)) and f.state.value("days_since") > 0


def test_wheel_over_the_form_filler_choices_scrolls_the_page_and_changes_no_answer(qtbot, store, bridge):
    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QScrollBar, QWidget

    from tests.ui.live_use_helpers import wheel_over

    area = make_area(qtbot, bridge)
    sid = start(qtbot, area)
    f = area.filler
    f.jump_to("country")
    f.set_answer("country", "BF")
    settle(qtbot, bridge)
    before = dict(f.state.to_answers())
    bar = f.scroll.verticalScrollBar()
    moves: list[int] = []
    bar.valueChanged.connect(moves.append)
    checked = 0
    for index in [p.index for p in f.state.pages() if p.visible]:
        f.go_to_page(index)
        for w in f.rows_box.findChildren(QWidget):
            if isinstance(w, (QComboBox, QAbstractSpinBox)) and not isinstance(w, QScrollBar) and w.isVisibleTo(f):
                f.scroll.ensureWidgetVisible(w)
                moves.clear()
                wheel_over(w, -1)
                wheel_over(w, 1)
                assert moves or bar.maximum() == 0, w
                checked += 1
    assert checked >= 3  # country, currency, the dates...
    settle(qtbot, bridge)
    after = dict(f.state.to_answers())
    for key in ("started", "ended"):  # the form's own timestamps
        before.pop(key, None), after.pop(key, None)
    assert after == before
    assert answers_in_db(store, sid).get("country") == "BF"


def test_the_new_submission_dialogs_title_and_country_are_carried_into_the_form(qtbot, store, bridge):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialogButtonBox

    from fieldapp.ui.form_area import NewSubmissionDialog

    area = make_area(qtbot, bridge)
    qtbot.waitUntil(lambda: any(t["form_id"] == "project_proposal" for t in area.templates()), timeout=15000)
    typed = {}

    def fill_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, NewSubmissionDialog)
        index = dialog.template.findText("Project proposal", Qt.MatchFlag.MatchStartsWith)
        dialog.template.setCurrentIndex(index)
        qtbot.keyClicks(dialog.title_edit, "Zai pits in the Yatenga")
        qtbot.mouseClick(dialog.country.lineEdit(), Qt.MouseButton.LeftButton)
        qtbot.keyClicks(dialog.country.lineEdit(), "Burkina Faso")
        typed["country"] = dialog.country.raw()
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, fill_dialog)
    with qtbot.waitSignal(area.filler.opened, timeout=15000) as opened:
        area.new_submission()
    assert typed["country"] == "BF"
    f = area.filler
    assert f.state.value("project_title") == "Zai pits in the Yatenga"
    assert f.state.value("country") == "BF"
    assert f.state.value("region") == "AFR"  # follows from the country
    f.jump_to("project_title")
    assert f.row_for("project_title").input.edit.text() == "Zai pits in the Yatenga"  # on screen too
    problems = {p.name for p in f.finalise()}
    assert problems and not problems & {"project_title", "country", "region"}
    row = store.get("form_submission", opened.args[0])
    assert (row["title"], row["country"], row["answers"]["country"]) == ("Zai pits in the Yatenga", "BF", "BF")


def test_one_answer_to_fix_is_said_in_the_singular(qtbot, store, bridge):
    from .conftest import PROPOSAL, fill

    area = make_area(qtbot, bridge)
    start(qtbot, area)
    f = area.filler
    fill(f, {k: v for k, v in PROPOSAL.items() if k != "declaration"})
    problems = f.finalise()
    assert len(problems) == 1
    assert "1 answer needs attention" in f.notice.text()
    labels = [f.page_list.item(i).text() for i in range(f.page_list.count())]
    assert any(label.endswith("(1 to fix)") for label in labels)
