"""The rows a form page is made of: a heading per group, a repeat with its "Add"
button, an instance with its "Remove" button, and a question (label, hint, input and
the message beside it). Rows are keyed by path and reused while a page is shown, so a
question being typed in keeps its widget (and the cursor) when others appear or vanish.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from fieldapp.forms.definition import NOTE
from fieldapp.forms.form_state import Item
from fieldapp.i18n import _
from fieldapp.ui.question_inputs import QuestionInput, make_question_input

ERROR_STYLE = "color: #c62828;"
HINT_STYLE = "color: palette(placeholder-text);"
INDENT = 18


def _plain(text: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # labels come from spreadsheets: never markup
    label.setWordWrap(wrap)
    return label


class Row(QFrame):
    """Base of every row: the item it shows, indented by its depth."""

    def __init__(self, item: Item, parent: QWidget | None = None):
        super().__init__(parent)
        self.item = item
        self.path = item.path
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(item.depth * INDENT, 4, 0, 4)
        self.layout_.setSpacing(3)

    def update_item(self, item: Item) -> None:
        self.item = item

    def set_read_only(self, on: bool) -> None:
        pass


class HeadingRow(Row):
    """A nested group's heading (top-level groups are pages, titled by the page)."""

    def __init__(self, item: Item):
        super().__init__(item)
        self.title = _plain(item.label)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.hint = _plain(item.hint)
        self.hint.setStyleSheet(HINT_STYLE)
        self.layout_.addWidget(self.title)
        self.layout_.addWidget(self.hint)
        self.update_item(item)

    def update_item(self, item: Item) -> None:
        self.item = item
        self.title.setText(item.label)
        self.title.setVisible(bool(item.label))
        self.hint.setText(item.hint)
        self.hint.setVisible(bool(item.hint))


class RepeatRow(HeadingRow):
    """A repeat: its label, how many entries, and a button to add one."""

    add_clicked = Signal(str)

    def __init__(self, item: Item):
        super().__init__(item)
        self.add = QPushButton()
        self.count = _plain()
        self.count.setStyleSheet(HINT_STYLE)
        self.layout_.addWidget(self.count)
        bar = QHBoxLayout()
        bar.addWidget(self.add)
        bar.addStretch(1)
        self.layout_.addLayout(bar)
        self.add.clicked.connect(lambda: self.add_clicked.emit(self.path))
        self.update_item(item)

    def update_item(self, item: Item) -> None:
        super().update_item(item)
        if hasattr(self, "count"):  # not yet while HeadingRow.__init__ runs
            self.add.setText(_("Add an entry to {label}").format(label=item.label) if item.label
                             else _("Add an entry"))
            self.count.setText(_("No entry yet.") if not item.count else "")
            self.count.setVisible(not item.count)

    def set_read_only(self, on: bool) -> None:
        self.add.setVisible(not on)


class InstanceRow(Row):
    """One entry of a repeat ("Partners 2") with a button that removes it."""

    remove_clicked = Signal(str)

    def __init__(self, item: Item):
        super().__init__(item)
        self.setFrameShape(QFrame.Shape.NoFrame)
        bar = QHBoxLayout()
        self.title = _plain(item.label, wrap=False)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.remove = QPushButton(_("Remove"))
        self.remove.setAccessibleName(_("Remove {entry}").format(entry=item.label))
        bar.addWidget(self.title)
        bar.addStretch(1)
        bar.addWidget(self.remove)
        self.layout_.addLayout(bar)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self.layout_.addWidget(line)
        self.remove.clicked.connect(lambda: self.remove_clicked.emit(self.path))

    def update_item(self, item: Item) -> None:
        self.item = item
        self.title.setText(item.label)
        self.remove.setAccessibleName(_("Remove {entry}").format(entry=item.label))

    def set_read_only(self, on: bool) -> None:
        self.remove.setVisible(not on)


class QuestionRow(Row):
    """Label (with * when required), hint, the input, and the message beside it."""

    def __init__(self, item: Item, choices: list[tuple[str, str]] | None = None):
        super().__init__(item)
        self.label = _plain()
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hint = _plain()
        self.hint.setStyleSheet(HINT_STYLE)
        self.input: QuestionInput = make_question_input(item, choices)
        self.message = _plain()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        self.message.setAccessibleName(_("Problem with {label}").format(label=item.label))
        self.layout_.addWidget(self.label)
        self.layout_.addWidget(self.hint)
        if item.type != NOTE:
            self.layout_.addWidget(self.input)
            self.layout_.addWidget(self.message)
            self.label.setBuddy(self.input.focus_target())
        else:
            self.input.setVisible(False)
            self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._form_read_only = False
        self.update_item(item)

    def update_item(self, item: Item) -> None:
        self.item = item
        text = item.label or item.name
        if item.required and item.type != NOTE:
            text += " *"
        if self.label.text() != text:
            self.label.setText(text)
        if item.type == NOTE:
            font = self.label.font()
            font.setItalic(True)
            self.label.setFont(font)
        self.hint.setText(item.hint)
        self.hint.setVisible(bool(item.hint))
        self.input.set_read_only(self._form_read_only or item.read_only)

    def set_read_only(self, on: bool) -> None:
        self._form_read_only = on
        self.input.set_read_only(on or self.item.read_only)

    def set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_value(self, item: Item) -> None:
        self.input.show(item.value, item.raw)


def make_row(item: Item, choices: list[tuple[str, str]] | None = None) -> Row:
    if item.kind == "question":
        return QuestionRow(item, choices)
    if item.kind == "repeat":
        return RepeatRow(item)
    if item.kind == "instance":
        return InstanceRow(item)
    return HeadingRow(item)
