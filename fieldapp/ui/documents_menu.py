"""Documents in and out of the window: the File menu's import, export, practice sheet,
minutes and carbon calculator entries, the same on each list's context menu (for its
current filter or the selected record), and files dropped onto attachments.

Installed by the main window with one call (`Documents(window).install(file_menu)`), so
the window keeps its own layout and this module keeps everything about documents.
Exports and PDFs run in the bridge's thread pool; the window says when they are done.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from fieldapp.core import practice_sheet, transfer
from fieldapp.core.schema import ENTITIES, entity
from fieldapp.i18n import _, ngettext
from fieldapp.paths import safe_name
from fieldapp.ui import documents_pdf
from fieldapp.ui.attachment_drop import accept_drops
from fieldapp.ui.carbon_calculator import CarbonCalculator
from fieldapp.ui.display import number_text
from fieldapp.ui.import_wizard import ImportWizard
from fieldapp.ui.person_actions import PersonActions

FORMAT_FILTERS = {
    "csv": "CSV (*.csv)", "xlsx": "Excel (*.xlsx)", "json": "JSON (*.json)", "geojson": "GeoJSON (*.geojson)",
}


class Documents(QObject):
    """Owns the documents actions of one main window."""

    done = Signal(str)  # a file was written: its path (tests and the status bar listen)
    failed = Signal(str)  # what went wrong, in words

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.bridge = window.bridge
        self.store = window.store
        self.wizard: ImportWizard | None = None
        self.calculator: CarbonCalculator | None = None
        documents_pdf.register_fonts()  # on the UI thread, before any PDF is made in a worker
        self.person = PersonActions(window)
        self.person.done.connect(self.done)
        self.person.failed.connect(self.failed)
        self._build_actions()
        self.done.connect(lambda path: window.statusBar().showMessage(_("Saved {file}").format(file=path), 8000))
        self.failed.connect(lambda reason: window.statusBar().showMessage(reason, 12000))

    # ------------------------------------------------------------------ actions
    def _action(self, text: str, slot: Callable[[], Any], shortcut: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.import_action = self._action(_("&Import…"), self.open_import, "Ctrl+I")
        self.export_action = self._action(_("&Export this list…"), self.export_current_list, "Ctrl+E")
        self.workbook_action = self._action(_("Export everything as a &workbook…"), self.export_workbook)
        self.sheet_action = self._action(_("Practice &sheet (PDF)…"), self.save_current_sheet)
        self.print_action = self._action(_("&Print practice sheet…"), self.print_current_sheet, "Ctrl+P")
        self.batch_action = self._action(_("Practice sheets of this &list (PDF)…"), self.save_list_sheets)
        self.minutes_action = self._action(_("Meeting &minutes (PDF)…"), self.save_current_minutes)
        self.carbon_action = self._action(_("&Carbon calculator…"), self.open_calculator)

    def install(self, file_menu: QMenu, before: QAction | None = None) -> None:
        """Put the actions in the File menu, the lists' context menus and the
        attachments panels' drop zones."""
        for group in ((self.import_action, self.export_action, self.workbook_action),
                      (self.sheet_action, self.print_action, self.batch_action, self.minutes_action),
                      (self.carbon_action,)):
            for action in group:
                file_menu.insertAction(before, action) if before else file_menu.addAction(action)
            file_menu.insertSeparator(before) if before else file_menu.addSeparator()
        for page in self.window.pages.values():
            page.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            page.view.customContextMenuRequested.connect(lambda pos, p=page: self.show_context_menu(p, pos))
        for name in ("practice_attachments", "meeting_attachments"):
            panel = getattr(self.window, name, None)
            if panel is not None:
                accept_drops(panel)

    # ------------------------------------------------------------------ context menu
    def context_menu(self, page) -> QMenu:
        """The menu a right click on a list opens (built fresh: it names the list's count)."""
        menu = QMenu(page.view)
        e = page.entity
        plural = _(e.plural).lower()
        n = page.model.rowCount()
        current = page.editor.row_id
        if not page.read_only:
            menu.addAction(_("Import into {what}…").format(what=plural), lambda: self.open_import(e.name))
        menu.addAction(ngettext("Export this list ({n} record)…", "Export this list ({n} records)…", n).format(n=number_text(n)),
                       lambda: self.export_list(page))
        selected = menu.addAction(_("Export the selected record…"), lambda: self.export_records(e.name, [current] if current else []))
        selected.setEnabled(current is not None)
        if e.name == "practice":
            menu.addSeparator()
            for text, slot in ((_("Practice sheet (PDF)…"), self.save_current_sheet),
                               (_("Print practice sheet…"), self.print_current_sheet)):
                menu.addAction(text, slot).setEnabled(current is not None)
            menu.addAction(_("Practice sheets of this list (PDF)…"), self.save_list_sheets)
        if e.name == "meeting":
            menu.addSeparator()
            menu.addAction(_("Meeting minutes (PDF)…"), self.save_current_minutes).setEnabled(current is not None)
        if e.name == "contact":
            self.person.add_to(menu, current)  # export everything about the person; erase (administrators)
        return menu

    def show_context_menu(self, page, pos: QPoint) -> None:
        index = page.view.indexAt(pos)
        if index.isValid():
            page.view.selectRow(index.row())
        self.context_menu(page).popup(page.view.viewport().mapToGlobal(pos))

    # ------------------------------------------------------------------ import
    def _page(self, entity_name: str | None = None):
        if entity_name:
            return self.window.pages.get(entity_name)
        return self.window.current_page() or self.window.pages["practice"]

    def open_import(self, entity_name: str | None = None, path: Path | str | None = None) -> ImportWizard:
        page = self._page(entity_name)
        name = entity_name or (page.entity.name if page is not None and not page.read_only else "practice")
        self.wizard = ImportWizard(self.bridge, name, path, self.window)
        self.wizard.imported.connect(lambda _r: self.window.refresh_all())
        self.wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.wizard.show()
        return self.wizard

    # ------------------------------------------------------------------ export
    def list_query(self, page) -> Callable[[], list[str]]:
        """Ids of what the list shows now (its filters and words), read in a worker."""
        store, name = self.store, page.entity.name
        filters = page.current_filters()
        words = page.text_filter.text().strip() if page.text_filter is not None else ""
        return lambda: store.ids(name, filters, text_query=words or None)

    def _ask_path(self, title: str, suggested: str, filters: Sequence[str]) -> tuple[str, str]:
        return QFileDialog.getSaveFileName(self.window, title, suggested, ";;".join(filters))

    def export_current_list(self) -> None:
        page = self._page()
        if page is not None:
            self.export_list(page)

    def export_list(self, page, path: Path | str | None = None, fmt: str | None = None) -> None:
        query = self.list_query(page)
        self._export(page.entity.name, query, path, fmt)

    def export_records(self, entity_name: str, ids: Sequence[str], path: Path | str | None = None, fmt: str | None = None) -> None:
        if ids:
            chosen = list(ids)
            self._export(entity_name, lambda: chosen, path, fmt)

    def _export(self, entity_name: str, ids: Callable[[], list[str]], path: Path | str | None, fmt: str | None) -> None:
        formats = transfer.formats_for(entity_name)
        if path is None:
            filters = [FORMAT_FILTERS[f] for f in formats]
            chosen, selected = self._ask_path(_("Export {what}").format(what=_(entity(entity_name).plural).lower()),
                                              f"{entity_name}.csv", filters)
            if not chosen:
                return
            path = chosen
            fmt = next((f for f in formats if FORMAT_FILTERS[f] == selected), None)
        target = Path(path)
        fmt = fmt or next((f for f in formats if target.suffix.lower() == transfer.SUFFIXES[f]), "csv")
        if not target.suffix:
            target = target.with_suffix(transfer.SUFFIXES[fmt])
        store = self.store

        def work() -> int:
            return transfer.export_path(store, entity_name, fmt, target, ids())

        self._run(work, target, lambda n: ngettext("{n} record written to {file}", "{n} records written to {file}", n).format(
            n=number_text(n), file=target.name))

    def export_workbook(self, path: Path | str | None = None) -> None:
        if path is None:
            path, _selected = self._ask_path(_("Export everything as a workbook"), "fieldapp.xlsx", [FORMAT_FILTERS["xlsx"]])
            if not path:
                return
        target = Path(path)
        store = self.store
        names = [e.name for e in ENTITIES]
        self._run(lambda: sum(transfer.export_xlsx(store, names, target).values()), target,
                  lambda n: ngettext("{n} record written to {file}", "{n} records written to {file}", n).format(
                      n=number_text(n), file=target.name))

    # ------------------------------------------------------------------ PDFs
    def _current_id(self, entity_name: str) -> str | None:
        page = self.window.pages.get(entity_name)
        return page.editor.row_id if page is not None else None

    def save_current_sheet(self, path: Path | str | None = None) -> None:
        pid = self._current_id("practice")
        if pid is None:
            self.failed.emit(_("Choose a practice first."))
            return
        self.save_sheets([pid], path)

    def save_list_sheets(self, path: Path | str | None = None) -> None:
        page = self.window.pages["practice"]
        self.save_sheets(self.list_query(page), path)

    def save_sheets(self, ids: Sequence[str] | Callable[[], list[str]], path: Path | str | None = None) -> None:
        """One PDF with the sheet of each practice (one practice: one sheet)."""
        if path is None:
            suggested = "practice-sheets.pdf"
            if isinstance(ids, (list, tuple)) and len(ids) == 1:
                row = self.store.get("practice", ids[0])
                suggested = f"{safe_name(row['title'] if row else 'practice')}.pdf"
            path, _selected = self._ask_path(_("Save practice sheet"), suggested, ["PDF (*.pdf)"])
            if not path:
                return
        target = Path(path)
        store = self.store
        get_ids = ids if callable(ids) else (lambda chosen=list(ids): chosen)
        self._run(lambda: documents_pdf.practice_sheets_pdf(store, get_ids(), target), target,
                  lambda n: ngettext("{n} page written to {file}", "{n} pages written to {file}", n).format(n=number_text(n), file=target.name))

    def save_current_minutes(self, path: Path | str | None = None) -> None:
        """The selected meeting's minutes as PDF, or as a Word document when the name
        ends in .docx (for partners who edit minutes before circulating them)."""
        mid = self._current_id("meeting")
        if mid is None:
            self.failed.emit(_("Choose a meeting first."))
            return
        if path is None:
            row = self.store.get("meeting", mid)
            path, selected = self._ask_path(_("Save meeting minutes"), f"{safe_name(row['title'] if row else 'minutes')}.pdf",
                                            ["PDF (*.pdf)", "Word (*.docx)"])
            if not path:
                return
            if selected.startswith("Word") and not path.lower().endswith(".docx"):
                path = str(Path(path).with_suffix(".docx"))
        target = Path(path)
        store = self.store
        if target.suffix.lower() == ".docx":
            from fieldapp.core.minutes_docx import minutes_docx

            self._run(lambda: (minutes_docx(store, mid, target), 1)[1], target,
                      lambda _n: _("Minutes written to {file}").format(file=target.name))
            return
        self._run(lambda: documents_pdf.minutes_pdf(store, mid, target), target,
                  lambda n: ngettext("{n} page written to {file}", "{n} pages written to {file}", n).format(n=number_text(n), file=target.name))

    def print_current_sheet(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        pid = self._current_id("practice")
        if pid is None:
            self.failed.emit(_("Choose a practice first."))
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self.window)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        documents_pdf.paint([documents_pdf.sheet_document(practice_sheet.build(self.store, pid))], printer)

    def _run(self, work: Callable[[], int], target: Path, message: Callable[[int], str]) -> None:
        self.window.statusBar().showMessage(_("Writing {file}…").format(file=target.name))

        def ok(n: int) -> None:
            self.window.statusBar().showMessage(message(n), 8000)
            self.done.emit(str(target))

        def bad(exc: BaseException) -> None:
            self.failed.emit(_("{file} was not written: {reason}").format(file=target.name, reason=exc))

        self.bridge.read(work, ok, bad)

    # ------------------------------------------------------------------ carbon
    def open_calculator(self) -> CarbonCalculator:
        if self.calculator is None:
            self.calculator = CarbonCalculator(self.bridge, self.window)
            editor = self.window.pages["practice"].editor
            editor.record_changed.connect(self._calculator_follows)
        self._calculator_follows(self._current_id("practice"))
        self.calculator.show()
        self.calculator.raise_()
        return self.calculator

    def _calculator_follows(self, practice_id: str | None) -> None:
        """The calculator fills the practice being edited (its title read off the UI thread)."""
        if self.calculator is None:
            return
        self.calculator.set_practice(practice_id)
        if practice_id:
            store, calc = self.store, self.calculator
            self.bridge.read(lambda: (store.get("practice", practice_id) or {}).get("title", ""),
                             lambda title: calc.practice_id == practice_id and calc.set_practice(practice_id, title))


__all__ = ["Documents"]
