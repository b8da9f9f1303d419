"""The pickers editors are built from: searchable code lists (countries by localised
name, climate zones, soil groups), tags for multi-choice fields, an optional date with
a calendar, a WOCAT score, and a record picker with completion."""
from __future__ import annotations

import unicodedata
from typing import Any, Callable, Iterable

from PySide6.QtCore import QDate, QEvent, QRect, QSize, QPoint, Qt, QTimer, Signal, QModelIndex
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox, QCompleter, QDateEdit, QHBoxLayout, QLayout, QLayoutItem, QLineEdit, QPlainTextEdit, QToolButton,
    QWidget,
)

from fieldapp.i18n import N_, _
from fieldapp.ui.i18n_qt import sort_key
from fieldapp.ui.wheel_guard import guard as guard_wheel


def fold(text: str) -> str:
    """Case- and accent-free form for sorting and matching ('Côte' ~ 'cote')."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


class CodeCombo(QComboBox):
    """Pick one code by its label; typing filters the list (contains, accents ignored
    by the completer's case folding). Empty means no value."""

    picked = Signal()

    def __init__(self, options: Iterable[tuple[str, str]], *, sort: bool = False, editable: bool = True,
                 empty_text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        opts = list(options)
        if sort:  # in the reading order of the language in force (QCollator)
            key = sort_key()
            opts.sort(key=lambda o: key(o[1]))
        self.setEditable(editable)
        self.addItem(empty_text, None)
        for code, label in opts:
            self.addItem(label, code)
        self.setMaxVisibleItems(15)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(14)
        if editable:
            self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = QCompleter(self.model(), self)
            completer.setCompletionColumn(0)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            self.setCompleter(completer)
            completer.activated.connect(lambda _text: QTimer.singleShot(0, self.picked.emit))
            self.lineEdit().editingFinished.connect(self.picked.emit)
            self.lineEdit().setPlaceholderText(_("Type to search…"))
        self.activated.connect(lambda _i: self.picked.emit())
        guard_wheel(self)

    def raw(self) -> Any:
        """The chosen code; typed text that names no option comes back as typed, so that
        validation can say it is not allowed."""
        text = self.currentText().strip()
        if not text:
            return None
        idx = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if idx >= 0:
            return self.itemData(idx)
        return text

    def set_code(self, code: str | None) -> None:
        idx = self.findData(code) if code is not None else 0
        if idx < 0:  # a code this catalog lacks (newer reference data): show it as is
            self.addItem(code or "", code)
            idx = self.count() - 1
        self.setCurrentIndex(idx)


class ScoreCombo(QComboBox):
    """A WOCAT impact score, -3 (very negative) to +3 (very positive), or none."""

    picked = Signal()
    WORDS = {
        -3: N_("very negative"), -2: N_("negative"), -1: N_("slightly negative"), 0: N_("no change"),
        1: N_("slightly positive"), 2: N_("positive"), 3: N_("very positive"),
    }

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.addItem(_("Not assessed"), None)
        for v in range(-3, 4):
            self.addItem(f"{v:+d}  {_(self.WORDS[v])}" if v else f"0  {_(self.WORDS[v])}", v)
        self.activated.connect(lambda _i: self.picked.emit())
        guard_wheel(self)

    def raw(self) -> Any:
        return self.currentData()

    def set_score(self, value: int | None) -> None:
        idx = self.findData(value) if value is not None else 0
        self.setCurrentIndex(max(idx, 0))


class OptionalDateEdit(QWidget):
    """A date with a calendar popup, which may be empty (a QDateEdit cannot)."""

    picked = Signal()
    EMPTY = QDate(1900, 1, 1)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QDateEdit(self)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setMinimumDate(self.EMPTY)
        self.edit.setSpecialValueText(_("No date"))
        self.edit.setDate(self.EMPTY)
        self.edit.calendarWidget().installEventFilter(self)
        guard_wheel(self.edit)
        self.clear_button = QToolButton(self)
        self.clear_button.setText("✕")
        self.clear_button.setAccessibleName(_("Clear date"))
        self.clear_button.setToolTip(_("Clear date"))
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.clear_button)
        self.setFocusProxy(self.edit)
        self._debounce = QTimer(self, singleShot=True, interval=600)
        self._debounce.timeout.connect(self.picked.emit)
        self.edit.dateChanged.connect(lambda _d: self._debounce.start())
        self.edit.editingFinished.connect(self._finish)
        self.edit.calendarWidget().clicked.connect(lambda _d: QTimer.singleShot(0, self._finish))
        self.clear_button.clicked.connect(self.clear)

    def _finish(self) -> None:
        self._debounce.stop()
        self.picked.emit()

    def clear(self) -> None:
        self.edit.setDate(self.EMPTY)
        self._finish()

    def raw(self) -> str | None:
        d = self.edit.date()
        return None if d == self.EMPTY else d.toString(Qt.DateFormat.ISODate)

    def set_iso(self, value: str | None) -> None:
        self.edit.blockSignals(True)
        if value:
            d = QDate.fromString(value, Qt.DateFormat.ISODate)
            self.edit.setDate(d if d.isValid() else self.EMPTY)
        else:
            self.edit.setDate(self.EMPTY)
        self.edit.blockSignals(False)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        # An empty date opens the calendar on this month, not on the 1900 sentinel.
        if event.type() == QEvent.Type.Show and self.edit.date() == self.EMPTY:
            today = QDate.currentDate()
            QTimer.singleShot(0, lambda: self.edit.calendarWidget().setCurrentPage(today.year(), today.month()))
        return False


class FlowLayout(QLayout):
    """Lays widgets out left to right, wrapping like words (for tags)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, i: int) -> QLayoutItem | None:
        return self._items[i] if 0 <= i < len(self._items) else None

    def takeAt(self, i: int) -> QLayoutItem | None:
        return self._items.pop(i) if 0 <= i < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        space = self.spacing()
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line > 0:
                x, y, line = rect.x(), y + line + space, 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + space
            line = max(line, hint.height())
        return y + line - rect.y()


class TagPicker(QWidget):
    """Several codes as removable tags, plus a searchable list to add one."""

    picked = Signal()

    def __init__(self, options: Iterable[tuple[str, str]], *, sort: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.options = list(options)
        self.labels = dict(self.options)
        self._codes: list[str] = []
        self.flow = FlowLayout(self)
        self.adder = CodeCombo(self.options, sort=sort, empty_text="")
        self.adder.lineEdit().setPlaceholderText(_("Add…"))
        self.adder.setAccessibleName(_("Add a value"))
        self.adder.picked.connect(self._add_from_combo)
        self._tags: list[QToolButton] = []
        self._rebuild()

    def _add_from_combo(self) -> None:
        code = self.adder.raw()
        if code is None or code not in self.labels:
            return
        self.adder.setCurrentIndex(0)
        self.adder.clearEditText()
        if code not in self._codes:
            self._codes.append(code)
            self._rebuild()
            self.picked.emit()

    def remove(self, code: str) -> None:
        if code in self._codes:
            self._codes.remove(code)
            self._rebuild()
            self.picked.emit()

    def _tag_clicked(self) -> None:
        tag = self.sender()
        if tag is not None:
            self.remove(tag.property("code"))

    def _rebuild(self) -> None:
        focus = self.adder.hasFocus() or self.adder.lineEdit().hasFocus()
        for tag in self._tags:
            self.flow.removeWidget(tag)
            tag.deleteLater()
        self._tags = []
        self.flow.removeWidget(self.adder)
        for code in self._codes:
            label = self.labels.get(code, code)
            tag = QToolButton(self)
            tag.setText(f"{label}  ✕")
            tag.setAccessibleName(_("Remove {value}").format(value=label))
            tag.setToolTip(_("Remove {value}").format(value=label))
            tag.setAutoRaise(False)
            tag.setStyleSheet("QToolButton { border-radius: 9px; padding: 2px 8px; }")
            tag.setProperty("code", code)
            # One bound slot for every tag, not a lambda each: PySide kept each deleted
            # tag's lambda alive (a leak of a few references per record shown).
            tag.clicked.connect(self._tag_clicked)
            self.flow.addWidget(tag)
            self._tags.append(tag)
        self.flow.addWidget(self.adder)
        self.updateGeometry()
        if focus:
            self.adder.setFocus()

    def raw(self) -> list[str]:
        return list(self._codes)

    def set_codes(self, codes: list[str] | None) -> None:
        self._codes = list(codes or [])
        for code in self._codes:
            self.labels.setdefault(code, code)
        self._rebuild()


class LongTextEdit(QPlainTextEdit):
    """Paragraphs; commits when focus leaves and after a pause in typing, so nothing
    typed waits on a Save button."""

    editingFinished = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setMinimumHeight(60)
        self.setMaximumHeight(96)
        self._idle = QTimer(self, singleShot=True, interval=1500)
        self._idle.timeout.connect(self.editingFinished.emit)
        self.textChanged.connect(self._idle.start)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().focusOutEvent(event)
        self._idle.stop()
        self.editingFinished.emit()

    def set_text(self, text: str) -> None:
        self.blockSignals(True)
        self.setPlainText(text)
        self.blockSignals(False)


class RefPicker(QLineEdit):
    """Pick another record by typing part of its name (results from `lookup`, run off
    the UI thread by the caller's `start_lookup`)."""

    picked = Signal()

    def __init__(self, lookup: Callable[[str, Callable[[list[tuple[str, str]]], None]], None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._lookup = lookup
        self._id: str | None = None
        self._title = ""
        self.choices = QStandardItemModel(self)
        self.completer_ = QCompleter(self.choices, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(self.completer_)
        self.completer_.activated[QModelIndex].connect(self._chosen)
        self.setPlaceholderText(_("Type to search…"))
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self._ask)
        self.textEdited.connect(lambda _t: self._timer.start())
        self.editingFinished.connect(self._finished)

    def _ask(self) -> None:
        text = self.text().strip()
        self._lookup(text, self._offer)

    def _offer(self, hits: list[tuple[str, str]]) -> None:
        self.choices.clear()
        for rid, title in hits:
            item = QStandardItem(title)
            item.setData(rid, Qt.ItemDataRole.UserRole)
            self.choices.appendRow(item)
        if hits and self.hasFocus():
            self.completer_.complete()

    def _chosen(self, index: QModelIndex) -> None:
        self._id = index.data(Qt.ItemDataRole.UserRole)
        self._title = index.data(Qt.ItemDataRole.DisplayRole) or ""
        self.setText(self._title)
        self.picked.emit()

    def _finished(self) -> None:
        if not self.text().strip() and self._id is not None:
            self._id, self._title = None, ""
        self.picked.emit()

    def raw(self) -> str | None:
        """The picked id; text that names no picked record is returned as typed, which
        validation refuses with a message."""
        if self._id is not None and self.text().strip() == self._title.strip():
            return self._id
        return self.text().strip() or None

    def set_ref(self, row_id: str | None, title: str) -> None:
        self._id, self._title = row_id, title if row_id else ""
        self.setText(self._title)
        self.setCursorPosition(0)
