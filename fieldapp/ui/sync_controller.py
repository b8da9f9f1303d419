"""Runs the Qt-free sync engine off the UI thread and tells the window what happens.

Sync runs in a Python thread; its progress and result reach the UI thread through
queued Qt signals. It starts on demand, a few seconds after a local change while the
server can be reached (debounced: a burst of typing is one sync), every N minutes as a
fallback (a setting), and as soon as the server answers again after being unreachable
(a Wi-Fi login page in the way counts as unreachable). Cancel stops between pages; what
was applied stays applied and the next sync resumes from the cursor.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer, Signal

from fieldapp.core.store import Store
from fieldapp.sync_client import credentials
from fieldapp.sync_client.command import is_safe_address
from fieldapp.sync_client.engine import Progress, SyncEngine, SyncResult
from fieldapp.sync_client.transport import AuthRequired, NotTheService, ServerRefused, Transport, TransportError

PROBE_MS = 30_000
AFTER_CHANGE_MS = 4_000  # quiet time after the last local change before it is sent


class SyncController(QObject):
    progress = Signal(object)  # engine.Progress
    finished = Signal(object)  # engine.SyncResult
    login_needed = Signal(str)  # why (token missing, expired or revoked)
    online_changed = Signal(bool)
    logged_in = Signal(str, str)  # server, user
    login_failed = Signal(str)
    attachments_done = Signal(int, str)  # how many were downloaded, error (empty when fine)
    unreachable = Signal(str)  # why the server is not reachable, in plain words (a login page in the way…)
    _store_changed = Signal()  # from the writer thread: a commit happened

    def __init__(self, store: Store, interval_minutes: int = 15, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.page_limit: int | None = None  # changes per page; None: the server's default
        self.running = False
        self.online: bool | None = None
        self._cancel = threading.Event()
        self._threads: list[threading.Thread] = []
        self.auto_timer = QTimer(self)
        self.auto_timer.timeout.connect(lambda: self.sync_now(auto=True))
        self.set_interval(interval_minutes)
        self.probe_timer = QTimer(self, interval=PROBE_MS)
        self.probe_timer.timeout.connect(self.probe)
        self._online_signal = _Relay(self)
        self._online_signal.value.connect(self._set_online)
        self.after_change = QTimer(self, singleShot=True, interval=AFTER_CHANGE_MS)
        self.after_change.timeout.connect(self._sync_after_change)
        self._changed_while_running = False
        self._store_changed.connect(self._changed)
        store.on_change(self._heard_change)

    # ------------------------------------------------------------------ state
    def account(self) -> tuple[str, str] | None:
        saved = credentials.load_token(self.store.data_dir)
        return (saved[0], saved[1]) if saved else None

    def transport(self) -> Transport | None:
        saved = credentials.load_token(self.store.data_dir)
        if not saved:
            return None
        # every reply tells the service's time: the probe keeps the clock offset fresh too
        return Transport(saved[0], token=saved[2], on_server_time=self.store.observe_server_time)

    def set_interval(self, minutes: int) -> None:
        """0 turns automatic sync off."""
        self.auto_timer.stop()
        if minutes > 0:
            self.auto_timer.start(minutes * 60_000)

    def start_watching(self) -> None:
        """Probe the server now and every 30 s; a sync follows when it comes back."""
        self.probe_timer.start()
        self.probe()

    # ------------------------------------------------------------------ actions
    def login(self, server: str, user: str, password: str) -> None:
        """Log in off the UI thread; `logged_in` or `login_failed` follows."""
        def work() -> None:
            try:
                t = Transport(server)
                answer = t.login(user, password)
                credentials.save_token(self.store.data_dir, server, user, t.token or "")
                self.store.set_meta("sync_server", server)
                self.store.set_meta("sync_user", user)
                self.store.set_meta("sync_role", (answer.get("user") or {}).get("role"))
            except ServerRefused as exc:
                self.login_failed.emit(exc.message)
            except TransportError as exc:
                self.login_failed.emit(str(exc))
            else:
                self.logged_in.emit(server, user)
        self._spawn(work)

    def _heard_change(self, _entity: str, _row_id: str) -> None:
        try:
            self._store_changed.emit()  # queued to the UI thread
        except RuntimeError:  # this controller is gone; the store lives on (tests)
            pass

    def _changed(self) -> None:
        """A commit (a local edit, or a sync's page): send soon if there is anything to
        send; the worker looks (a sync's own pages leave nothing pending)."""
        if self.running:
            self._changed_while_running = True
            return
        if self.online is not False and self.account() is not None:
            self.after_change.start()

    def _sync_after_change(self) -> None:
        self.sync_now(auto=True, only_if_pending=True)

    def sync_now(self, auto: bool = False, only_if_pending: bool = False) -> bool:
        """Start a sync unless one runs; returns whether it started. With
        `only_if_pending` the worker ends at once when nothing waits to be sent."""
        if self.running:
            return False
        transport = self.transport()
        if transport is None:
            if not auto:
                self.login_needed.emit("")
            return False
        self.running = True
        self._cancel.clear()
        engine = SyncEngine(self.store, transport, page_limit=self.page_limit)

        def work() -> None:
            if only_if_pending and self.store.pending_count() == 0:
                self.running = False
                return
            try:
                result = engine.sync(progress=self.progress.emit, cancel=self._cancel)
            except AuthRequired as exc:
                self.running = False
                self.login_needed.emit(exc.message)
                return
            self.running = False
            reachable = result.ok or result.cancelled or result.error_kind in ("disk_full", "refused")
            self._online_signal.value.emit(reachable)
            if result.error_kind == "not_service":
                self.unreachable.emit(result.error or "")
            self.finished.emit(result)
            if self._changed_while_running:
                self._changed_while_running = False
                self._store_changed.emit()
        self._spawn(work)
        return True

    def download_attachments(self) -> bool:
        """Fetch every attachment of the user's regions not yet on this computer (before a
        trip with no network); `attachments_done(count, error)` follows."""
        transport = self.transport()
        if transport is None:
            self.login_needed.emit("")
            return False

        def work() -> None:
            from fieldapp.sync_client import blobs
            try:
                got = blobs.download_all(self.store, transport)
            except (TransportError, ServerRefused, ValueError, OSError) as exc:
                self.attachments_done.emit(0, str(exc))
            else:
                self.attachments_done.emit(got, "")
        self._spawn(work)
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def probe(self) -> None:
        transport = self.transport()
        if transport is None or self.running:
            return

        def work() -> None:
            try:
                transport.health()
                self._online_signal.value.emit(True)
            except NotTheService as exc:
                self._online_signal.value.emit(False)
                self.unreachable.emit(exc.args[0])
            except (TransportError, ServerRefused):
                self._online_signal.value.emit(False)
        self._spawn(work)

    def _set_online(self, online: bool) -> None:
        came_back = online and self.online is False
        if online != self.online:
            self.online = online
            self.online_changed.emit(online)
        if came_back:
            self.sync_now(auto=True)

    def _spawn(self, fn) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        t = threading.Thread(target=fn, daemon=True, name="fieldapp-sync")
        self._threads.append(t)
        t.start()

    def wait(self, timeout: float = 30.0) -> None:
        """For tests and shutdown: let running work end."""
        for t in list(self._threads):
            t.join(timeout)

    @staticmethod
    def address_problem(url: str) -> str | None:
        from fieldapp.i18n import _
        if not url.strip():
            return _("Enter the server address.")
        if not is_safe_address(url.strip()):
            return _("This address is not https: your password would cross the network unprotected.")
        return None


class _Relay(QObject):
    value = Signal(bool)


__all__ = ["SyncController", "Progress", "SyncResult"]
