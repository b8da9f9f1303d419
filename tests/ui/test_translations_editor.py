"""Translations by hand in the editor (tabs per language, no JSON), undoable; reading in
the interface language in the list, the editor header and search hits; the
"available in my language" filter; stale translations marked."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from fieldapp import i18n
from fieldapp.core import translations as tr
from fieldapp.core.schema import PRACTICE
from fieldapp.ui import dialogs
from fieldapp.ui.editor import RecordEditor
from fieldapp.ui.list_page import ListPage
from tests.ui.conftest import settle


@pytest.fixture
def speak():
    """speak('es'): the interface in that language for the rest of the test."""
    yield i18n.set_language
    i18n.set_language("en")


@pytest.fixture
def french(store):
    return store.insert("practice", {"title": "Paillage des résidus", "family": "soil_cover", "country": "SN",
                                     "language": "fr", "summary": "Couvrir le sol avec les pailles"})


@pytest.fixture
def editor(qtbot, bridge):
    e = RecordEditor(bridge, "practice")
    qtbot.addWidget(e)
    e.resize(700, 900)
    e.show()
    return e


def _open(qtbot, editor, row_id):
    with qtbot.waitSignal(editor.loaded, timeout=15000):
        editor.load(row_id)


def _type(qtbot, editor, name, text, *, enter=True):
    widget = editor.inputs[name].widget
    editor.scroll.ensureWidgetVisible(widget)
    widget.setFocus()
    if hasattr(widget, "selectAll"):
        widget.selectAll()
    qtbot.keyClicks(widget, text)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)
    else:
        widget.clearFocus()  # long texts commit when the person leaves them


def _tab_text(editor, lang):
    panel = editor.translations
    return panel.tabs.tabText(panel.tabs.indexOf(panel.pages[lang]))


def test_adding_a_spanish_translation_by_hand_is_an_undoable_field_edit(qtbot, editor, bridge, store, french):
    _open(qtbot, editor, french)
    panel = editor.translations
    assert "translations" not in editor.inputs  # no JSON box any more
    assert _tab_text(editor, "fr").endswith("(original)")
    assert not panel.pages["fr"].form_box.isVisibleTo(panel)  # the original is edited above, not here
    panel.tabs.setCurrentWidget(panel.pages["es"])
    assert "Paillage des résidus" in panel.pages["es"].originals["title"].text()  # the original beside it
    _type(qtbot, editor, "title_es", "Acolchado de rastrojos")
    _type(qtbot, editor, "summary_es", "Cubrir el suelo con la paja", enter=False)
    settle(qtbot, bridge)
    row = store.get("practice", french)
    assert (row["title_es"], row["summary_es"]) == ("Acolchado de rastrojos", "Cubrir el suelo con la paja")
    assert row["title"] == "Paillage des résidus"
    [op] = [o for o in store.outbox() if o["row_id"] == french and "title_es" in o["fields"]]
    assert op["fields"]["summary_es"] == "Cubrir el suelo con la paja"  # field-level, queued for sync
    qtbot.waitUntil(lambda: _tab_text(editor, "es").endswith(panel_mark()), timeout=15000)
    assert panel.summary.text() == "Written in French. Translated into: Spanish " + panel_mark()
    # undo takes the summary back out of the store, redo puts it back
    editor.undo_action.trigger()
    settle(qtbot, bridge)
    assert store.get("practice", french)["summary_es"] is None
    assert editor.inputs["summary_es"].raw() is None
    editor.redo_action.trigger()
    settle(qtbot, bridge)
    assert store.get("practice", french)["summary_es"] == "Cubrir el suelo con la paja"


def panel_mark():
    from fieldapp.ui.translations_editor import COMPLETE_MARK

    return COMPLETE_MARK


def test_removing_a_language_is_one_undoable_step(qtbot, editor, bridge, store, french, monkeypatch):
    store.update("practice", french, {"title_es": "Acolchado", "summary_es": "Cubrir"})
    _open(qtbot, editor, french)
    page = editor.translations.pages["es"]
    assert page.remove_button.isEnabled()
    assert not editor.translations.pages["ar"].remove_button.isEnabled()  # nothing to remove
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: True)
    page.remove_button.click()
    settle(qtbot, bridge)
    row = store.get("practice", french)
    assert (row["title_es"], row["summary_es"]) == (None, None)
    assert editor.inputs["title_es"].raw() == ""
    qtbot.waitUntil(lambda: not page.remove_button.isEnabled(), timeout=15000)
    editor.undo_action.trigger()  # one step brings the whole language back
    settle(qtbot, bridge)
    row = store.get("practice", french)
    assert (row["title_es"], row["summary_es"]) == ("Acolchado", "Cubrir")
    assert editor.inputs["title_es"].raw() == "Acolchado"


def test_a_stale_translation_is_marked_after_the_original_changes(qtbot, editor, bridge, store, french):
    store.update("practice", french, {"title_es": "Acolchado", "summary_es": "Cubrir"})
    _open(qtbot, editor, french)
    page = editor.translations.pages["es"]
    qtbot.waitUntil(lambda: tr.STALE_MARK not in _tab_text(editor, "es"), timeout=15000)
    _type(qtbot, editor, "summary", "Couvrir le sol avec les pailles de mil", enter=False)
    settle(qtbot, bridge)
    qtbot.waitUntil(lambda: _tab_text(editor, "es").endswith(tr.STALE_MARK), timeout=15000)
    assert page.stale_marks["summary"].isVisibleTo(page) and not page.stale_marks["title"].isVisibleTo(page)
    assert store.get("practice", french)["summary_es"] == "Cubrir"  # marked, not hidden
    _type(qtbot, editor, "summary_es", "Cubrir el suelo con la paja de mijo", enter=False)
    settle(qtbot, bridge)
    qtbot.waitUntil(lambda: not page.stale_marks["summary"].isVisibleTo(page), timeout=15000)


def test_list_and_header_read_in_the_interface_language_with_a_mark_otherwise(qtbot, bridge, store, french, speak):
    store.update("practice", french, {"title_es": "Acolchado de rastrojos"})
    spanish = store.insert("practice", {"title": "Siembra directa", "family": "reduced_tillage", "country": "AR",
                                        "language": "es"})
    speak("es")
    page = ListPage(bridge, "practice")
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=15000)
    title_col = model.column_of("title")

    def title(row_id):
        return model.index(model.row_of(row_id), title_col).data()

    assert title(french) == "Acolchado de rastrojos"
    languages = model.index(model.row_of(french), model.languages_column).data()
    assert languages == "\u2066FR · es\u2069"  # partial Spanish translation (no summary yet), kept left to right
    page.open_record(french)
    qtbot.waitUntil(lambda: page.editor.heading.text().endswith("Acolchado de rastrojos"), timeout=15000)
    # "available in my language": both read in Spanish; in Arabic, neither
    page.readable_filter.setChecked(True)
    qtbot.waitUntil(lambda: model.is_loaded and set(model.ids()) == {french, spanish}, timeout=15000)
    page.readable_filter.setChecked(False)
    speak("en")
    model.refresh()
    qtbot.waitUntil(lambda: model.is_loaded, timeout=15000)
    page.editor.load(french)
    assert title(french) == "Paillage des résidus [FR]"
    assert "French" in model.index(model.row_of(french), title_col).data(Qt.ItemDataRole.ToolTipRole)
    assert title(spanish) == "Siembra directa [ES]"
    qtbot.waitUntil(lambda: page.editor.heading.text().endswith("Paillage des résidus [FR]"), timeout=15000)
    # the original title changes: the Spanish one is marked as older, still shown in Spanish
    store.update("practice", french, {"title": "Paillage des résidus de mil"})
    languages_cell = lambda: model.index(model.row_of(french), model.languages_column).data()  # noqa: E731
    qtbot.waitUntil(lambda: languages_cell() == "\u2066FR · es" + tr.STALE_MARK + "\u2069", timeout=15000)
    assert "older than the original" in model.index(model.row_of(french), model.languages_column).data(
        Qt.ItemDataRole.ToolTipRole)
    speak("ar")
    page.readable_filter.setChecked(True)
    qtbot.waitUntil(lambda: model.is_loaded and model.rowCount() == 0, timeout=15000)
    settle(qtbot, bridge)


def test_search_hit_by_a_word_only_in_a_translation(qtbot, window, store, speak):
    pid = store.insert("practice", {"title": "Paillage des résidus", "family": "soil_cover", "country": "SN",
                                    "language": "fr", "title_es": "Acolchado de rastrojos"})
    box = window.search
    speak("es")
    box.setFocus()
    with qtbot.waitSignal(box.results_shown, timeout=15000, check_params_cb=lambda n: n > 0):
        qtbot.keyClicks(box, "rastrojos")
    [hit] = box.results.hits
    assert hit.row_id == pid
    assert box.results.index(0, 0).data().startswith("Acolchado de rastrojos")
    speak("en")
    box.clear()
    with qtbot.waitSignal(box.results_shown, timeout=15000, check_params_cb=lambda n: n > 0):
        qtbot.keyClicks(box, "rastrojos ")
    assert box.results.index(0, 0).data().startswith("Paillage des résidus [FR]")
    box.open_first()
    practices = window.pages["practice"]
    qtbot.waitUntil(lambda: practices.editor.row_id == pid, timeout=15000)


def test_translations_editor_exists_for_every_translated_entity(qtbot, bridge):
    for name in ("project", "meeting"):
        e = RecordEditor(bridge, name)
        qtbot.addWidget(e)
        assert e.translations is not None
        assert set(e.translations.pages) == set(i18n.LANGUAGES)
        assert set(e.translations.pages["es"].originals) == {f.name for f in e.entity.translatable_fields}
    assert RecordEditor(bridge, "organisation").translations is None
    assert PRACTICE.translation("title", "es").name in RecordEditor(bridge, "practice").inputs


def test_a_new_record_is_written_in_the_interface_language(qtbot, bridge, store, speak):
    speak("es")
    editor = RecordEditor(bridge, "practice")  # built in Spanish: its pickers speak it
    qtbot.addWidget(editor)
    editor.show()
    editor.new()
    assert editor.inputs["language"].raw() == "es"
    assert editor.translations.tabs.tabText(editor.translations.tabs.indexOf(
        editor.translations.pages["es"])).endswith("(original)")
    _type(qtbot, editor, "title", "Siembra directa")
    with qtbot.waitSignal(editor.created, timeout=15000) as created:
        for name, label in (("family", store.catalog.label("practice_family", "reduced_tillage", "es")),
                            ("country", "Argentina")):
            combo = editor.inputs[name].widget
            combo.setFocus()
            combo.lineEdit().clear()
            qtbot.keyClicks(combo.lineEdit(), label)
            combo.lineEdit().editingFinished.emit()
    settle(qtbot, bridge)
    assert store.get("practice", created.args[0])["language"] == "es"
