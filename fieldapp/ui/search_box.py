"""The global search box (Ctrl+K): results across practices, organisations, contacts
and meetings as you type (FTS5, on a worker thread); Enter opens the record."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from fieldapp.core.formatting import bidi_isolate
from fieldapp.core.schema import entity
from fieldapp.core.search import Hit
from fieldapp.i18n import _
from fieldapp.ui.display import language_tag

HITS = 20
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


class SearchResultsModel(QAbstractListModel):
    """The hits of the last query; the edit role keeps the typed text so that moving
    through the list never rewrites what the person typed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.hits: list[Hit] = []
        self.query = ""

    def set_hits(self, query: str, hits: list[Hit]) -> None:
        self.beginResetModel()
        self.query, self.hits = query, list(hits)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            title = f"{bidi_isolate(hit.title)} {language_tag(hit.title_language)}" if hit.title_language else hit.title
            return f"{title}  —  {_(entity(hit.entity).label)}"
        if role == Qt.ItemDataRole.EditRole:
            return self.query
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.snippet or hit.title
        if role == HIT_ROLE:
            return hit
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class SearchBox(QLineEdit):
    open_hit = Signal(str, str)  # entity, row id
    results_shown = Signal(int)  # number of hits now listed (for tests and the benchmark)

    def __init__(self, bridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.results = SearchResultsModel(self)
        self._generation = 0
        self.setPlaceholderText(_("Search everything (Ctrl+K)"))
        self.setAccessibleName(_("Search everything"))
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(320)
        self.completer_ = QCompleter(self.results, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setMaxVisibleItems(12)
        self.setCompleter(self.completer_)
        self.completer_.activated[QModelIndex].connect(self._activated)
        self.textEdited.connect(self._query)
        self.returnPressed.connect(self.open_first)

    def _query(self, text: str) -> None:
        self._generation += 1
        gen = self._generation
        if not text.strip():
            self.results.set_hits("", [])
            self.completer_.popup().hide()
            return
        store = self.bridge.store
        self.bridge.read(lambda: store.search(text, limit=HITS), lambda hits: self._show(gen, text, hits),
                         on_error=lambda _e: self._show(gen, text, []))

    def _show(self, gen: int, text: str, hits: list[Hit]) -> None:
        if gen != self._generation:
            return
        self.results.set_hits(text, hits)
        if hits and self.hasFocus():
            self.completer_.setCompletionPrefix("")
            self.completer_.complete()
            self.completer_.popup().setCurrentIndex(self.results.index(0, 0))
        elif not hits:
            self.completer_.popup().hide()
        self.results_shown.emit(len(hits))

    def _activated(self, index: QModelIndex) -> None:
        hit = self.results.data(self.completer_.completionModel().mapToSource(index), HIT_ROLE) \
            if index.model() is not self.results else self.results.data(index, HIT_ROLE)
        if hit is not None:
            self._open(hit)

    def open_first(self) -> None:
        popup = self.completer_.popup()
        current = popup.currentIndex() if popup.isVisible() else QModelIndex()
        if current.isValid():
            self._activated(current)
        elif self.results.hits:
            self._open(self.results.hits[0])

    def _open(self, hit: Hit) -> None:
        self.completer_.popup().hide()
        self.open_hit.emit(hit.entity, hit.row_id)
