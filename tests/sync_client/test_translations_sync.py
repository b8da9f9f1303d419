"""Translations over a real server on 127.0.0.1: typed in one client's editor, read in
the other client's list in the reader's language; concurrent translations merge per
language and field, and a true conflict is on one language's one field only."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from fieldapp import i18n
from fieldapp.core import translations as tr
from fieldapp.core.schema import PRACTICE
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.conflicts_view import ConflictsInbox
from fieldapp.ui.editor import RecordEditor
from fieldapp.ui.list_page import ListPage


@pytest.fixture
def speak():
    yield i18n.set_language
    i18n.set_language("en")


def _french(store) -> str:
    return store.insert("practice", {"title": "Paillage des résidus", "family": "soil_cover", "country": "SN",
                                     "language": "fr", "summary": "Couvrir le sol avec les pailles"})


def test_spanish_typed_in_one_editor_reads_in_the_other_clients_list(qtbot, client, speak):
    a, sa = client("amina")
    b, sb = client("bruno")
    pid = _french(a)
    assert sa.sync().ok
    bridge_a = StoreBridge(a)
    editor = RecordEditor(bridge_a, "practice")
    qtbot.addWidget(editor)
    editor.show()
    with qtbot.waitSignal(editor.loaded, timeout=15000):
        editor.load(pid)
    editor.translations.tabs.setCurrentWidget(editor.translations.pages["es"])
    widget = editor.inputs["title_es"].widget
    editor.scroll.ensureWidgetVisible(widget)
    widget.setFocus()
    qtbot.keyClicks(widget, "Acolchado de rastrojos")
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    qtbot.waitUntil(bridge_a.idle, timeout=15000)
    assert a.get("practice", pid)["title_es"] == "Acolchado de rastrojos"
    result = sa.sync()
    assert result.ok and result.rejected == 0
    assert sb.sync().ok
    bridge_b = StoreBridge(b)
    speak("es")
    page = ListPage(bridge_b, "practice")
    qtbot.addWidget(page)
    page.show()
    model = page.model
    qtbot.waitUntil(lambda: model.is_loaded and model.rowCount() == 1, timeout=15000)
    cell = model.index(0, model.column_of("title"))
    assert cell.data() == "Acolchado de rastrojos"
    speak("en")
    model.refresh()
    qtbot.waitUntil(lambda: model.is_loaded, timeout=15000)
    assert model.index(0, model.column_of("title")).data() == "Paillage des résidus [FR]"
    qtbot.waitUntil(bridge_b.idle, timeout=15000)


def test_translations_into_different_languages_merge_and_a_conflict_is_per_language_and_field(qtbot, client):
    a, sa = client("amina")
    b, sb = client("bruno")
    pid = _french(a)
    sa.sync(), sb.sync()
    # offline on both sides: different languages, and the same Spanish summary differently
    a.update("practice", pid, {"title_es": "Acolchado de rastrojos", "summary_es": "Cubrir el suelo con paja"})
    b.update("practice", pid, {"title_ar": "تغطية التربة", "summary_es": "Cubrir el suelo con rastrojos"})
    sa.sync(), sb.sync(), sa.sync()
    [ca] = a.conflicts(row_id=pid)
    [cb] = b.conflicts(row_id=pid)
    assert ca["id"] == cb["id"] and ca["field"] == "summary_es"  # only that language's field
    for store in (a, b):
        row = store.get("practice", pid)
        assert (row["title_es"], row["title_ar"]) == ("Acolchado de rastrojos", "تغطية التربة")
        assert row["summary_es"] == ca["provisional"]
    bridge = StoreBridge(a)
    inbox = ConflictsInbox(bridge)
    qtbot.addWidget(inbox)
    qtbot.waitUntil(lambda: inbox.list.count() == 1, timeout=15000)
    assert inbox.list.item(0).text().endswith("· Summary (Spanish)")  # the inbox names language and field
    qtbot.waitUntil(bridge.idle, timeout=15000)
    b.resolve_conflict(cb["id"], "Cubrir el suelo con paja y rastrojos")
    assert sb.sync().ok and sa.sync().ok
    assert a.get("practice", pid)["summary_es"] == "Cubrir el suelo con paja y rastrojos"
    assert a.conflicts(row_id=pid) == [] and b.conflicts(row_id=pid) == []


def test_staleness_travels_with_the_field_clocks(client):
    a, sa = client("amina")
    b, sb = client("chen")
    pid = _french(a)
    a.update("practice", pid, {"title_es": "Acolchado", "summary_es": "Cubrir el suelo"})
    sa.sync(), sb.sync()
    assert not tr.state(PRACTICE, b.get("practice", pid), "es").is_stale
    a.update("practice", pid, {"summary": "Couvrir le sol avec les pailles de mil"})
    sa.sync(), sb.sync()
    assert tr.state(PRACTICE, b.get("practice", pid), "es").stale == ("summary",)
    b.update("practice", pid, {"summary_es": "Cubrir el suelo con la paja de mijo"})
    sb.sync(), sa.sync()
    assert not tr.state(PRACTICE, a.get("practice", pid), "es").is_stale
