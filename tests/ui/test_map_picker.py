"""Choosing a record's location on the map fills its latitude and longitude."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from fieldapp.core import geo
from tests.ui.conftest import settle


def _pick(qtbot, window, page, lat, lon):
    picker = next(p for p in window.location_pickers if p is not None and p.editor is page.editor)
    qtbot.mouseClick(picker, Qt.MouseButton.LeftButton)
    dialog = picker.dialog
    qtbot.waitExposed(dialog)
    canvas = dialog.canvas
    canvas.center_on(lat, lon, 8)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_screen(*geo.project(lon, lat)).toPoint())
    assert "Latitude" in dialog.where.text()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    return dialog


def test_choosing_a_location_fills_the_fields_and_saves(qtbot, window, store, sample):
    page = window.page_for("organisation")
    page.open_record(sample["organisation"])
    qtbot.waitUntil(lambda: page.editor.inputs["name"].widget.text() == "ICRISAT", timeout=10000)
    _pick(qtbot, window, page, 17.51, 78.27)
    settle(qtbot, window.bridge)
    lat_text = page.editor.inputs["latitude"].widget.text()
    lon_text = page.editor.inputs["longitude"].widget.text()
    assert float(lat_text) == pytest.approx(17.51, abs=0.01) and float(lon_text) == pytest.approx(78.27, abs=0.01)
    row = store.get("organisation", sample["organisation"])
    assert row["latitude"] == pytest.approx(17.51, abs=0.01) and row["longitude"] == pytest.approx(78.27, abs=0.01)
    # undoable like typing: the last step undoes the longitude
    page.editor.undo_action.trigger()
    settle(qtbot, window.bridge)
    assert store.get("organisation", sample["organisation"])["longitude"] is None


def test_the_picker_starts_at_the_records_position(qtbot, window, store, sample):
    pid = sample["practices"][0]
    store.update("practice", pid, {"latitude": -3.5, "longitude": 36.2})
    page = window.page_for("practice")
    page.open_record(pid)
    qtbot.waitUntil(lambda: page.editor.inputs["latitude"].widget.text() == "-3.5", timeout=10000)
    picker = next(p for p in window.location_pickers if p is not None and p.editor is page.editor)
    qtbot.mouseClick(picker, Qt.MouseButton.LeftButton)
    dialog = picker.dialog
    qtbot.waitExposed(dialog)
    assert dialog.canvas.marker == (-3.5, 36.2)
    centre = geo.unproject(*dialog.canvas.center)
    assert centre == pytest.approx((36.2, -3.5), abs=0.01)
    dialog.reject()
    assert store.get("practice", pid)["latitude"] == -3.5


def test_a_new_record_gets_its_location_too(qtbot, window, store):
    page = window.page_for("practice")
    page.new_record()
    editor = page.editor
    for name, text in (("title", "Half-moons in Tahoua"),):
        editor.inputs[name].widget.setText(text)
        editor.inputs[name].finished.emit()
    editor.inputs["family"].show("land_restoration")
    editor.inputs["family"].finished.emit()
    editor.inputs["country"].show("NE")
    editor.inputs["country"].finished.emit()
    settle(qtbot, window.bridge)
    qtbot.waitUntil(lambda: editor.row_id is not None, timeout=10000)
    _pick(qtbot, window, page, 14.89, 5.26)
    settle(qtbot, window.bridge)
    row = store.get("practice", editor.row_id)
    assert row["latitude"] == pytest.approx(14.89, abs=0.01) and row["longitude"] == pytest.approx(5.26, abs=0.01)


def test_only_records_with_a_position_get_the_button(window):
    assert {p.editor.entity.name for p in window.location_pickers if p} == {"practice", "organisation"}
    assert "latitude" not in window.pages["meeting"].editor.inputs
