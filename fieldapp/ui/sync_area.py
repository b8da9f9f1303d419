"""The Sync area: who is logged in where, sync now / cancel with progress (records and
bytes, both ways), automatic sync, the conflicts inbox and changes the server refused."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QProgressBar, QPushButton, QSizePolicy, QSpinBox, QTabWidget, QVBoxLayout,
    QWidget,
)

from fieldapp.core.schema import BY_NAME
from fieldapp.i18n import _, ngettext
from fieldapp.syncing.command import describe
from fieldapp.syncing.engine import Progress, SyncResult
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.conflicts_view import ConflictsInbox
from fieldapp.ui.display import number_text
from fieldapp.ui.theme import heading
from fieldapp.ui.sync_controller import SyncController

INTERVAL_KEY = "sync_interval_minutes"


def size_text(n: int) -> str:
    for unit, step in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= step:
            return f"{number_text(round(n / step, 1))} {unit}"
    return f"{number_text(n)} B"


class SyncArea(QWidget):
    login_requested = Signal()

    def __init__(self, bridge: StoreBridge, controller: SyncController, qsettings: QSettings,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge, self.controller, self.qsettings = bridge, controller, qsettings
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        title = heading(_("Sync"))
        layout.addWidget(title)
        account_row = QHBoxLayout()
        self.account = QLabel()
        self.account.setWordWrap(True)
        self.login_button = QPushButton(_("Log in…"))
        self.login_button.clicked.connect(self.login_requested.emit)
        account_row.addWidget(self.account, 1)
        account_row.addWidget(self.login_button)
        layout.addLayout(account_row)
        self.status = QLabel()  # what the last or current sync did, in plain words
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.status)
        self.pending = QLabel()
        layout.addWidget(self.pending)
        run_row = QHBoxLayout()
        self.sync_button = QPushButton(_("Sync now"))
        self.sync_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.sync_button.setShortcut("Ctrl+Shift+S")
        self.sync_button.clicked.connect(lambda: controller.sync_now())
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.cancel_button.clicked.connect(controller.cancel)
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName(_("Sync progress"))
        self.progress_bar.setTextVisible(False)
        run_row.addWidget(self.sync_button)
        run_row.addWidget(self.cancel_button)
        self.download_button = QPushButton(_("Download all attachments"))
        self.download_button.setToolTip(_("Fetch every photo and document of your regions now, before a trip with no network"))
        self.download_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.download_button.clicked.connect(self._download_all)
        run_row.addWidget(self.download_button)
        run_row.addWidget(self.progress_bar, 1)
        run_row.addStretch(0)
        layout.addLayout(run_row)
        self.traffic = QLabel()
        layout.addWidget(self.traffic)
        auto_row = QHBoxLayout()
        auto_row.addWidget(QLabel(_("Sync automatically every")))
        self.interval = QSpinBox()
        self.interval.setRange(0, 24 * 60)
        self.interval.setSuffix(" " + _("min"))
        self.interval.setSpecialValueText(_("never"))
        self.interval.setAccessibleName(_("Automatic sync interval in minutes"))
        self.interval.setValue(int(qsettings.value(INTERVAL_KEY, 15)))
        self.interval.valueChanged.connect(self._interval_changed)
        auto_row.addWidget(self.interval)
        auto_row.addWidget(QLabel(_("and as soon as the server can be reached again.")))
        auto_row.addStretch(1)
        layout.addLayout(auto_row)
        self.tabs = QTabWidget()
        self.inbox = ConflictsInbox(bridge)
        self.inbox.resolved.connect(lambda: controller.sync_now(auto=True))
        self.tabs.addTab(self.inbox, _("Conflicts"))
        self.refused = QListWidget()
        self.refused.setAccessibleName(_("Changes refused by the server"))
        self.tabs.addTab(self.refused, _("Refused changes"))
        layout.addWidget(self.tabs, 1)
        controller.attachments_done.connect(self._downloaded)
        controller.progress.connect(self.show_progress)
        controller.finished.connect(self.show_result)
        controller.online_changed.connect(lambda _online: self.refresh())
        controller.logged_in.connect(lambda *_: self.refresh())
        bridge.changed.connect(lambda *_: self._reload_refused())
        self._set_running(False)
        self.refresh()

    def _download_all(self) -> None:
        if self.controller.download_attachments():
            self.download_button.setEnabled(False)
            self.status.setText(_("Downloading the attachments of your regions…"))

    def _downloaded(self, count: int, error: str) -> None:
        self.download_button.setEnabled(True)
        if error:
            self.status.setText(_("Attachments not all downloaded: {reason}").format(reason=error))
        else:
            self.status.setText(ngettext("{n} attachment downloaded; everything is on this computer.",
                                         "{n} attachments downloaded; everything is on this computer.", count)
                                .format(n=number_text(count)))

    def _interval_changed(self, minutes: int) -> None:
        self.qsettings.setValue(INTERVAL_KEY, minutes)
        self.controller.set_interval(minutes)

    def _set_running(self, running: bool) -> None:
        self.sync_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setRange(0, 0)  # busy indicator: the size of a sync is not known ahead
        self.progress_bar.setVisible(running)

    def refresh(self) -> None:
        account = self.controller.account()
        if account:
            server, user = account
            online = {True: _("reachable"), False: _("not reachable now"), None: _("not checked yet")}[self.controller.online]
            self.account.setText(_("Logged in as {user} on {server} ({state}).").format(user=user, server=server, state=online))
            self.login_button.setText(_("Change account…"))
        else:
            self.account.setText(_("Not logged in. Everything you enter is kept on this computer until you log in and sync."))
            self.login_button.setText(_("Log in…"))
        self._reload_refused()
        store = self.bridge.store
        self.bridge.read(lambda: store.pending_count(), self._show_pending)

    def _show_pending(self, pending: int) -> None:
        self.pending.setText(ngettext("{n} change waiting to be sent.", "{n} changes waiting to be sent.", pending)
                             .format(n=number_text(pending)))

    def _reload_refused(self) -> None:
        store = self.bridge.store
        self.bridge.read(store.rejected, self._fill_refused)

    def _fill_refused(self, ops: list[dict]) -> None:
        self.refused.clear()
        for op in ops:
            e = BY_NAME.get(op["entity"])
            self.refused.addItem(_("{kind}: {reason}").format(kind=_(e.label) if e else op["entity"], reason=op.get("error") or ""))
        self.tabs.setTabText(1, _("Refused changes ({n})").format(n=len(ops)) if ops else _("Refused changes"))

    def show_progress(self, p: Progress) -> None:
        self._set_running(p.phase != "done")
        self.status.setText({"records": _("Sending and receiving records…"),
                             "attachments": _("Sending attachments…"), "done": self.status.text()}[p.phase])
        self.traffic.setText(_("{sent} sent, {received} received · {up} up, {down} down").format(
            sent=number_text(p.ops_sent), received=number_text(p.changes_received),
            up=size_text(p.bytes_up), down=size_text(p.bytes_down)))

    def show_result(self, result: SyncResult) -> None:
        self._set_running(False)
        self.status.setText(describe(result))
        self.traffic.setText(_("{sent} sent, {received} received · {up} up, {down} down").format(
            sent=number_text(result.pushed), received=number_text(result.received),
            up=size_text(result.bytes_up), down=size_text(result.bytes_down)))
        self.refresh()
        self.inbox.reload()
