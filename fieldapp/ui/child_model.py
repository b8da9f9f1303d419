"""An editable table of the child rows of one record (an organisation's contacts, a
meeting's participants, agenda, decisions, actions). Children are few, so the model
keeps them all; every cell edit is validated at once and written through the writer.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal

from fieldapp.core import fieldspec as fs
from fieldapp.core.fieldspec import ValidationError, check_value, coerce
from fieldapp.core.schema import BY_NAME, entity
from fieldapp.i18n import _
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.display import record_title, value_text
from fieldapp.ui.record_model import ID_ROLE, VALUE_ROLE

CHILD_HIDDEN_KINDS = (fs.JSON,)


class ChildTableModel(QAbstractTableModel):
    """Live children of `parent_id`; columns are the child's schema fields except the
    link to the parent (and any the screen chooses to hide)."""

    loaded = Signal()
    invalid = Signal(str, str)  # field name, message: an edit was refused

    def __init__(self, bridge: StoreBridge, entity_name: str, *, hide: tuple[str, ...] = (), parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.entity = entity(entity_name)
        assert self.entity.parent, entity_name
        self.fields = [f for f in self.entity.fields
                       if f.name != self.entity.parent and f.kind not in CHILD_HIDDEN_KINDS and f.name not in hide]
        self.parent_id: str | None = None
        self._rows: list[dict] = []
        self._titles: dict[tuple[str, str], str] = {}
        self._generation = 0
        self._reload = QTimer(self, singleShot=True, interval=50)
        self._reload.timeout.connect(self.refresh)
        bridge.changed.connect(self._on_changed)

    def set_parent_id(self, parent_id: str | None) -> None:
        self.parent_id = parent_id
        if parent_id is None:
            self._generation += 1
            self.beginResetModel()
            self._rows = []
            self.endResetModel()
            self.loaded.emit()
        else:
            self.refresh()

    def refresh(self) -> None:
        if self.parent_id is None:
            return
        self._generation += 1
        gen, store, name, pid = self._generation, self.store, self.entity.name, self.parent_id
        refs = [f for f in self.fields if f.kind == fs.REF]

        def load() -> tuple[list[dict], dict]:
            rows = store.children(name, pid)
            titles = {}
            for f in refs:
                target = BY_NAME[f.ref or ""]
                wanted = {r[f.name] for r in rows if r.get(f.name)}
                for ref_row in store.rows(target.name, wanted):
                    titles[(target.name, ref_row["id"])] = record_title(target, ref_row)
            return rows, titles

        self.bridge.read(load, lambda res: self._apply(gen, *res))

    def _apply(self, gen: int, rows: list[dict], titles: dict) -> None:
        if gen != self._generation:
            return
        self.beginResetModel()
        self._rows = rows
        self._titles = titles
        self.endResetModel()
        self.loaded.emit()

    def _on_changed(self, entity_name: str, row_id: str) -> None:
        if entity_name == self.entity.name and self.parent_id:
            self._reload.start()

    # ------------------------------------------------------------------ access
    def rows(self) -> list[dict]:
        return list(self._rows)

    def row_id(self, row: int) -> str | None:
        return self._rows[row]["id"] if 0 <= row < len(self._rows) else None

    def column_of(self, field_name: str) -> int:
        return next((i for i, f in enumerate(self.fields) if f.name == field_name), -1)

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.fields)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.fields):
            return None
        f = self.fields[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return _(f.label) + (" *" if f.required else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return _(f.help or f.label)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or not (0 <= index.column() < len(self.fields)):
            return None
        row = self._rows[index.row()]
        f = self.fields[index.column()]
        value = row.get(f.name)
        if role == ID_ROLE:
            return row["id"]
        if role in (VALUE_ROLE, Qt.ItemDataRole.EditRole):
            if role == Qt.ItemDataRole.EditRole and f.kind == fs.LONGTEXT:
                return value or ""
            return value
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            title = self._titles.get((f.ref or "", value)) if f.kind == fs.REF and value else None
            if role == Qt.ItemDataRole.ToolTipRole and f.kind == fs.LONGTEXT:
                return value
            return value_text(f, value, self.store.catalog, ref_title=title)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        f = self.fields[index.column()] if 0 <= index.column() < len(self.fields) else None
        if f is not None and f.kind not in (fs.REF, fs.MULTI, fs.URLS, fs.JSON):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Validate and write one cell; a refused value leaves the row as it was and
        says why through `invalid`."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return False
        f = self.fields[index.column()]
        try:
            clean = coerce(f, value)
        except ValueError as exc:
            self.invalid.emit(f.name, _(str(exc.args[0])).format(label=_(f.label)))
            return False
        problem = check_value(f, clean, self.store.catalog.has)
        if problem:
            self.invalid.emit(f.name, problem.message)
            return False
        row = self._rows[index.row()]
        if row.get(f.name) == clean:
            return True
        old = row.get(f.name)
        row[f.name] = clean
        self.dataChanged.emit(index, index)
        rid = row["id"]

        def failed(exc: BaseException) -> None:
            for r in self._rows:
                if r["id"] == rid:
                    r[f.name] = old
            self.refresh()
            message = exc.errors[0].message if isinstance(exc, ValidationError) and exc.errors else str(exc)
            self.invalid.emit(f.name, message)

        self.bridge.write(self.store.update, self.entity.name, rid, {f.name: clean}, on_error=failed)
        return True
