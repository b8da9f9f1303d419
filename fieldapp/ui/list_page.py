"""A list of one entity (lazy table, SQL sort and filters) beside the editor of the
selected record."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSplitter, QTableView,
    QVBoxLayout, QWidget,
)

from fieldapp.core import fieldspec as fs
from fieldapp.core.search import SEARCHED_NAMES
from fieldapp.i18n import _, language, ngettext
from fieldapp.ui.display import choice_label, number_text
from fieldapp.ui.editor import RecordEditor
from fieldapp.ui.pickers import CodeCombo, FlowLayout, OptionalDateEdit
from fieldapp.ui.record_model import RecordTableModel

# Which fields each list offers as filters (a choice of the screen, the widgets and
# values come from the schema's field definitions).
FILTERS: dict[str, tuple[str, ...]] = {
    "practice": ("family", "country", "climate_zone", "review_status"),
    "organisation": ("org_type", "college", "region", "membership"),
    "contact": ("country", "gender"),
    "project": ("status", "country", "region"),
    "form_submission": ("status", "review_state"),
    "meeting": ("starts_on", "meeting_type", "region"),
}


class RecordView(QTableView):
    """The table of a list; the Delete key asks to delete the current record (a key
    handler, not a shortcut: seven lists with one Delete shortcut each would be
    ambiguous to Qt's shortcut map)."""

    delete_requested = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.matches(QKeySequence.StandardKey.Delete) and self.currentIndex().isValid():
            self.delete_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class ListPage(QWidget):
    """Table + filters + editor for one entity."""

    open_capture = Signal(str)  # meetings: the capture screen for this meeting

    def __init__(self, bridge, entity_name: str, *, read_only: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.model = RecordTableModel(bridge, entity_name, self)
        self.entity = self.model.entity
        self.read_only = read_only or self.entity.admin_only
        self.filter_widgets: dict[str, Any] = {}
        self._want_selected: str | None = None
        self._build()
        self.model.loaded.connect(self._after_load)
        self.model.sort_refused.connect(self._restore_sort_arrow)
        self.model.failed.connect(lambda reason: self.count_label.setText(_("Could not read the list: {reason}").format(reason=reason)))
        self.editor.created.connect(self._on_created)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)

        bar = QHBoxLayout()
        self.title = QLabel(_(self.entity.plural))
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.count_label = QLabel()
        self.new_button = QPushButton(_("New {what}").format(what=_(self.entity.label).lower()))
        self.new_button.setToolTip(_("Create a record (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_record)
        self.new_button.setVisible(not self.read_only)
        bar.addWidget(self.title)
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        bar.addWidget(self.new_button)
        left_layout.addLayout(bar)

        filters = QWidget()
        flow = FlowLayout(filters, spacing=6)
        self.text_filter: QLineEdit | None = None
        if self.entity.name in SEARCHED_NAMES:
            self.text_filter = QLineEdit()
            self.text_filter.setPlaceholderText(_("Filter by words…"))
            self.text_filter.setAccessibleName(_("Filter {what} by words").format(what=_(self.entity.plural).lower()))
            self.text_filter.setClearButtonEnabled(True)
            self.text_filter.setMinimumWidth(180)
            self._text_timer = QTimer(self, singleShot=True, interval=200)
            self._text_timer.timeout.connect(self.apply_filters)
            self.text_filter.textChanged.connect(lambda _t: self._text_timer.start())
            flow.addWidget(self.text_filter)
        for name in FILTERS.get(self.entity.name, ()):
            f = self.entity.field(name)
            if f.kind == fs.DATE:
                for suffix, words in (("gte", _("{label} from")), ("lte", _("{label} until"))):
                    box = QWidget()
                    row = QHBoxLayout(box)
                    row.setContentsMargins(0, 0, 0, 0)
                    label = QLabel(words.format(label=_(f.label)))
                    edit = OptionalDateEdit()
                    edit.edit.setAccessibleName(label.text())
                    label.setBuddy(edit.edit)
                    row.addWidget(label)
                    row.addWidget(edit)
                    edit.picked.connect(self.apply_filters)
                    self.filter_widgets[f"{name}__{suffix}"] = edit
                    flow.addWidget(box)
            else:
                combo = self._filter_combo(f)
                combo.picked.connect(self.apply_filters)
                self.filter_widgets[name] = combo
                flow.addWidget(combo)
        left_layout.addWidget(filters)

        self.view = RecordView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(_(self.entity.plural))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = self.view.verticalHeader()
        vh.hide()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setDefaultSectionSize(130)
        hh.setHighlightSections(False)
        hh.resizeSection(0, 26)
        metrics = hh.fontMetrics()
        for col in range(1, self.model.columnCount()):
            label = str(self.model.headerData(col, Qt.Orientation.Horizontal) or "")
            hh.resizeSection(col, max(90, min(240, metrics.horizontalAdvance(label) + 28)))
        title_col = self.model.column_of(self.entity.title)
        if title_col >= 0:
            hh.resizeSection(title_col, 280)
        sort_col = self.model.column_of(self.entity.order_by or self.entity.title)
        hh.setSortIndicator(max(sort_col, 1), Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)  # runs the first query, sorted in SQL
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        left_layout.addWidget(self.view, 1)

        self.editor = RecordEditor(self.bridge, self.entity.name, read_only=self.read_only)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([560, 600])
        self.editor.setMinimumWidth(440)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter)

        self.new_action = QAction(_("New"), self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_action.triggered.connect(self.new_record)
        self.new_action.setEnabled(not self.read_only)
        self.addAction(self.new_action)
        self.view.delete_requested.connect(self.editor.delete_record)
        if self.text_filter is not None:
            find = QAction(_("Filter"), self)
            find.setShortcut(QKeySequence.StandardKey.Find)
            find.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            find.triggered.connect(lambda: self.text_filter.setFocus())
            self.addAction(find)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.model.activate()

    def _restore_sort_arrow(self) -> None:
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(*self.model.sort_column())
        header.blockSignals(False)

    def _filter_combo(self, f: fs.Field) -> CodeCombo:
        lang = language()
        if f.ref_list:
            options = [(c, self.store.catalog.label(f.ref_list, c, lang)) for c in self.store.catalog.codes(f.ref_list)]
        else:
            options = [(c, choice_label(c)) for c in f.choices or ()]
        combo = CodeCombo(options, sort=f.ref_list == "country", editable=bool(f.ref_list),
                          empty_text="" if f.ref_list else _("{label}: all").format(label=_(f.label)))
        combo.setAccessibleName(_("Filter by {label}").format(label=_(f.label)))
        combo.setToolTip(_("Filter by {label}").format(label=_(f.label)))
        if combo.isEditable():
            combo.lineEdit().setPlaceholderText(_(f.label))
        if combo.isEditable():
            combo.setMinimumContentsLength(12)
        else:
            combo.setSizeAdjustPolicy(combo.SizeAdjustPolicy.AdjustToContents)
        return combo

    # ------------------------------------------------------------------ filters
    def current_filters(self) -> dict[str, Any]:
        filters: dict[str, Any] = {}
        for key, widget in self.filter_widgets.items():
            value = widget.raw()
            if value is not None:
                filters[key] = value
        return filters

    def set_filter(self, key: str, value: Any) -> None:
        """Set one filter as a person would (used by tests and links)."""
        widget = self.filter_widgets[key]
        if isinstance(widget, OptionalDateEdit):
            widget.set_iso(value)
        else:
            widget.set_code(value)
        self.apply_filters()

    def apply_filters(self) -> None:
        text = self.text_filter.text().strip() if self.text_filter is not None else None
        self.model.activate()
        self.model.set_query(self.current_filters(), text or None)

    # ------------------------------------------------------------------ records
    def _after_load(self) -> None:
        n = self.model.rowCount()
        if self.model.partial:
            self.count_label.setText(_("{n}+ records, counting…").format(n=number_text(n)))
        else:
            self.count_label.setText(ngettext("{n} record", "{n} records", n).format(n=number_text(n)))
        wanted = self._want_selected or self.editor.row_id
        if wanted:
            row = self.model.row_of(wanted)
            if row >= 0:
                self._select_row(row)
            self._want_selected = None if row >= 0 else self._want_selected

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, max(self.model.column_of(self.entity.title), 1))
        sm = self.view.selectionModel()
        sm.blockSignals(True)
        sm.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        sm.blockSignals(False)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)  # a search hit far down the list
        self.view.viewport().update()
        self.view.scrollTo(index)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        rid = self.model.row_id(current.row()) if current.isValid() else None
        if rid and rid != self.editor.row_id:
            self.editor.load(rid)

    def open_record(self, row_id: str) -> None:
        """Show `row_id` in the editor and select it in the list when it is there."""
        self.model.activate()
        self.editor.load(row_id)
        row = self.model.row_of(row_id)
        if row >= 0:
            self._select_row(row)
        else:
            self._want_selected = row_id

    def new_record(self, defaults: dict | None = None) -> None:
        if self.read_only:
            return
        self.view.selectionModel().clearSelection()
        self.view.selectionModel().clearCurrentIndex()  # so that clicking that row again opens it
        self.editor.new(defaults if isinstance(defaults, dict) else None)

    def _on_created(self, row_id: str) -> None:
        self._want_selected = row_id
