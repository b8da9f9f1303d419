"""One input per form question type (text, numbers, date, choices, location, file).

The form filler knows nothing of widgets: it asks `make_question_input(item, ...)` for
an input and talks to it through `QuestionInput`: `value()` is what the person entered
(given to `FormState.set_answer` as is, so a wrong value is kept as typed and reported
by the engine), `show(value, raw)` displays a stored answer, `edited` fires while typing
(live checks, debounced autosave) and `committed` when the person is done with the
question (focus leaves, a choice is picked): the draft is written at once.
"""
from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton, QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton,
    QToolButton, QVBoxLayout, QWidget,
)

from fieldapp.core.fieldspec import parse_decimal
from fieldapp.forms.definition import (
    ATTACHMENT_TYPES, DATE, DATETIME, DECIMAL, GEOPOINT, GEOSHAPE, GEOTRACE, IMAGE, INTEGER, NOTE, SELECT_MULTIPLE,
    SELECT_ONE, TIME,
)
from fieldapp.forms.form_state import Item
from fieldapp.i18n import _, language
from fieldapp.ui.display import _locale, number_text
from fieldapp.ui.pickers import CodeCombo, FlowLayout, LongTextEdit, OptionalDateEdit, TagPicker

RADIO_LIMIT = 8  # more choices than this: a searchable list instead of radio buttons
CHECKBOX_LIMIT = 12  # more than this: tags with a searchable list


class QuestionInput(QWidget):
    """The common face of every question input (see the module docstring)."""

    edited = Signal()
    committed = Signal()

    def __init__(self, item: Item, parent: QWidget | None = None):
        super().__init__(parent)
        self.item = item
        self._read_only = False

    def value(self) -> Any:
        raise NotImplementedError

    def show(self, value: Any, raw: str | None = None) -> None:
        raise NotImplementedError

    def set_choices(self, choices: list[tuple[str, str]]) -> None:  # select questions only
        pass

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        self.setEnabled(not on)

    def focus_target(self) -> QWidget:
        """The widget that takes the keyboard when the filler points at this question."""
        return self


# ----------------------------------------------------------------------------- text and numbers
class LineQuestion(QuestionInput):
    def __init__(self, item: Item, *, placeholder: str = ""):
        super().__init__(item)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setAccessibleName(item.label)
        layout.addWidget(self.edit)
        self.setFocusProxy(self.edit)
        self.edit.textEdited.connect(lambda *_a: self.edited.emit())
        self.edit.editingFinished.connect(self.committed.emit)

    def value(self) -> Any:
        return self.edit.text()

    def show(self, value: Any, raw: str | None = None) -> None:
        self.edit.setText(raw if raw is not None else self.text_of(value))
        self.edit.setCursorPosition(0)

    def text_of(self, value: Any) -> str:
        return "" if value is None else str(value)

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        self.edit.setReadOnly(on)

    def focus_target(self) -> QWidget:
        return self.edit


class NumberQuestion(LineQuestion):
    def __init__(self, item: Item):
        super().__init__(item, placeholder=_("Whole number") if item.type == INTEGER else _("Number"))
        self.edit.setMaximumWidth(220)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.layout().addStretch(1)

    def text_of(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # No grouping: what is shown can be typed back as is.
            return format_decimal(value, format="0.##########", locale=_locale(language()))
        return str(value)


class LongQuestion(QuestionInput):
    def __init__(self, item: Item):
        super().__init__(item)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = LongTextEdit(self)
        self.edit.setAccessibleName(item.label)
        layout.addWidget(self.edit)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self.edited.emit)
        self.edit.editingFinished.connect(self.committed.emit)

    def value(self) -> Any:
        return self.edit.toPlainText()

    def show(self, value: Any, raw: str | None = None) -> None:
        self.edit.set_text(raw if raw is not None else ("" if value is None else str(value)))

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        if self.edit.isReadOnly() != on:
            self.edit.setReadOnly(on)
            self.edit.style().unpolish(self.edit)  # the read-only look is a style sheet property
            self.edit.style().polish(self.edit)

    def focus_target(self) -> QWidget:
        return self.edit


class DateQuestion(QuestionInput):
    def __init__(self, item: Item):
        super().__init__(item)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = OptionalDateEdit(self)
        self.edit.edit.setAccessibleName(item.label)
        self.edit.setMaximumWidth(220)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)
        self.edit.picked.connect(self.edited.emit)
        self.edit.picked.connect(self.committed.emit)

    def value(self) -> Any:
        return self.edit.raw()

    def show(self, value: Any, raw: str | None = None) -> None:
        self.edit.set_iso(value if isinstance(value, str) else None)

    def focus_target(self) -> QWidget:
        return self.edit.edit


# ----------------------------------------------------------------------------- choices
class RadioQuestion(QuestionInput):
    """select_one with few choices: all visible at once, one click (likert and
    horizontal appearances lay them out in a row)."""

    def __init__(self, item: Item, choices: list[tuple[str, str]]):
        super().__init__(item)
        self.horizontal = bool(item.appearance and ({"likert", "horizontal", "compact"} & set(item.appearance.split())))
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # lets a second click clear the answer
        self._code: str | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.box = QWidget(self)
        self.box_layout = FlowLayout(self.box, spacing=10) if self.horizontal else QVBoxLayout(self.box)
        self.box_layout.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.box, 1)
        self.group.buttonClicked.connect(self._clicked)
        self._choices: list[tuple[str, str]] = []
        self.set_choices(choices)

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        if choices == self._choices:
            return
        self._choices = list(choices)
        for b in self.group.buttons():
            self.group.removeButton(b)
            self.box_layout.removeWidget(b)
            b.deleteLater()
        for code, label in choices:
            b = QRadioButton(label, self.box)
            b.setProperty("code", code)
            b.setAutoExclusive(False)
            b.setAccessibleName(f"{self.item.label}: {label}")
            b.setEnabled(not self._read_only)
            self.group.addButton(b)
            self.box_layout.addWidget(b)
        self._check(self._code)

    def _clicked(self, button: QAbstractButton) -> None:
        code = button.property("code")
        self._code = code if button.isChecked() else None
        self._check(self._code)
        self.edited.emit()
        self.committed.emit()

    def _check(self, code: str | None) -> None:
        for b in self.group.buttons():
            b.setChecked(b.property("code") == code)

        self.committed.emit()

    def value(self) -> Any:
        return self._code

    def show(self, value: Any, raw: str | None = None) -> None:
        self._code = value if isinstance(value, str) else None
        self._check(self._code)

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        for b in self.group.buttons():
            b.setEnabled(not on)

    def focus_target(self) -> QWidget:
        buttons = self.group.buttons()
        checked = [b for b in buttons if b.isChecked()]
        return (checked or buttons or [self])[0]


class ComboQuestion(QuestionInput):
    """select_one with many choices (countries): a list that filters as you type."""

    def __init__(self, item: Item, choices: list[tuple[str, str]]):
        super().__init__(item)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._choices: list[tuple[str, str]] = []
        self._code: str | None = None
        self.combo: CodeCombo | None = None
        self._layout = layout
        self.set_choices(choices)

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        if choices == self._choices and self.combo is not None:
            return
        self._choices = list(choices)
        old = self.combo
        self.combo = CodeCombo(choices, sort=False, editable=len(choices) > RADIO_LIMIT)
        self.combo.setAccessibleName(self.item.label)
        self.combo.setEnabled(not self._read_only)
        self.combo.picked.connect(self._picked)
        if old is not None:
            self._layout.replaceWidget(old, self.combo)
            had_focus = old.hasFocus()
            old.deleteLater()
            if had_focus:
                self.combo.setFocus()
        else:
            self._layout.addWidget(self.combo, 1)
        self.setFocusProxy(self.combo)
        self._show_code()

    def _picked(self) -> None:
        code = self.combo.raw()
        if code == self._code:
            return
        self._code = code
        self.edited.emit()
        self.committed.emit()

    def _show_code(self) -> None:
        self.combo.blockSignals(True)
        if self._code is None or self._code in dict(self._choices):
            self.combo.set_code(self._code)
        else:  # kept as answered but no longer offered: shown, and the engine says why
            self.combo.setEditText(self._code) if self.combo.isEditable() else self.combo.set_code(self._code)
        self.combo.blockSignals(False)

    def value(self) -> Any:
        return self._code

    def show(self, value: Any, raw: str | None = None) -> None:
        self._code = value if isinstance(value, str) else raw
        self._show_code()

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        self.combo.setEnabled(not on)

    def focus_target(self) -> QWidget:
        return self.combo


class CheckboxQuestion(QuestionInput):
    """select_multiple with a handful of choices: a box per choice."""

    def __init__(self, item: Item, choices: list[tuple[str, str]]):
        super().__init__(item)
        self.flow = FlowLayout(self, spacing=10)
        self.flow.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        self._choices: list[tuple[str, str]] = []
        self._codes: list[str] = []
        self.set_choices(choices)

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        if choices == self._choices:
            return
        self._choices = list(choices)
        for box in self.boxes.values():
            self.flow.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        for code, label in choices:
            box = QCheckBox(label, self)
            box.setAccessibleName(f"{self.item.label}: {label}")
            box.setChecked(code in self._codes)
            box.setEnabled(not self._read_only)
            box.toggled.connect(lambda on, c=code: self._toggled(c, on))
            self.flow.addWidget(box)
            self.boxes[code] = box

    def _toggled(self, code: str, on: bool) -> None:
        if on and code not in self._codes:
            self._codes.append(code)
        elif not on and code in self._codes:
            self._codes.remove(code)
        self.edited.emit()
        self.committed.emit()

    def value(self) -> Any:
        order = [c for c, _l in self._choices]
        return sorted(self._codes, key=lambda c: order.index(c) if c in order else len(order))

    def show(self, value: Any, raw: str | None = None) -> None:
        self._codes = list(value) if isinstance(value, list) else []
        for code, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(code in self._codes)
            box.blockSignals(False)

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        for box in self.boxes.values():
            box.setEnabled(not on)

    def focus_target(self) -> QWidget:
        return next(iter(self.boxes.values()), self)


class TagsQuestion(QuestionInput):
    """select_multiple with many choices: tags plus a searchable list."""

    def __init__(self, item: Item, choices: list[tuple[str, str]]):
        super().__init__(item)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.picker = TagPicker(choices)
        self.picker.adder.setAccessibleName(_("Add to {label}").format(label=item.label))
        layout.addWidget(self.picker, 1)
        self.picker.picked.connect(self.edited.emit)
        self.picker.picked.connect(self.committed.emit)

    def value(self) -> Any:
        return self.picker.raw()

    def show(self, value: Any, raw: str | None = None) -> None:
        self.picker.set_codes(value if isinstance(value, list) else [])

    def focus_target(self) -> QWidget:
        return self.picker.adder


# ----------------------------------------------------------------------------- location
class GeopointQuestion(QuestionInput):
    """Latitude and longitude typed in decimal degrees (range checked by the engine),
    or taken from the linked record with one click."""

    def __init__(self, item: Item):
        super().__init__(item)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.lat = QLineEdit(self)
        self.lon = QLineEdit(self)
        self._extra: dict[str, float] = {}
        for edit, text, name in ((self.lat, _("Latitude"), _("Latitude of {label}")),
                                 (self.lon, _("Longitude"), _("Longitude of {label}"))):
            edit.setPlaceholderText(text)
            edit.setAccessibleName(name.format(label=item.label))
            edit.setMaximumWidth(160)
            edit.textEdited.connect(lambda *_a: self.edited.emit())
            edit.editingFinished.connect(self._finished)
        layout.addWidget(QLabel(_("Lat.")))
        layout.addWidget(self.lat)
        layout.addWidget(QLabel(_("Lon.")))
        layout.addWidget(self.lon)
        self.linked = QPushButton(self)
        self.linked.setVisible(False)
        self.linked.clicked.connect(self._use_linked)
        layout.addWidget(self.linked)
        layout.addStretch(1)
        self.setFocusProxy(self.lat)
        self._linked_point: tuple[float, float] | None = None

    def _finished(self) -> None:
        if not (self.lat.hasFocus() or self.lon.hasFocus()):  # moving from lat to lon is not done yet
            self.committed.emit()

    def offer_linked(self, point: tuple[float, float] | None, text: str) -> None:
        """Offer a button that copies `point` (the organisation's coordinates, ...)."""
        self._linked_point = point
        self.linked.setText(text)
        self.linked.setToolTip(text)
        self.linked.setVisible(point is not None and not self._read_only)

    def _use_linked(self) -> None:
        if self._linked_point is None:
            return
        self.show({"lat": self._linked_point[0], "lon": self._linked_point[1]})
        self.edited.emit()
        self.committed.emit()

    def value(self) -> Any:
        lat, lon = self.lat.text().strip(), self.lon.text().strip()
        if not lat and not lon:
            return None
        try:
            numbers = [parse_decimal(lat), parse_decimal(lon)]
        except ValueError:  # kept as typed; the engine says what is wrong
            return f"{lat} {lon}".strip()
        if "alt" in self._extra or "accuracy" in self._extra:
            numbers += [self._extra.get("alt", 0.0), *([self._extra["accuracy"]] if "accuracy" in self._extra else [])]
        # As "lat lon [alt [accuracy]]" text: the engine keeps a refused value as typed and
        # re-reads it to say which rule it breaks (latitude between -90 and 90, ...).
        return " ".join(repr(float(x)) for x in numbers)

    def show(self, value: Any, raw: str | None = None) -> None:
        if isinstance(value, dict) and "lat" in value and "lon" in value:
            self.lat.setText(_coordinate(value["lat"]))
            self.lon.setText(_coordinate(value["lon"]))
            self._extra = {k: value[k] for k in ("alt", "accuracy") if k in value}
        else:
            parts = (raw or "").split(None, 1)
            self.lat.setText(parts[0] if parts else "")
            self.lon.setText(parts[1] if len(parts) > 1 else "")
            self._extra = {}

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        self.lat.setReadOnly(on)
        self.lon.setReadOnly(on)
        self.linked.setVisible(self._linked_point is not None and not on)

    def focus_target(self) -> QWidget:
        return self.lat


def _coordinate(x: float) -> str:
    return format_decimal(x, format="0.######", locale=_locale(language()))


# ----------------------------------------------------------------------------- files
class AttachmentQuestion(QuestionInput):
    """image/file: the attached file's name and size; the filler does the copying
    (off the UI thread) when `attach_requested` fires."""

    attach_requested = Signal()

    def __init__(self, item: Item):
        super().__init__(item)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._value: dict | None = None
        self.name = QLabel(self)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.attach = QPushButton(_("Attach a photo…") if item.type == IMAGE else _("Attach a file…"), self)
        self.attach.setAccessibleName(_("Attach to {label}").format(label=item.label))
        self.remove = QToolButton(self)
        self.remove.setText(_("Remove"))
        self.remove.setAccessibleName(_("Remove the file of {label}").format(label=item.label))
        layout.addWidget(self.attach)
        layout.addWidget(self.name, 1)
        layout.addWidget(self.remove)
        self.attach.clicked.connect(self.attach_requested.emit)
        self.remove.clicked.connect(self._remove)
        self.setFocusProxy(self.attach)
        self.show(None)

    def _remove(self) -> None:
        self.show(None)
        self.edited.emit()
        self.committed.emit()

    def set_file(self, value: dict) -> None:
        self.show(value)
        self.edited.emit()
        self.committed.emit()

    def value(self) -> Any:
        return self._value

    def show(self, value: Any, raw: str | None = None) -> None:
        self._value = value if isinstance(value, dict) else None
        if self._value:
            size = self._value.get("size")
            text = self._value.get("name", "")
            if isinstance(size, int):
                text += "  (" + _("{n} KB").format(n=number_text(max(1, round(size / 1024)))) + ")"
            self.name.setText(text)
            self.name.setStyleSheet("")
        else:
            self.name.setText(raw or _("No file attached"))
            self.name.setStyleSheet("color: palette(placeholder-text);")
        self.remove.setVisible(self._value is not None and not self._read_only)

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        self.attach.setVisible(not on)
        self.remove.setVisible(self._value is not None and not on)

    def focus_target(self) -> QWidget:
        return self.attach if self.attach.isVisible() else self


class NoteQuestion(QuestionInput):
    """A note is read, not answered: its label is all there is."""

    def value(self) -> Any:
        return None

    def show(self, value: Any, raw: str | None = None) -> None:
        pass


def make_question_input(item: Item, choices: list[tuple[str, str]] | None = None) -> QuestionInput:
    """The input that fits the question's type and appearance."""
    t = item.type
    appearance = set((item.appearance or "").split())
    if t == NOTE:
        return NoteQuestion(item)
    if t in (INTEGER, DECIMAL):
        return NumberQuestion(item)
    if t == DATE:
        return DateQuestion(item)
    if t == SELECT_ONE:
        choices = choices or []
        if "minimal" in appearance or len(choices) > RADIO_LIMIT:
            return ComboQuestion(item, choices)
        return RadioQuestion(item, choices)
    if t == SELECT_MULTIPLE:
        choices = choices or []
        if "minimal" in appearance or len(choices) > CHECKBOX_LIMIT:
            return TagsQuestion(item, choices)
        return CheckboxQuestion(item, choices)
    if t == GEOPOINT:
        return GeopointQuestion(item)
    if t in ATTACHMENT_TYPES:  # image, audio, video, file: attachments of the submission
        return AttachmentQuestion(item)
    if "multiline" in appearance:
        return LongQuestion(item)
    typed = {TIME: _("HH:MM"), DATETIME: _("YYYY-MM-DD HH:MM"), GEOTRACE: _("latitude longitude; latitude longitude; …"),
             GEOSHAPE: _("latitude longitude; latitude longitude; …")}
    if t in typed:  # a desktop has no clock widget or GPS trace: typed, checked by the engine
        return LineQuestion(item, placeholder=typed[t])
    return LineQuestion(item, placeholder=_("Digits") if "numbers" in appearance else "")
