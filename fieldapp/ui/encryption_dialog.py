"""Encryption at first start, and unlocking an encrypted copy that needs its passphrase.

Offered once, before the store opens: the laptop carries every contact of a region, so the
default button encrypts. With an OS keyring nothing more is asked; without one the person
chooses a passphrase (asked again at each start by `UnlockDialog`). The work itself is
core/encryption.py's.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
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
            if len(passphrase) < MIN_PASSPHRASE:
                self.message.setText(_("Choose a passphrase of at least {n} characters.").format(n=MIN_PASSPHRASE))
                return
            if passphrase != self.confirm.text():
                self.message.setText(_("The two passphrases differ."))
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
