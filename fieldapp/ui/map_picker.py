"""Choosing a record's latitude and longitude on the map: a button beside an editor's
longitude field opens a map; a click there places the pin, and OK fills both fields
through the editor's own path (validated, committed, undoable like typing)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QToolButton, QVBoxLayout, QWidget

from fieldapp.core.fieldspec import coerce
from fieldapp.core.geo import valid_position
from fieldapp.i18n import _
from fieldapp.ui.display import number_text
from fieldapp.ui.map_canvas import MapCanvas

LAT, LON = "latitude", "longitude"


class MapPickerDialog(QDialog):
    """A map in pick mode; `chosen` is (lat, lon) once the person clicked."""

    picked = Signal(float, float)

    def __init__(self, parent: QWidget | None, start: tuple[float, float] | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Choose the location on the map"))
        self.resize(860, 600)
        self.chosen: tuple[float, float] | None = None
        layout = QVBoxLayout(self)
        hint = QLabel(_("Click where the place is; zoom in first with the wheel, a pinch or +."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.canvas = MapCanvas(self, pick_mode=True)
        self.canvas.position_picked.connect(self._picked)
        layout.addWidget(self.canvas, 1)
        self.where = QLabel(_("No place chosen yet"))
        layout.addWidget(self.where)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        layout.addWidget(self.buttons)
        self._start = start

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._start is not None:
            lat, lon = self._start
            self.canvas.marker = (lat, lon)
            self.canvas.center_on(lat, lon, 6)
            self._picked(lat, lon)
            self._start = None
        else:
            self.canvas.reset_view()
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def _picked(self, lat: float, lon: float) -> None:
        self.chosen = (lat, lon)
        self.where.setText(_("Latitude {lat}°, longitude {lon}°").format(lat=number_text(lat), lon=number_text(lon)))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _accept(self) -> None:
        if self.chosen is not None:
            self.picked.emit(*self.chosen)
        self.accept()


def current_position(editor) -> tuple[float, float] | None:
    """The editor's latitude and longitude if both read as a valid position."""
    try:
        lat = coerce(editor.entity.field(LAT), editor.inputs[LAT].raw())
        lon = coerce(editor.entity.field(LON), editor.inputs[LON].raw())
    except ValueError:
        return None
    return (lat, lon) if valid_position(lat, lon) else None


def apply_position(editor, lat: float, lon: float) -> None:
    """Fill both fields as typing would, so the editor validates, saves and can undo."""
    for name, value in ((LAT, lat), (LON, lon)):
        inp = editor.inputs[name]
        inp.show(value)
        inp.edited.emit()
        inp.finished.emit()


class LocationPicker(QToolButton):
    """The button beside the longitude field."""

    def __init__(self, editor):
        super().__init__()
        self.editor = editor
        self.dialog: MapPickerDialog | None = None
        self.setText(_("Map…"))
        self.setToolTip(_("Choose the latitude and longitude on a map"))
        self.setAccessibleName(_("Choose the location on the map"))
        self.clicked.connect(self.open_picker)

    def open_picker(self) -> None:
        editor = self.editor
        if editor.read_only or editor.is_deleted or (editor.row_id is None and not editor.is_draft):
            return
        self.dialog = MapPickerDialog(editor.window(), current_position(editor))
        self.dialog.picked.connect(lambda lat, lon: apply_position(editor, lat, lon))
        self.dialog.finished.connect(self.dialog.deleteLater)
        self.dialog.open()


def attach_location_picker(editor) -> LocationPicker | None:
    """Put the map button beside `editor`'s longitude (entities without one get none)."""
    if LAT not in editor.inputs or LON not in editor.inputs:
        return None
    button = LocationPicker(editor)
    editor.field_rows[LON].addWidget(button)
    button.setEnabled(not editor.read_only)
    return button
