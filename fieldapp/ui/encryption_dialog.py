"""Encryption at first start, unlocking an encrypted copy that needs its passphrase, and
changing the key later (File > Data encryption…).

Offered once, before the store opens: the laptop carries every contact of a region, so the
default button encrypts. With an OS keyring nothing more is asked; without one the person
chooses a passphrase (asked again at each start by `UnlockDialog`). `EncryptionSettingsDialog`
says how the data is protected and changes the key (a passphrase seen over a shoulder, a
keyring copied with a user profile). The work itself is core/encryption.py's.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QApplication, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QMessageBox, QPushButton,
    QVBoxLayout, QWidget,
)

from fieldapp.core import encryption
from fieldapp.core.store import DB_NAME, Store
from fieldapp.i18n import _

OFFERED_KEY = "privacy/encryption_offered"
MIN_PASSPHRASE = 10


def _message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setObjectName("error")
    label.setStyleSheet("color: #b3261e")
    return label


def _passphrase_edit(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    return edit


def _passphrase_problem(passphrase: str, again: str) -> str | None:
    """Why a new passphrase (typed twice) is refused, or None: the first start's and the
    key change's one rule."""
    if len(passphrase) < MIN_PASSPHRASE:
        return _("Choose a passphrase of at least {n} characters.").format(n=MIN_PASSPHRASE)
    if passphrase != again:
        return _("The two passphrases differ.")
    return None


class EncryptionOfferDialog(QDialog):
    """'Encrypt the data on this computer?' with a passphrase where no keyring exists."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.keyring = encryption.keyring_available()
        self.setWindowTitle(_("Protect the data on this computer"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Field App keeps contacts and meeting participants on this computer. Encrypting them "
                         "means a lost or stolen laptop gives nothing away. It costs a little speed."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        where = QLabel(_("The key will be kept in this computer's keyring: nothing more to type.") if self.keyring else
                       _("This computer has no keyring: choose a passphrase. You will type it at each start; "
                         "without it the data cannot be read, by anyone."))
        where.setWordWrap(True)
        layout.addWidget(where)
        self.passphrase = _passphrase_edit(_("Passphrase"))
        self.confirm = _passphrase_edit(_("Passphrase again"))
        if not self.keyring:
            form = QFormLayout()
            form.addRow(_("Passphrase"), self.passphrase)
            form.addRow(_("Passphrase again"), self.confirm)
            layout.addLayout(form)
        self.message = _message_label()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox()
        self.encrypt_button = self.buttons.addButton(_("Encrypt"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.later_button = self.buttons.addButton(_("Not now"), QDialogButtonBox.ButtonRole.RejectRole)
        self.encrypt_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.key: encryption.DatabaseKey | None = None

    def submit(self) -> None:
        passphrase = None
        if not self.keyring:
            passphrase = self.passphrase.text()
            problem = _passphrase_problem(passphrase, self.confirm.text())
            if problem:
                self.message.setText(problem)
                return
        try:
            self.key = encryption.encrypt_in_place(self.data_dir, self.data_dir / DB_NAME, passphrase=passphrase)
        except (encryption.EncryptionError, OSError) as exc:
            self.message.setText(_("Could not encrypt: {reason}").format(reason=exc))
            return
        self.accept()


class UnlockDialog(QDialog):
    """The passphrase of an encrypted copy whose key is not in a keyring."""

    def __init__(self, data_dir: Path, reason: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.setWindowTitle(_("Unlock Field App"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(reason or _("The data on this computer is encrypted. Type its passphrase."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.passphrase = _passphrase_edit(_("Passphrase"))
        form.addRow(_("Passphrase"), self.passphrase)
        layout.addLayout(form)
        self.message = _message_label()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Unlock"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.store: Store | None = None

    def submit(self) -> None:
        key = encryption.stored_key(self.data_dir, self.passphrase.text())
        try:
            self.store = Store(self.data_dir, key=key)
        except encryption.EncryptionError:
            self.message.setText(_("This passphrase does not open the data. Try again."))
            self.passphrase.selectAll()
            return
        self.accept()


class EncryptionSettingsDialog(QDialog):
    """How the data on this computer is protected, and "Change the key…": a confirmation,
    a busy cursor while the database and its backups are re-encrypted (`rotate_key`, which
    rekeys the backups itself and puts the old key back if the new one cannot be kept),
    then what happened, or why not."""

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.encrypted = encryption.is_open_encrypted(store.engine)
        self.uses_passphrase = self.encrypted and encryption.needs_passphrase(store.data_dir)
        self.setWindowTitle(_("Data encryption"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        if not self.encrypted:
            status = _("The data on this computer is not encrypted. Encryption is offered when Field App "
                       "starts on a new data folder.")
        elif self.uses_passphrase:
            status = _("The data on this computer is encrypted (SQLCipher, AES-256). Its key comes from the "
                       "passphrase typed at each start.")
        else:
            status = _("The data on this computer is encrypted (SQLCipher, AES-256). Its key is kept in this "
                       "computer's keyring.")
        self.status = QLabel(status)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.change_box = QGroupBox(_("Change the key"))
        box = QVBoxLayout(self.change_box)
        why = QLabel(_("Do this if the key or the passphrase may have been seen or copied. The database and its "
                       "backups are encrypted again with a new key; attachments keep their own key, kept inside "
                       "the database. Keep Field App open until it is done."))
        why.setWordWrap(True)
        box.addWidget(why)
        self.passphrase = _passphrase_edit(_("New passphrase"))
        self.confirm = _passphrase_edit(_("New passphrase again"))
        if self.uses_passphrase:
            form = QFormLayout()
            form.addRow(_("New passphrase"), self.passphrase)
            form.addRow(_("New passphrase again"), self.confirm)
            box.addLayout(form)
        self.change_button = QPushButton(_("Change the key…"))
        self.change_button.clicked.connect(self.change_key)
        box.addWidget(self.change_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.message = _message_label()  # why not, in red; or what happened, below the button
        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        for label in (self.message, self.done_label):
            label.setVisible(False)
            box.addWidget(label)
        self.change_box.setVisible(self.encrypted)
        layout.addWidget(self.change_box)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.confirmation: QMessageBox | None = None

    def _confirm(self) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, _("Change the key"),
                          _("Encrypt the data again with a new key now? It takes a few seconds for a large "
                            "database; the previous key will no longer open it or its backups."),
                          QMessageBox.StandardButton.Cancel, self)
        change = box.addButton(_("Change the key"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # a destructive step is not the default
        self.confirmation = box
        box.exec()
        self.confirmation = None
        return box.clickedButton() is change

    def _say(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def change_key(self) -> None:
        self._say(self.message, "")
        self._say(self.done_label, "")
        passphrase = None
        if self.uses_passphrase:
            passphrase = self.passphrase.text()
            problem = _passphrase_problem(passphrase, self.confirm.text())
            if problem:
                self._say(self.message, problem)
                return
        if not self._confirm():
            return
        self.change_button.setEnabled(False)
        self._say(self.done_label, _("Changing the key…"))
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        QApplication.processEvents()  # paint the busy state before the work blocks the window
        try:
            self.store.rotate_key(passphrase=passphrase)
        except Exception as exc:  # noqa: BLE001 - keyring, disk, SQLCipher: all said to the person
            self._say(self.done_label, "")
            self._say(self.message, _("Could not change the key: {reason}").format(reason=exc))
            return
        finally:
            QApplication.restoreOverrideCursor()
            self.change_button.setEnabled(True)
        self.passphrase.clear()
        self.confirm.clear()
        self._say(self.done_label, _("The key was changed. The data and its backups now open only with the new key.")
                  if not self.uses_passphrase else _("The key was changed. From the next start, type the new passphrase."))


def open_store(data_dir: Path, settings: QSettings, *, offer: bool = True) -> Store | None:
    """The store of `data_dir`, after the first-start offer to encrypt it (once per
    installation) and, for a passphrase-protected copy, the passphrase; None when the
    person cancels the unlock."""
    data_dir = Path(data_dir)
    db = data_dir / DB_NAME
    if offer and not encryption.is_encrypted(db) and not settings.value(OFFERED_KEY, False, type=bool):
        EncryptionOfferDialog(data_dir).exec()
        settings.setValue(OFFERED_KEY, True)
    try:
        return Store(data_dir)
    except encryption.KeyMissing as exc:
        dialog = UnlockDialog(data_dir, "" if encryption.needs_passphrase(data_dir) else str(exc))
        return dialog.store if dialog.exec() == QDialog.DialogCode.Accepted else None
