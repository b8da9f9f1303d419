"""The list behind every big table: it holds only the ordered row ids (sorted and
filtered in SQL, on a worker thread) and fetches the rows a view actually paints, a
page at a time, into a small cache. 100 000 practices cost 100 000 short strings.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, Mapping

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

from fieldapp.core import fieldspec as fs
from fieldapp.core import formatting, translations
from fieldapp.core.schema import BY_NAME, entity
from fieldapp.core.store import Order
from fieldapp.i18n import _
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.display import field_text, left_to_right, list_fields, record_title, value_text

log = logging.getLogger(__name__)
PAGE = 100
FIRST_SCREEN = 200  # ids fetched first, so a huge list shows before its full id list arrives
CACHE_ROWS = 3000
UNSORTABLE_KINDS = (fs.REF, fs.MULTI, fs.URLS, fs.JSON)
ID_ROLE = Qt.ItemDataRole.UserRole + 1
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2
PENDING_MARK = "●"


def ref_titles(store, fields: list[fs.Field], rows: list[dict], known: Mapping) -> dict[tuple[str, str], str]:
    """Titles of the records `rows` point at (one query per target entity), for the
    cells of REF columns; safe to call on a worker thread."""
    found: dict[tuple[str, str], str] = {}
    for f in fields:
        if f.kind != fs.REF:
            continue
        target = BY_NAME[f.ref or ""]
        missing = {r[f.name] for r in rows if r.get(f.name) and (target.name, r[f.name]) not in known}
        if missing:
            for ref_row in store.rows(target.name, missing):
                found[(target.name, ref_row["id"])] = record_title(target, ref_row)
    return found


class RecordTableModel(QAbstractTableModel):
    """Rows of one entity; column 0 marks rows changed since the last sync, the other
    columns are the entity's list fields from the schema, translatable ones in the
    reader's language; entities with translations end with the languages each record
    exists in (core/translations.py)."""

    loaded = Signal()  # ids arrived: the first screen, then the complete list (see `partial`)
    failed = Signal(str)  # the query kept failing (reason)
    sort_refused = Signal()  # a header whose values have no useful order was clicked

    def __init__(self, bridge: StoreBridge, entity_name: str, parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.entity = entity(entity_name)
        self.fields = list_fields(self.entity)
        self.languages_column = len(self.fields) + 1 if self.entity.translated else -1
        self.filters: dict[str, Any] = {}
        self.text_query: str | None = None
        self.order: Order | None = None
        self._ids: list[str] = []
        self._row_of: dict[str, int] | None = None
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self._titles: dict[tuple[str, str], str] = {}
        self._pending: set[str] = set()
        self._generation = 0
        self._change_serial = 0
        self._failures = 0
        self._complete_generation = -1
        self.partial = False  # only the first screen of ids is in
        self.active = False  # set by activate(): the list is on screen
        self.shown_generation = -1  # the query whose rows are on screen (first screen or all)
        self._requery = QTimer(self, singleShot=True, interval=250)
        self._requery.timeout.connect(self.refresh)
        bridge.changed.connect(self._on_changed)

    # ------------------------------------------------------------------ querying
    def set_query(self, filters: Mapping[str, Any] | None = None, text_query: str | None = None) -> None:
        self.filters = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
        self.text_query = text_query or None
        self.refresh()

    def activate(self) -> None:
        """Start querying (a list nobody has looked at yet costs nothing)."""
        if not self.active:
            self.active = True
            self.refresh()

    def refresh(self) -> None:
        """Re-run the query on worker threads; the newest answer wins. The first screen
        of ids comes from a LIMIT query (milliseconds), the whole ordered id list
        follows and extends the rows already shown, so a 100 000-row list opens at once."""
        if not self.active:
            return
        self._generation += 1
        gen = self._generation
        name, filters, text_query, order = self.entity.name, dict(self.filters), self.text_query, self.order
        store = self.store

        fields = self.fields
        serial = self._change_serial

        def first_screen() -> tuple[list[str], list[dict], dict]:
            ids = store.ids(name, filters, text_query=text_query, order=order, limit=FIRST_SCREEN)
            rows = store.rows(name, ids[:PAGE])  # the first page comes with it: painting it reads no disk
            return ids, rows, ref_titles(store, fields, rows, {})

        def everything() -> tuple[list[str], set[str], list[dict], dict]:
            ids = store.ids(name, filters, text_query=text_query, order=order)
            rows = store.rows(name, ids[:PAGE])
            return ids, store.pending_ids(name), rows, ref_titles(store, fields, rows, {})

        self.bridge.read(first_screen, lambda res: self._apply_first(gen, serial, *res), self._read_failed)
        self.bridge.read(everything, lambda res: self._apply(gen, serial, *res), self._read_failed)

    def _read_failed(self, exc: BaseException) -> None:
        """A query failed (most often SQLite busy while a sync writes a large page):
        ask again shortly, a few times, then leave the list as it is and say so."""
        self._failures += 1
        log.warning("%s list query failed (%s): %s", self.entity.name, self._failures, exc)
        if self._failures <= 3:
            self._requery.start()
        else:
            self._failures = 0
            self.failed.emit(str(exc))

    def _prefetched(self, serial: int, rows: list[dict], titles: dict) -> None:
        """Cache rows read with a query, unless a write landed since (they may be stale)."""
        self._titles.update(titles)
        if serial != self._change_serial:
            return
        for r in rows:
            self._cache.setdefault(r["id"], r)

    def _apply_first(self, gen: int, serial: int, ids: list[str], rows: list[dict], titles: dict) -> None:
        if gen != self._generation or self._complete_generation == gen or len(ids) < FIRST_SCREEN:
            return  # stale, already complete, or small enough that the full answer is as quick
        if self._ids[:len(ids)] == ids:
            self.shown_generation = gen
            return  # what is on screen already starts this way (a refresh after an edit)
        self._prefetched(serial, rows, titles)
        self.beginResetModel()
        self._ids = ids
        self._row_of = None
        self.endResetModel()
        self.partial = True
        self.shown_generation = gen
        self.loaded.emit()

    def _apply(self, gen: int, serial: int, ids: list[str], pending: set[str], rows: list[dict], titles: dict) -> None:
        if gen != self._generation:
            return
        self._complete_generation = gen
        self._failures = 0
        self._prefetched(serial, rows, titles)
        if ids == self._ids:
            if pending != self._pending:
                self._pending = pending
                if self._ids:
                    self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, 0))
        elif self.partial and len(ids) > len(self._ids) and ids[:len(self._ids)] == self._ids:
            shown = len(self._ids)
            self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
            self._ids = ids
            self._row_of = None
            self.endInsertRows()
            if pending != self._pending:  # marks of the rows shown before change apart
                self._pending = pending
                self.dataChanged.emit(self.index(0, 0), self.index(shown - 1, 0))
        else:
            self.beginResetModel()
            self._ids = ids
            self._row_of = None
            self._pending = pending
            self.endResetModel()
        self.partial = False
        self.shown_generation = gen
        self.loaded.emit()

    @property
    def is_loaded(self) -> bool:
        """The complete answer to the latest query is in (not just its first screen)."""
        return self._complete_generation == self._generation and not self._requery.isActive()

    # ------------------------------------------------------------------ ids
    def ids(self) -> list[str]:
        return list(self._ids)

    def row_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, row_id: str) -> int:
        if self._row_of is None:
            self._row_of = {rid: i for i, rid in enumerate(self._ids)}
        return self._row_of.get(row_id, -1)

    # ------------------------------------------------------------------ lazy rows
    def record(self, row: int) -> dict | None:
        rid = self.row_id(row)
        if rid is None:
            return None
        cached = self._cache.get(rid)
        if cached is not None:
            return cached
        self._fetch_page(row)
        return self._cache.get(rid)

    def _fetch_page(self, row: int) -> None:
        start = row - row % PAGE
        wanted = [i for i in self._ids[start:start + PAGE] if i not in self._cache]
        # A page the person scrolls to is read here, on the UI thread, as Anki's browser
        # does: 100 rows by primary key take a few milliseconds, and a placeholder that
        # fills in later would flicker on every scroll.
        rows = self.store.rows(self.entity.name, wanted)
        self._titles.update(ref_titles(self.store, self.fields, rows, self._titles))
        for r in rows:
            self._cache[r["id"]] = r
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.fields) + (2 if self.entity.translated else 1)

    def field_at(self, column: int) -> fs.Field | None:
        return self.fields[column - 1] if 1 <= column <= len(self.fields) else None

    def column_of(self, field_name: str) -> int:
        for i, f in enumerate(self.fields):
            if f.name == field_name:
                return i + 1
        return -1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        f = self.field_at(section)
        if section == self.languages_column:
            if role == Qt.ItemDataRole.DisplayRole:
                return _("Languages")
            if role == Qt.ItemDataRole.ToolTipRole:
                return _("The original language first; lower case: partial translation; {mark}: older than the "
                         "original's last change").format(mark=translations.STALE_MARK)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(f.label) if f else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return _(f.help or f.label) if f else _("Changed since the last sync")
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        rid = self._ids[index.row()]
        col = index.column()
        if role == ID_ROLE:
            return rid
        if col == 0:
            pending = rid in self._pending
            if role == Qt.ItemDataRole.DisplayRole:
                return PENDING_MARK if pending else ""
            if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
                return _("Changed since the last sync") if pending else _("Synced")
            if role == Qt.ItemDataRole.ForegroundRole and pending:
                return QBrush(QColor("#d08a00"))
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
            return None
        if col == self.languages_column and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            row = self.record(index.row())
            if row is None:
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return left_to_right(translations.languages_text(self.entity, row))
            return translations.languages_tooltip(self.entity, row, formatting.language_name)
        f = self.field_at(col)
        if f is None:
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, VALUE_ROLE,
                        Qt.ItemDataRole.TextAlignmentRole):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if f.kind in (fs.INT, fs.DECIMAL, fs.SCORE):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        row = self.record(index.row())
        if row is None:
            return None
        value = row.get(f.name)
        if role == VALUE_ROLE:
            return value
        if f.translatable:
            text, tip = field_text(self.entity, row, f, self.store.catalog)
            return tip or text if role == Qt.ItemDataRole.ToolTipRole else text
        title = self._titles.get((f.ref or "", value)) if f.kind == fs.REF and value else None
        return value_text(f, value, self.store.catalog, ref_title=title)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting re-queries SQL (indexes do the work), never sorts in Python."""
        f = self.field_at(column)
        if column == self.languages_column or (f is not None and f.kind in UNSORTABLE_KINDS):
            self.sort_refused.emit()  # a record id or a JSON list has no order a person would expect
            return
        name = f.name if f else "updated_at"
        self.order = Order(name, order == Qt.SortOrder.DescendingOrder)
        self.refresh()

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        """The column and direction of the order in force (for the header's arrow)."""
        name = self.order.field if self.order else (self.entity.order_by or self.entity.title)
        descending = bool(self.order and self.order.descending)
        col = self.column_of(name) if name != "updated_at" else 0
        return max(col, 0), Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder

    # ------------------------------------------------------------------ changes
    def _on_changed(self, entity_name: str, row_id: str) -> None:
        self._change_serial += 1
        if entity_name == self.entity.name:
            self._cache.pop(row_id, None)
            self._pending.add(row_id)
            row = self.row_of(row_id)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
            self._requery.start()  # order, filter or membership may have changed
        else:
            for key in [k for k in self._titles if k == (entity_name, row_id)]:
                del self._titles[key]
