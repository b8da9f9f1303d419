"""An editable table of a record's children with a quick "add" line: an
organisation's contacts inline, and the building block of the meeting capture screen."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
    QStyledItemDelegate, QStyleOptionViewItem, QTableView, QVBoxLayout, QWidget,
)

from fieldapp.core import fieldspec as fs
from fieldapp.core.reference import Catalog
from fieldapp.i18n import _, language
from fieldapp.ui import dialogs
from fieldapp.ui.child_model import ChildTableModel
from fieldapp.ui.display import choice_label, record_title
from fieldapp.ui.editor import ERROR_STYLE
from fieldapp.ui.record_model import VALUE_ROLE
from fieldapp.ui.wheel_guard import guard as guard_wheel


class ChoiceDelegate(QStyledItemDelegate):
    """Edits CHOICE cells with a list of labels (the model stores codes)."""

    def __init__(self, model: ChildTableModel, catalog: Catalog, parent=None):
        super().__init__(parent)
        self.model = model
        self.catalog = catalog

    def _options(self, f: fs.Field) -> list[tuple[str, str]]:
        if f.ref_list:
            return [(c, self.catalog.label(f.ref_list, c, language())) for c in self.catalog.codes(f.ref_list)]
        return [(c, choice_label(c)) for c in f.choices or ()]

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QWidget:
        f = self.model.fields[index.column()]
        if f.kind != fs.CHOICE:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        guard_wheel(combo)
        if not f.required:
            combo.addItem("", None)
        for code, label in self._options(f):
            combo.addItem(label, code)
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findData(index.data(VALUE_ROLE)), 0))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


class ChildPanel(QWidget):
    """Children of one record: table (edit in place), add line, remove button."""

    added = Signal(str)
    open_requested = Signal(str)  # a child's id: show it in full in its own editor (openable panels)

    def __init__(self, bridge, entity_name: str, *, quick_field: str, placeholder: str,
                 extra_values: Callable[[str], dict[str, Any]] | None = None, hide: tuple[str, ...] = (),
                 quick_line: bool = True, openable: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.model = ChildTableModel(bridge, entity_name, hide=hide, parent=self)
        self.entity = self.model.entity
        self.quick_field = quick_field
        self.extra_values = extra_values
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        add_row = QHBoxLayout()
        self.quick = QLineEdit()
        self.quick.setPlaceholderText(placeholder)
        self.quick.setAccessibleName(placeholder)
        self.add_button = QPushButton(_("Add"))
        self.remove_button = QPushButton(_("Remove"))
        self.remove_button.setAccessibleName(_("Remove selected {what}").format(what=_(self.entity.label).lower()))
        add_row.addWidget(self.quick, 1)
        add_row.addWidget(self.add_button)
        self.open_button = QPushButton(_("Open in full"))
        self.open_button.setToolTip(_("Show the selected {what} with all its fields").format(
            what=_(self.entity.label).lower()))
        self.open_button.setVisible(openable)
        self.open_button.clicked.connect(self.open_selected)
        add_row.addWidget(self.open_button)
        add_row.addWidget(self.remove_button)
        if not quick_line:  # the screen brings its own entry row
            self.quick.hide()
            self.add_button.hide()
            add_row.insertStretch(0, 1)
        layout.addLayout(add_row)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(ChoiceDelegate(self.model, self.store.catalog, self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setDefaultSectionSize(140)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.setAccessibleName(_(self.entity.plural))
        self.view.setMinimumHeight(120)
        layout.addWidget(self.view, 1)
        self.quick.returnPressed.connect(self.add_from_line)
        self.add_button.clicked.connect(self.add_from_line)
        self.remove_button.clicked.connect(self.remove_selected)
        self.model.invalid.connect(lambda _f, msg: self._say(msg))
        self.model.loaded.connect(self._resize)
        self.set_parent_id(None)

    def _resize(self) -> None:
        for col, f in enumerate(self.model.fields):
            if f.kind in (fs.INT, fs.SCORE, fs.BOOL):
                self.view.setColumnWidth(col, 70)
        col = self.model.column_of(self.quick_field)
        if col >= 0:
            self.view.setColumnWidth(col, 220)

    def set_parent_id(self, parent_id: str | None) -> None:
        self.model.set_parent_id(parent_id)
        for w in (self.quick, self.add_button, self.remove_button, self.open_button, self.view):
            w.setEnabled(parent_id is not None)
        self._say(None)

    def _say(self, message: str | None) -> None:
        self.message.setText(message or "")
        self.message.setVisible(bool(message))

    def add_from_line(self) -> None:
        text = self.quick.text().strip()
        if not text or self.model.parent_id is None:
            return
        values = {self.entity.parent: self.model.parent_id, self.quick_field: text}
        if self.extra_values:
            values |= {k: v for k, v in self.extra_values(text).items() if v not in (None, "", [])}
        self.add(values)
        self.quick.clear()

    def add(self, values: dict[str, Any]) -> None:
        """Create a child row (on the writer thread); a refusal is shown above the table."""
        def failed(exc: BaseException) -> None:
            self._say(str(exc))

        self._say(None)
        self.bridge.write(self.store.insert, self.entity.name, values, on_done=self.added.emit, on_error=failed)

    def open_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows() or (
            [self.view.currentIndex()] if self.view.currentIndex().isValid() else [])
        rid = self.model.row_id(rows[0].row()) if rows else None
        if rid is not None:
            self.open_requested.emit(rid)

    def remove_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return
        rid = self.model.row_id(rows[0].row())
        row = next((r for r in self.model.rows() if r["id"] == rid), None)
        if rid is None or row is None:
            return
        if not dialogs.confirm(self, _("Remove {what}").format(what=_(self.entity.label).lower()),
                               _("Remove “{title}”?").format(title=record_title(self.entity, row)), action=_("Remove")):
            return
        self.bridge.write(self.store.delete, self.entity.name, rid)
