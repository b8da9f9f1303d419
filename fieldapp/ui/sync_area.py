"""The Sync area: who is logged in where, sync now / cancel with real progress (pages
done of total, records and bytes both ways), automatic sync, what the computer's clock
is off by, the conflicts inbox and the changes the service refused ("Needs attention")."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QSpinBox, QTabWidget, QVBoxLayout, QWidget,
)

from fieldapp.core import diskspace
from fieldapp.i18n import _, ngettext
from fieldapp.sync_client.command import clock_sentence, describe
from fieldapp.sync_client.engine import Progress, SyncResult
from fieldapp.ui.attention_view import NeedsAttention
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


ATTENTION_TAB = 1


class SyncArea(QWidget):
    login_requested = Signal()
    open_record = Signal(str, str)  # entity, row id: a refused change's record

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
        self.clock = QLabel()  # "your computer's clock is 3 hours ahead", while it is
        self.clock.setWordWrap(True)
        self.clock.setTextFormat(Qt.TextFormat.PlainText)
        self.clock.setVisible(False)
        layout.addWidget(self.clock)
        self.disk = QLabel()  # little room left on the data folder's disk
        self.disk.setWordWrap(True)
        self.disk.setTextFormat(Qt.TextFormat.PlainText)
        self.disk.setVisible(False)
        layout.addWidget(self.disk)
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
        self.progress_bar.setRange(0, 1000)
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
        self.attention = NeedsAttention(bridge)
        self.attention.setAccessibleName(_("Changes refused by the server"))
        self.attention.open_record.connect(self.open_record.emit)
        self.attention.retried.connect(lambda: controller.sync_now(auto=True))
        self.attention.count_changed.connect(self._attention_counted)
        self.tabs.addTab(self.attention, _("Needs attention"))
        layout.addWidget(self.tabs, 1)
        controller.attachments_done.connect(self._downloaded)
        controller.progress.connect(self.show_progress)
        controller.finished.connect(self.show_result)
        controller.online_changed.connect(lambda _online: self.refresh())
        controller.logged_in.connect(lambda *_: self.refresh())
        self._set_running(False)
        self.show_clock(bridge.store.time.offset_ms)
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
        if running and self.progress_bar.isHidden():
            self.progress_bar.setRange(0, 0)  # busy until the first page says how far there is to go
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
        self.attention.reload()
        store = self.bridge.store
        self.bridge.read(lambda: (store.pending_count(), store.unsynced_count() - store.pending_count(),
                                  diskspace.low_space_warning(store.data_dir)), self._show_pending)

    def _show_pending(self, counts: tuple[int, int, str | None]) -> None:
        pending, set_aside, disk = counts
        text = ngettext("{n} change waiting to be sent.", "{n} changes waiting to be sent.", pending).format(n=number_text(pending))
        if set_aside:
            text += " " + ngettext("{n} more was refused by the server: see Needs attention.",
                                   "{n} more were refused by the server: see Needs attention.", set_aside).format(
                n=number_text(set_aside))
        self.pending.setText(text)
        self.disk.setText(disk or "")
        self.disk.setVisible(bool(disk))

    def _attention_counted(self, attention: int, waiting: int) -> None:
        n = attention + waiting
        self.tabs.setTabText(ATTENTION_TAB, _("Needs attention ({n})").format(n=number_text(n)) if n else _("Needs attention"))

    def show_attention(self) -> None:
        """Bring the Needs attention list to the front (the status bar's link)."""
        self.tabs.setCurrentIndex(ATTENTION_TAB)

    def show_clock(self, offset_ms: int) -> None:
        sentence = clock_sentence(offset_ms)
        self.clock.setText(sentence or "")
        self.clock.setVisible(bool(sentence))

    def show_progress(self, p: Progress) -> None:
        self._set_running(p.phase != "done")
        if p.phase == "records" and p.pages_done:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(p.fraction * 1000))
            self.status.setText(_("Sending and receiving records: page {done} of {total}…").format(
                done=number_text(p.pages_done), total=number_text(max(p.pages_total, p.pages_done))))
        elif p.phase == "records":
            self.status.setText(_("Sending and receiving records…"))
        elif p.phase == "attachments":
            self.progress_bar.setRange(0, 0)
            self.status.setText(_("Sending attachments…"))
        sent = ngettext("{sent} of {total} change sent", "{sent} of {total} changes sent", p.ops_total).format(
            sent=number_text(p.ops_sent), total=number_text(p.ops_total))
        received = ngettext("{n} record received", "{n} records received", p.changes_received).format(
            n=number_text(p.changes_received))
        if not p.ops_total:
            self.traffic.setText(_("{received} · {up} up, {down} down").format(
                received=received, up=size_text(p.bytes_up), down=size_text(p.bytes_down)))
            return
        self.traffic.setText(_("{sent}, {received} · {up} up, {down} down").format(
            sent=sent, received=received, up=size_text(p.bytes_up), down=size_text(p.bytes_down)))

    def show_result(self, result: SyncResult) -> None:
        self._set_running(False)
        self.status.setText(describe(result))
        sent = ngettext("{n} change sent", "{n} changes sent", result.pushed).format(n=number_text(result.pushed))
        received = ngettext("{n} record received", "{n} records received", result.received).format(
            n=number_text(result.received))
        self.traffic.setText(_("{sent}, {received} · {up} up, {down} down").format(
            sent=sent, received=received, up=size_text(result.bytes_up), down=size_text(result.bytes_down)))
        self.show_clock(result.clock_offset_ms)
        self.refresh()
        self.inbox.reload()
