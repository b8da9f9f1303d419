"""One input per schema field, chosen by the field's kind: editors never list fields
by hand, they ask this module for an input for each field of the entity."""
from __future__ import annotations

import json
from typing import Any, Callable

from babel.numbers import format_decimal
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from fieldapp.core import fieldspec as fs
from fieldapp.core.fieldspec import Field
from fieldapp.core.reference import Catalog
from fieldapp.i18n import _, language
from fieldapp.ui.display import _locale, choice_label
from fieldapp.ui.pickers import CodeCombo, LongTextEdit, OptionalDateEdit, RefPicker, ScoreCombo, TagPicker

Lookup = Callable[[str, str, Callable[[list[tuple[str, str]]], None]], None]  # entity, text, deliver


class FieldInput(QObject):
    """Adapts a widget to the editor: `raw()` what the person entered, `show(value)`
    a stored value, `edited` while typing (validate), `finished` when done (commit)."""

    edited = Signal()
    finished = Signal()

    def __init__(self, field: Field, widget: QWidget):
        super().__init__(widget)
        self.field = field
        self.widget = widget
        widget.setAccessibleName(_(field.label))
        if field.help:
            widget.setToolTip(_(field.help))

    def raw(self) -> Any:
        raise NotImplementedError

    def show(self, value: Any, ref_title: str = "") -> None:
        raise NotImplementedError

    def set_enabled(self, on: bool) -> None:
        self.widget.setEnabled(on)

    def commit_on(self, signal) -> None:
        """A pick is both an edit and the end of it (combos, pickers, check boxes)."""
        signal.connect(lambda *_a: self.edited.emit())
        signal.connect(lambda *_a: self.finished.emit())


class PickerInput(FieldInput):
    """An input on one of pickers.py's widgets: the widget says its own value (`raw()`)
    and a pick is both an edit and the end of it."""

    def __init__(self, field: Field, widget: QWidget, picked) -> None:
        super().__init__(field, widget)
        self.commit_on(picked)

    def raw(self) -> Any:
        return self.widget.raw()  # every picker of pickers.py has raw()


class LineInput(FieldInput):
    def __init__(self, field: Field, *, number: bool = False):
        edit = QLineEdit()
        if field.max_length or field.kind in (fs.TEXT, fs.EMAIL, fs.URL):
            edit.setMaxLength(field.limit)
        super().__init__(field, edit)
        self.number = number
        if field.kind == fs.EMAIL:
            edit.setPlaceholderText("name@example.org")
        elif field.kind == fs.URL:
            edit.setPlaceholderText("https://")
        elif number and field.minimum is not None and field.maximum is not None:
            edit.setPlaceholderText(f"{_num(field.minimum)} … {_num(field.maximum)}")
        elif field.kind == fs.DATETIME:
            edit.setPlaceholderText("YYYY-MM-DDThh:mm:ssZ")
        edit.textEdited.connect(lambda *_a: self.edited.emit())
        edit.editingFinished.connect(lambda *_a: self.finished.emit())

    def raw(self) -> Any:
        return self.widget.text()

    def show(self, value: Any, ref_title: str = "") -> None:
        if value is None:
            text = ""
        elif self.field.kind == fs.DECIMAL:
            text = format_decimal(value, format="0.##########", locale=_locale(language()))
        else:
            text = str(value)
        self.widget.setText(text)
        self.widget.setCursorPosition(0)  # long values read from their start


class LongInput(FieldInput):
    def __init__(self, field: Field):
        edit = LongTextEdit()
        super().__init__(field, edit)
        edit.textChanged.connect(lambda *_a: self.edited.emit())
        edit.editingFinished.connect(lambda *_a: self.finished.emit())

    def raw(self) -> Any:
        text = self.widget.toPlainText()
        return text if text.strip() else None

    def show(self, value: Any, ref_title: str = "") -> None:
        if self.field.kind == fs.JSON:
            text = "" if value in (None, {}, []) else json.dumps(value, ensure_ascii=False, indent=1)
        elif self.field.kind == fs.URLS:
            text = "\n".join(value or [])
        else:
            text = value or ""
        self.widget.set_text(text)


def _options(field: Field, catalog: Catalog) -> list[tuple[str, str]]:
    """(code, label) of what `field` offers: its reference list in the reader's language,
    else its own choices."""
    if not field.ref_list:
        return [(c, choice_label(c)) for c in field.choices or ()]
    lang = language()
    options = [(c, catalog.label(field.ref_list, c, lang)) for c in catalog.codes(field.ref_list)]
    if field.ref_list == "strategic_objective":
        options = [(c, f"{c} · {label}") for c, label in options]
    return options


SORTED_LISTS = ("country", "language")  # long reference lists, offered in reading order


class ChoiceInput(PickerInput):
    def __init__(self, field: Field, catalog: Catalog):
        if field.ref_list:
            combo = CodeCombo(_options(field, catalog), sort=field.ref_list in SORTED_LISTS, editable=True)
        else:
            combo = CodeCombo(_options(field, catalog), editable=False, empty_text="" if not field.required else "—")
        super().__init__(field, combo, combo.picked)
        if combo.isEditable():
            combo.lineEdit().textEdited.connect(lambda *_a: self.edited.emit())

    def show(self, value: Any, ref_title: str = "") -> None:
        self.widget.blockSignals(True)
        self.widget.set_code(value)
        self.widget.blockSignals(False)


class MultiInput(PickerInput):
    def __init__(self, field: Field, catalog: Catalog):
        picker = TagPicker(_options(field, catalog), sort=field.ref_list in SORTED_LISTS)
        super().__init__(field, picker, picker.picked)
        picker.adder.setAccessibleName(_("Add to {label}").format(label=_(field.label)))

    def show(self, value: Any, ref_title: str = "") -> None:
        self.widget.set_codes(value)


class ScoreInput(PickerInput):
    def __init__(self, field: Field):
        combo = ScoreCombo()
        super().__init__(field, combo, combo.picked)

    def show(self, value: Any, ref_title: str = "") -> None:
        self.widget.set_score(value)


class DateInput(PickerInput):
    def __init__(self, field: Field):
        edit = OptionalDateEdit()
        super().__init__(field, edit, edit.picked)
        edit.edit.setAccessibleName(_(field.label))

    def show(self, value: Any, ref_title: str = "") -> None:
        self.widget.set_iso(value)


class BoolInput(FieldInput):
    def __init__(self, field: Field):
        box = QCheckBox()
        super().__init__(field, box)
        self.commit_on(box.toggled)

    def raw(self) -> Any:
        return self.widget.isChecked()

    def show(self, value: Any, ref_title: str = "") -> None:
        self.widget.blockSignals(True)
        self.widget.setChecked(bool(value))
        self.widget.blockSignals(False)


class RefInput(PickerInput):
    def __init__(self, field: Field, lookup: Lookup):
        picker = RefPicker(lambda text, deliver: lookup(field.ref or "", text, deliver))
        super().__init__(field, picker, picker.picked)
        picker.textEdited.connect(lambda *_a: self.edited.emit())

    def show(self, value: Any, ref_title: str = "") -> None:
        self.widget.set_ref(value, ref_title)


def make_input(field: Field, catalog: Catalog, lookup: Lookup) -> FieldInput:
    """The input that fits `field`'s kind."""
    k = field.kind
    if k in (fs.TEXT, fs.EMAIL, fs.URL, fs.DATETIME):
        return LineInput(field)
    if k in (fs.INT, fs.DECIMAL):
        return LineInput(field, number=True)
    if k in (fs.LONGTEXT, fs.JSON, fs.URLS):
        return LongInput(field)
    if k == fs.CHOICE:
        return ChoiceInput(field, catalog)
    if k == fs.MULTI:
        return MultiInput(field, catalog)
    if k == fs.SCORE:
        return ScoreInput(field)
    if k == fs.DATE:
        return DateInput(field)
    if k == fs.BOOL:
        return BoolInput(field)
    if k == fs.REF:
        return RefInput(field, lookup)
    raise AssertionError(k)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
