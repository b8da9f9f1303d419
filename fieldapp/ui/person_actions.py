"""A contact's right-click actions for personal data: export everything held about the
person (JSON, or a readable PDF), and, for an administrator, erase the person on the
service and on every replica (the work is core/person_data.py's and the service's)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from fieldapp.core import person_data
from fieldapp.i18n import _
from fieldapp.paths import safe_name
from fieldapp.sync_client import credentials
from fieldapp.sync_client.transport import ServerRefused, Transport, TransportError
from fieldapp.ui import documents_pdf

ADMIN_ROLE = "administrator"


class PersonActions(QObject):
    done = Signal(str)  # a file written: its path
    erased = Signal(str)  # a contact erased: its id
    failed = Signal(str)

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self.store = window.store
        self.bridge = window.bridge

    def add_to(self, menu: QMenu, contact_id: str | None) -> None:
        menu.addSeparator()
        for text, slot in ((_("Export everything about this person (JSON)…"), self.export_json),
                           (_("Export everything about this person (PDF)…"), self.export_pdf)):
            menu.addAction(text, lambda s=slot: s(contact_id)).setEnabled(contact_id is not None)
        if self.is_admin():
            menu.addAction(_("Erase this person…"), lambda: self.confirm_erase(contact_id)).setEnabled(
                contact_id is not None)

    def is_admin(self) -> bool:
        return self.store.meta("sync_role") == ADMIN_ROLE

    def _suggested(self, contact_id: str, suffix: str) -> str:
        row = self.store.get("contact", contact_id) or {}
        return f"{safe_name(row.get('full_name') or 'person')}{suffix}"

    def export_json(self, contact_id: str, path: Path | str | None = None) -> None:
        path = path or QFileDialog.getSaveFileName(self.window, _("Export everything about this person"),
                                                   self._suggested(contact_id, ".json"), "JSON (*.json)")[0]
        if path:
            target = Path(path)
            self._read(lambda: target.write_text(person_data.export_person(self.store, contact_id).json(),
                                                 encoding="utf-8"), target)

    def export_pdf(self, contact_id: str, path: Path | str | None = None) -> None:
        path = path or QFileDialog.getSaveFileName(self.window, _("Export everything about this person"),
                                                   self._suggested(contact_id, ".pdf"), "PDF (*.pdf)")[0]
        if path:
            target = Path(path)
            self._read(lambda: documents_pdf.person_pdf(self.store, contact_id, target), target)

    def _read(self, work, target: Path) -> None:  # noqa: ANN001
        self.bridge.read(work, lambda _r: self.done.emit(str(target)),
                         lambda exc: self.failed.emit(_("{file} was not written: {reason}").format(
                             file=target.name, reason=exc)))

    def confirm_dialog(self, contact_id: str) -> QMessageBox:
        row = self.store.get("contact", contact_id) or {}
        box = QMessageBox(QMessageBox.Icon.Warning, _("Erase this person"),
                          _("Erase {name} from the service and from every laptop that syncs with it?").format(
                              name=row.get("full_name") or ""), QMessageBox.StandardButton.Cancel, self.window)
        box.setInformativeText(_("Their contact record is emptied, their name is removed from meeting "
                                 "participants (attendance counts stay) and from action items. "
                                 "This cannot be undone. The erasure itself is recorded: who and when."))
        box.erase_button = box.addButton(_("Erase"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box

    def confirm_erase(self, contact_id: str) -> None:
        box = self.confirm_dialog(contact_id)
        box.exec()
        if box.clickedButton() is box.erase_button:
            self.erase(contact_id)

    def erase(self, contact_id: str) -> None:
        """Ask the service to erase (off the UI thread), then scrub this laptop at once;
        the others scrub on their next sync."""
        saved = credentials.load_token(self.store.data_dir)
        if saved is None:
            self.failed.emit(_("Log in to the sync server first: an erasure is made on the service."))
            return
        store = self.store
        rows = person_data.erased_rows(store, contact_id)

        def work() -> int:
            Transport(saved[0], token=saved[2]).call("POST", "/v1/admin/erase", json_body={"contact_id": contact_id})
            return person_data.scrub_local(store, rows)

        def failed(exc: BaseException) -> None:
            reason = exc.message if isinstance(exc, ServerRefused) else str(exc) if isinstance(exc, TransportError) else repr(exc)
            self.failed.emit(_("The person was not erased: {reason}").format(reason=reason))

        def erased(_n: int) -> None:
            self.window.statusBar().showMessage(_("The person was erased; other laptops follow at their next sync."), 12000)
            self.erased.emit(contact_id)

        self.bridge.write(work, on_done=erased, on_error=failed)

