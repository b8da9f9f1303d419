"""Settings kept with QSettings (language, server address, data folder) and the dialog
that edits them. Language and data folder take effect at the next start."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from fieldapp.i18n import _
from fieldapp.paths import APP_AUTHOR, APP_NAME
from fieldapp.ui.i18n_qt import system_language

LANGUAGES = (("en", "English"), ("fr", "Français"), ("es", "Español"), ("ar", "العربية"), ("zh", "中文"), ("ru", "Русский"))
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class Settings:
    """Typed access to the user's settings."""

    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings or QSettings(APP_AUTHOR, APP_NAME)

    @property
    def language(self) -> str:
        value = self.q.value("language", "")
        if value:
            return str(value)
        return system_language()  # the first of the system's languages Field App ships

    @language.setter
    def language(self, code: str) -> None:
        self.q.setValue("language", code)

    @property
    def server_url(self) -> str:
        return str(self.q.value("server_url", "") or "")

    @server_url.setter
    def server_url(self, url: str) -> None:
        self.q.setValue("server_url", url.strip())

    @property
    def data_dir(self) -> Path | None:
        value = self.q.value("data_dir", "")
        return Path(str(value)) if value else None

    @data_dir.setter
    def data_dir(self, path: Path | None) -> None:
        self.q.setValue("data_dir", str(path) if path else "")

    def sync(self) -> None:
        self.q.sync()


def check_server_url(text: str) -> str | None:
    """A message when `text` is not a usable server address (empty is allowed)."""
    text = text.strip()
    if text and not _URL.match(text):
        return _("Server address must start with http:// or https://")
    return None


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, current_data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(_("Settings"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.language = QComboBox()
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(self.language.findData(settings.language), 0))
        self.server = QLineEdit(settings.server_url)
        self.server.setPlaceholderText("https://sync.example.org")
        self.server_message = QLabel()
        self.server_message.setStyleSheet("color: #c62828;")
        self.server_message.hide()
        self.data_dir = QLineEdit(str(settings.data_dir or current_data_dir))
        browse = QPushButton(_("Browse…"))
        browse.setAccessibleName(_("Choose the data folder"))
        browse.clicked.connect(self._browse)
        folder = QHBoxLayout()
        folder.addWidget(self.data_dir, 1)
        folder.addWidget(browse)
        language_label = QLabel(_("&Language"))
        language_label.setBuddy(self.language)
        server_label = QLabel(_("&Server address"))
        server_label.setBuddy(self.server)
        folder_label = QLabel(_("&Data folder"))
        folder_label.setBuddy(self.data_dir)
        form.addRow(language_label, self.language)
        form.addRow(server_label, self.server)
        form.addRow("", self.server_message)
        form.addRow(folder_label, folder)
        layout.addLayout(form)
        note = QLabel(_("Language and data folder take effect the next time Field App starts."))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.server.textChanged.connect(self._check)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Data folder"), self.data_dir.text())
        if chosen:
            self.data_dir.setText(chosen)

    def _check(self) -> bool:
        message = check_server_url(self.server.text())
        self.server_message.setText(message or "")
        self.server_message.setVisible(bool(message))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(message is None)
        return message is None

    def accept(self) -> None:
        if not self._check():
            return
        self.settings.language = self.language.currentData()
        self.settings.server_url = self.server.text()
        folder = self.data_dir.text().strip()
        self.settings.data_dir = Path(folder) if folder else None
        self.settings.sync()
        super().accept()
