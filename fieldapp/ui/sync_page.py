"""The Sync area. The sync engine arrives with a later issue; until then this page says
plainly what is true: nothing is sent anywhere, and how much waits to be sent."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from fieldapp.i18n import _, ngettext
from fieldapp.ui.display import number_text
from fieldapp.ui.theme import heading


class SyncPage(QWidget):
    open_settings = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        title = heading(_("Sync"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.pending = QLabel()
        self.server = QLabel()
        self.last = QLabel()
        settings = QPushButton(_("Open settings…"))
        settings.clicked.connect(self.open_settings.emit)
        for w in (title, self.status, self.pending, self.server, self.last):
            layout.addWidget(w)
        layout.addWidget(settings, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.show_state(0, "", None)

    def show_state(self, pending: int, server_url: str, last_sync: str | None) -> None:
        self.status.setText(_("Sync is not configured yet. Everything you enter is kept safely on this computer "
                              "and will be sent when sync is set up."))
        self.pending.setText(ngettext("{n} change waiting to be sent", "{n} changes waiting to be sent", pending)
                             .format(n=number_text(pending)))
        self.server.setText(_("Server: {url}").format(url=server_url) if server_url else _("Server: none (set one in Settings)"))
        self.last.setText(_("Last sync: {when}").format(when=last_sync) if last_sync else _("Last sync: never"))
