"""Log in to the central service. The password goes to the server once, off the UI
thread; only the token it buys is kept. Plain http is refused beyond this computer
unless the person ticks that they insist."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from fieldapp.i18n import _
from fieldapp.sync_client.command import is_safe_address
from fieldapp.ui.sync_controller import SyncController


class LoginDialog(QDialog):
    def __init__(self, controller: SyncController, server: str = "", user: str = "", reason: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(_("Log in to the sync server"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        if reason:
            why = QLabel(reason)
            why.setWordWrap(True)
            layout.addWidget(why)
        form = QFormLayout()
        self.server = QLineEdit(server)
        self.server.setPlaceholderText("https://sync.example.org")
        self.server.setAccessibleName(_("Server address"))
        self.user = QLineEdit(user)
        self.user.setAccessibleName(_("User name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Password"))
        form.addRow(_("Server address"), self.server)
        form.addRow(_("User name"), self.user)
        form.addRow(_("Password"), self.password)
        layout.addLayout(form)
        self.insist = QCheckBox(_("Use this unencrypted address anyway"))
        self.insist.setVisible(False)
        layout.addWidget(self.insist)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("error")
        self.message.setStyleSheet("color: #b3261e")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Log in"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.server.textChanged.connect(self._check_address)
        controller.logged_in.connect(self._done)
        controller.login_failed.connect(self._failed)
        (self.password if server and user else self.server).setFocus(Qt.FocusReason.OtherFocusReason)
        self._check_address()

    def _check_address(self) -> None:
        url = self.server.text().strip()
        unsafe = bool(url) and url.startswith("http://") and not is_safe_address(url)
        self.insist.setVisible(unsafe)
        self.message.setText(SyncController.address_problem(url) if unsafe else "")

    def submit(self) -> None:
        url, user, password = self.server.text().strip(), self.user.text().strip(), self.password.text()
        problem = SyncController.address_problem(url)
        if problem and not (self.insist.isVisible() and self.insist.isChecked()):
            self.message.setText(problem)
            return
        if not user or not password:
            self.message.setText(_("Enter your user name and password."))
            return
        self.message.setText(_("Logging in…"))
        self.buttons.setEnabled(False)
        self.controller.login(url, user, password)

    def _done(self, _server: str, _user: str) -> None:
        self.password.clear()
        self.accept()

    def _failed(self, reason: str) -> None:
        self.buttons.setEnabled(True)
        self.password.selectAll()
        self.message.setText(_("Login failed: {reason}").format(reason=reason))

    def done(self, result: int) -> None:  # noqa: D401 - Qt API
        for signal, slot in ((self.controller.logged_in, self._done), (self.controller.login_failed, self._failed)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        super().done(result)
