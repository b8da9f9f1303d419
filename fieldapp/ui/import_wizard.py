"""The import window: choose a file, see its first rows, map columns the names did not
match, see every problem (line, field, reason) before anything is written, then import
with a progress bar. Reading and checking run in the bridge's thread pool, writing on
the store's writer thread (fieldapp.core.transfer does the work; this is only the face).
"""
from __future__ import annotations

from pathlib import Path
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton, QStackedWidget, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from fieldapp.core import encodings, transfer, transfer_mapping
from fieldapp.core.schema import ENTITIES, entity
from fieldapp.i18n import _, ngettext
from fieldapp.ui.display import number_text

PREVIEW_ROWS = 20
FILE_FILTER = "*.csv *.txt *.tsv *.json *.geojson *.xlsx"
IMPORTABLE = tuple(e.name for e in ENTITIES if not e.admin_only)


class ProgressRelay(QObject):
    """Called from a worker thread with (done, total); the signal arrives on the UI thread."""

    changed = Signal(int, int)

    def __call__(self, done: int, total: int) -> None:
        try:
            self.changed.emit(done, total)
        except RuntimeError:  # the window closed while the work ran
            pass


def table_widget(header: list[str], rows: list[list[str]], name: str) -> QTableWidget:
    view = QTableWidget(len(rows), len(header))
    view.setAccessibleName(name)
    view.setHorizontalHeaderLabels(header)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    fill(view, rows)
    return view


def fill(view: QTableWidget, rows: list[list[str]]) -> None:
    view.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            view.setItem(r, c, item)


class ImportWizard(QDialog):
    """Steps: file and preview -> column mapping (only when needed) -> check -> done."""

    imported = Signal(object)  # ImportResult, after rows were written
    FILE, MAPPING, CHECK = range(3)

    def __init__(self, bridge, entity_name: str = "practice", path: Path | str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.source: transfer.Source | None = None
        self.plans: list[transfer.Plan] = []
        self.mapping_boxes: dict[tuple[str, str], QComboBox] = {}
        self.result: transfer.ImportResult | None = None
        self._busy = False
        self.setWindowTitle(_("Import records"))
        self.resize(900, 620)
        self._build(entity_name)
        if path:
            self.open_file(path)

    # ------------------------------------------------------------------ layout
    def _build(self, entity_name: str) -> None:
        layout = QVBoxLayout(self)
        self.step_label = QLabel()
        font = self.step_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.step_label.setFont(font)
        layout.addWidget(self.step_label)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)

        # 1. file, kind of record, encoding, preview
        page = QWidget()
        form = QFormLayout()
        file_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText(_("CSV, XLSX, JSON or GeoJSON file"))
        self.path_edit.setAccessibleName(_("File to import"))
        self.choose_button = QPushButton(_("Choose file…"))
        self.choose_button.clicked.connect(self.choose_file)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.choose_button)
        form.addRow(_("File"), file_row)
        self.entity_box = QComboBox()
        self.entity_box.setAccessibleName(_("Kind of record"))
        for name in IMPORTABLE:
            self.entity_box.addItem(_(entity(name).plural), name)
        self.entity_box.setCurrentIndex(max(0, self.entity_box.findData(entity_name)))
        self.entity_box.currentIndexChanged.connect(lambda _i: self.reread())
        form.addRow(_("Import into"), self.entity_box)
        self.encoding_box = QComboBox()
        self.encoding_box.setAccessibleName(_("Encoding"))
        self.encoding_box.addItem(_("Detect automatically"), None)
        for name in encodings.choices():
            self.encoding_box.addItem(encodings.label(name), name)
        self.encoding_box.activated.connect(lambda _i: self.reread())
        form.addRow(_("Encoding"), self.encoding_box)
        self.encoding_warning = QLabel()
        self.encoding_warning.setWordWrap(True)
        self.encoding_warning.setStyleSheet("color: #8a4b00;")
        self.encoding_warning.hide()
        self.file_status = QLabel(_("Choose a file to see its first rows."))
        self.file_status.setWordWrap(True)
        self.preview = table_widget([], [], _("Preview of the first rows"))
        box = QVBoxLayout(page)
        box.addLayout(form)
        box.addWidget(self.encoding_warning)
        box.addWidget(self.file_status)
        box.addWidget(self.preview, 1)
        self.pages.addWidget(page)

        # 2. mapping
        page = QWidget()
        box = QVBoxLayout(page)
        hint = QLabel(_("Some columns do not match a field. Choose the field each column goes to, or leave it out."))
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.mapping_table = table_widget([_("Column"), _("First values"), _("Field")], [], _("Column mapping"))
        self.mapping_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.mapping_table, 1)
        self.pages.addWidget(page)

        # 3. check and import
        page = QWidget()
        box = QVBoxLayout(page)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Progress"))
        box.addWidget(self.progress)
        self.problems_table = table_widget([_("Sheet"), _("Line"), _("Field"), _("Reason")], [], _("Problems"))
        self.problems_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.problems_table, 1)
        self.skip_invalid = QCheckBox(_("Import the valid rows and leave out the rows with problems"))
        self.skip_invalid.toggled.connect(lambda _c: self._update_buttons())
        box.addWidget(self.skip_invalid)
        self.pages.addWidget(page)

        buttons = QDialogButtonBox()
        self.back_button = buttons.addButton(_("Back"), QDialogButtonBox.ButtonRole.ActionRole)
        self.next_button = buttons.addButton(_("Next"), QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = buttons.addButton(_("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.import_button.clicked.connect(self.run_import)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self._show(self.FILE)

    def _show(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.step_label.setText({
            self.FILE: _("1. File and preview"), self.MAPPING: _("2. Columns"), self.CHECK: _("3. Check and import"),
        }[index])
        self._update_buttons()

    def _update_buttons(self) -> None:
        index = self.pages.currentIndex()
        done = self.result is not None
        self.back_button.setEnabled(index != self.FILE and not self._busy and not done)
        self.next_button.setVisible(index != self.CHECK)
        self.next_button.setEnabled(self.source is not None and self.source.rows > 0 and not self._busy)
        self.import_button.setVisible(index == self.CHECK)
        self.import_button.setEnabled(index == self.CHECK and not self._busy and not done and self._writable())
        self.skip_invalid.setEnabled(not self._busy and not done)

    def _writable(self) -> bool:
        if self.source is None or not self.plans:
            return False
        skip = self.skip_invalid.isChecked()
        return (skip or not self.source.problems) and all(p.writable(skip) for p in self.plans) and \
            any(p.inserts or p.updates for p in self.plans)

    # ------------------------------------------------------------------ step 1
    @property
    def entity_name(self) -> str:
        return self.entity_box.currentData()

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import records"), "", f"{_('Spreadsheets and data files')} ({FILE_FILTER})")
        if path:
            self.open_file(path)

    def open_file(self, path: Path | str) -> None:
        self.path_edit.setText(str(path))
        self.encoding_box.setCurrentIndex(0)
        self.reread()

    def reread(self) -> None:
        """Read the file again (another kind of record or encoding was chosen), off the UI thread."""
        path = self.path_edit.text()
        if not path:
            return
        name, encoding = self.entity_name, self.encoding_box.currentData()
        self.source, self.plans, self.result = None, [], None
        self._busy = True
        self.file_status.setText(_("Reading…"))
        self._update_buttons()
        self.bridge.read(lambda: transfer.read_source(path, name, encoding=encoding), self._read_done, self._read_failed)

    def _read_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.preview.setColumnCount(0)
        self.preview.setRowCount(0)
        self.encoding_warning.hide()
        self.file_status.setText(_("This file cannot be imported: {reason}").format(reason=exc))
        self._update_buttons()

    def _read_done(self, source: transfer.Source) -> None:
        self._busy = False
        self.source = source
        table = source.tables[0] if source.tables else None
        self.preview.setColumnCount(len(table.header) if table else 0)
        self.preview.setHorizontalHeaderLabels(table.header if table else [])
        fill(self.preview, table.preview(PREVIEW_ROWS) if table else [])
        detection = source.detection
        self.encoding_box.setEnabled(source.fmt != "xlsx")
        if detection is not None and detection.unsure:
            self.encoding_warning.setText(detection.warning)
            self.encoding_warning.show()
        else:
            self.encoding_warning.hide()
        parts = [ngettext("{n} record", "{n} records", source.rows).format(n=number_text(source.rows))]
        if detection is not None:
            parts.append(_("read as {encoding}").format(encoding=encodings.label(detection.encoding)))
        if len(source.tables) > 1:
            parts.append(_("sheets: {names}").format(names=", ".join(f"{t.sheet} ({_(entity(t.entity).plural)})" for t in source.tables)))
        self.file_status.setText(" · ".join(parts))
        self._update_buttons()

    # ------------------------------------------------------------------ navigation
    def next(self) -> None:
        if self.pages.currentIndex() == self.FILE and self._fill_mapping():
            self._show(self.MAPPING)
            return
        self._show(self.CHECK)
        self.run_check()

    def back(self) -> None:
        index = self.pages.currentIndex()
        if index == self.CHECK and self.mapping_boxes:
            self._show(self.MAPPING)
        else:
            self._show(self.FILE)

    # ------------------------------------------------------------------ step 2
    def _fill_mapping(self) -> bool:
        """Fill the mapping table; False when every column matched (the step is skipped)."""
        self.mapping_boxes = {}
        assert self.source is not None
        tables = [t for t in self.source.tables if transfer_mapping.needs_mapping(entity(t.entity), t.header, t.records)]
        rows = [(t, s) for t in tables for s in transfer_mapping.suggest(entity(t.entity), t.header, t.records)]
        self.mapping_table.setRowCount(len(rows))
        for r, (table, suggestion) in enumerate(rows):
            label = suggestion.header if len(self.source.tables) == 1 else f"{table.sheet}: {suggestion.header}"
            self.mapping_table.setItem(r, 0, QTableWidgetItem(label))
            self.mapping_table.setItem(r, 1, QTableWidgetItem(" · ".join(suggestion.samples)))
            box = QComboBox()
            box.setAccessibleName(_("Field for column {column}").format(column=suggestion.header))
            box.addItem(_("— leave out —"), None)
            e = entity(table.entity)
            for target in transfer_mapping.targets(e):
                box.addItem(_("Identifier (id)") if target == "id" else f"{_(e.field(target).label)} ({target})", target)
            box.setCurrentIndex(max(0, box.findData(suggestion.field)) if suggestion.field else 0)
            self.mapping_table.setCellWidget(r, 2, box)
            self.mapping_boxes[(table.entity, suggestion.header)] = box
        return bool(rows)

    def set_mapping(self, column: str, field: str | None, entity_name: str | None = None) -> None:
        """Choose the field of a column as a person would in the mapping step."""
        box = self.mapping_boxes[(entity_name or self.entity_name, column)]
        box.setCurrentIndex(box.findData(field) if field else 0)

    def mappings(self) -> dict[str, dict[str, str | None]]:
        out: dict[str, dict[str, str | None]] = {}
        for (name, column), box in self.mapping_boxes.items():
            out.setdefault(name, {})[column] = box.currentData()
        return out

    # ------------------------------------------------------------------ step 3
    def run_check(self) -> None:
        source, mappings, store = self.source, self.mappings(), self.store
        if source is None:
            return
        self._busy = True
        self.plans = []
        self.summary.setText(_("Checking every row…"))
        relay = ProgressRelay(self)
        relay.changed.connect(self._on_progress)
        self.progress.setRange(0, max(1, source.rows))
        self.progress.setValue(0)
        self._update_buttons()
        self.bridge.read(lambda: transfer.check_source(store, source, mappings=mappings, progress=relay),
                         self._checked, self._check_failed)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _check_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.summary.setText(_("The file could not be checked: {reason}").format(reason=exc))
        self._update_buttons()

    def _checked(self, plans: list[transfer.Plan]) -> None:
        assert self.source is not None
        self._busy = False
        self.plans = plans
        problems = transfer.problems_of(self.source, plans)
        fill(self.problems_table, [[p.sheet, number_text(p.line), p.field, p.message] for p in problems])
        self.problems_table.setColumnHidden(0, not any(p.sheet for p in problems))
        self.progress.setValue(self.progress.maximum())
        new = sum(len([1 for line, _v in p.inserts if line not in p.bad_lines]) for p in plans)
        changed = sum(len([1 for line, *_r in p.updates if line not in p.bad_lines]) for p in plans)
        ready = ngettext("{n} record is ready", "{n} records are ready", new + changed).format(n=number_text(new + changed))
        counts = _("{new} new, {changed} to update").format(new=number_text(new), changed=number_text(changed))
        if not problems:
            self.summary.setText(f"{ready}: {counts}.")
        elif any(p.fatal for p in plans):
            self.summary.setText(ngettext("{n} problem with the columns: nothing can be imported until the file is fixed.",
                                          "{n} problems with the columns: nothing can be imported until the file is fixed.",
                                          len(problems)).format(n=number_text(len(problems))))
        else:
            self.summary.setText(ngettext("{n} problem found: nothing is written unless you leave out the rows with problems.",
                                          "{n} problems found: nothing is written unless you leave out the rows with problems.",
                                          len(problems)).format(n=number_text(len(problems))) + f" {ready}: {counts}.")
        self.skip_invalid.setVisible(bool(problems) and not any(p.fatal for p in plans))
        self._update_buttons()

    def run_import(self) -> None:
        if not self._writable() or self.source is None:
            return
        source, plans, skip = self.source, self.plans, self.skip_invalid.isChecked()
        self._busy = True
        self.summary.setText(_("Importing…"))
        relay = ProgressRelay(self)
        relay.changed.connect(self._on_progress)
        self._update_buttons()
        self.bridge.write(transfer.apply_checked, self.store, source, plans, skip_invalid=skip, progress=relay,
                          on_done=self._imported, on_error=self._import_failed)

    def _import_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.summary.setText(_("Nothing was imported: {reason}").format(reason=exc))
        self._update_buttons()

    def _imported(self, result: transfer.ImportResult) -> None:
        self._busy = False
        self.result = result
        self.summary.setText(_("{inserted} added, {updated} changed, {unchanged} unchanged, {skipped} left out.").format(
            inserted=result.inserted, updated=result.updated, unchanged=result.unchanged, skipped=result.skipped))
        self.progress.setValue(self.progress.maximum())
        self._update_buttons()
        self.imported.emit(result)

    def is_busy(self) -> bool:
        return self._busy


__all__ = ["ImportWizard", "ProgressRelay"]
