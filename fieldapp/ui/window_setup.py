"""Puts sync and project forms into the main window, and, for `make run`, starts the
local demo sync service so a newcomer sees sync working on the first start.

Kept apart from main_window.py so the window stays usable (and testable) with neither.
"""
from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal

from fieldapp.i18n import _
from fieldapp.sync_client import blobs, demo_service
from fieldapp.sync_client.command import clock_sentence
from fieldapp.ui.form_area import FormsArea
from fieldapp.ui.login_dialog import LoginDialog
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.sync_area import INTERVAL_KEY, SyncArea
from fieldapp.ui.sync_controller import SyncController

REVIEW_ROLES = ("reviewer", "administrator")
CLOCK_WARNED_META = "clock_warned_offset_ms"  # the offset the person was last told about
ROLE_META = "sync_role"


def generate_demo(window: MainWindow, scale: int, *, submissions: bool = True,
                  then: Callable[[], None] | None = None) -> None:
    """Fill the database with demo data if it holds no practice, on the writer thread
    (the window is already up and stays responsive), then refresh the lists and call
    `then` (whether data was made or not)."""
    try:
        demo = importlib.import_module("fieldapp.core.demo")
    except ImportError:
        window.statusBar().showMessage(_("Demo data is not available in this build (fieldapp.core.demo is missing)."), 15000)
        return
    store = window.store

    def fill_if_empty() -> bool:
        if store.count("practice"):
            return False
        demo.generate(store, scale=scale, seed=1, submissions=submissions)
        return True

    def done(generated: bool) -> None:
        if generated:
            window.statusBar().showMessage(_("Demo data ready."), 8000)
            window.refresh_all()
        else:
            window.statusBar().clearMessage()
        if then is not None:
            then()

    def failed(exc: BaseException) -> None:
        window.statusBar().showMessage(_("Could not generate demo data: {reason}").format(reason=exc), 15000)
        if then is not None:
            then()

    window.statusBar().showMessage(_("Preparing demo data…"))
    window.bridge.write(fill_if_empty, on_done=done, on_error=failed)


class WindowServices(QObject):
    """What the window gained: the sync controller and areas, and the demo service."""

    demo_ready = Signal(object)  # DemoService
    demo_failed = Signal(str)

    def __init__(self, window: MainWindow, qsettings: QSettings):
        super().__init__(window)
        self.window = window
        store = window.store
        self.controller = SyncController(store, int(qsettings.value(INTERVAL_KEY, 15)), parent=self)
        self.sync_area = SyncArea(window.bridge, self.controller, qsettings)
        window.replace_area("sync", self.sync_area)
        self.forms = FormsArea(window.bridge, can_review=self._can_review())
        window.replace_page("form_submission", self.forms)
        self.service: demo_service.DemoService | None = None
        self._service_ready: demo_service.DemoService | None = None  # answered before the local demo data was written
        self._local_demo_done = True
        self._starter: threading.Thread | None = None
        self._started: demo_service.DemoService | None = None  # set by the starting thread, under _start_lock
        self._closing = False
        self._start_lock = threading.Lock()
        self.sync_area.login_requested.connect(lambda: self.ask_login(""))
        self.controller.login_needed.connect(self.ask_login)
        self.controller.online_changed.connect(window.set_online)
        self.controller.logged_in.connect(self._logged_in)
        self.controller.finished.connect(self._finished)
        self.controller.unreachable.connect(lambda why: window.statusBar().showMessage(why, 15000))
        self.sync_area.open_record.connect(self._open_refused)
        window.attention_requested.connect(self.show_attention)
        self.demo_ready.connect(self._demo_ready)
        self.demo_failed.connect(self._demo_failed)
        for panel in (window.practice_attachments, window.meeting_attachments):
            panel.set_fetch(self._fetch_attachment)
        if self.controller.account():
            window.set_online(None if self.controller.online is None else self.controller.online)
            self.controller.start_watching()

    def _fetch_attachment(self, row: dict) -> Path:
        """Download an attachment's bytes (resumable, hash checked); runs off the UI thread."""
        transport = self.controller.transport()
        if transport is None:
            raise RuntimeError(_("not logged in to a sync server"))
        return blobs.download(self.window.store, transport, row["sha256"], row.get("size"))

    def _can_review(self) -> bool:
        return (self.window.store.meta(ROLE_META) or "") in REVIEW_ROLES

    def ask_login(self, reason: str) -> None:
        account = self.controller.account()
        server = account[0] if account else (self.window.settings.server_url or "")
        user = account[1] if account else ""
        if reason:
            reason = _("Please log in again: {reason}").format(reason=reason)
        LoginDialog(self.controller, server, user, reason, self.window).open()

    def _logged_in(self, server: str, _user: str) -> None:
        self.window.settings.server_url = server
        self.forms.set_can_review(self._can_review())
        self.controller.start_watching()
        self.controller.sync_now(auto=True)

    def show_attention(self) -> None:
        """The Sync area with its Needs attention list in front."""
        self.window.go(self.window.area_keys.index("sync"))
        self.sync_area.show_attention()

    def _open_refused(self, entity_name: str, row_id: str) -> None:
        if entity_name == "form_submission":  # the forms area took the plain list's place
            self.window.go(self.window.area_keys.index("projects"))
            tabs = self.forms.parentWidget().parentWidget() if self.forms.parentWidget() else None
            if tabs is not None and hasattr(tabs, "setCurrentWidget"):
                tabs.setCurrentWidget(self.forms)
            self.forms.open_submission(row_id)
        elif entity_name in self.window.pages:
            self.window.open_record(entity_name, row_id)

    def _finished(self, result) -> None:
        # the engine stored when it succeeded (LAST_SYNC_META), the same key `fieldapp sync` writes
        sentence = clock_sentence(result.clock_offset_ms, short=True)
        warned = self.window.store.meta(CLOCK_WARNED_META)
        if sentence and (warned is None or abs(int(warned) - result.clock_offset_ms) > 60 * 60 * 1000):
            self.window.store.set_meta(CLOCK_WARNED_META, str(result.clock_offset_ms))  # said once, not every sync
            self.window.statusBar().showMessage(sentence, 30000)
        else:
            self.window.statusBar().showMessage(self.sync_area.status.text(), 8000)
        self.window.refresh_status()
        if result.received:
            self.window.refresh_all()

    # ------------------------------------------------------------------ make run
    def start_demo_service(self, folder: Path, *, then_generate_locally: int | None, scale: int = 2000) -> None:
        """Start (seeding it the first time) a local service in a background thread;
        when it answers, log in as the demo user and sync.

        On an empty database the same demo records (same generator and seed as the
        service's) are written locally at once, so a newcomer sees a full window in
        seconds instead of after the initial sync of thousands of records; that sync
        then brings the very same rows with their server versions and sends nothing.
        The login waits until the local records are written (the two must not race for
        the same ids). If the service cannot start, the local records stay."""
        self._service_ready = None
        self._local_demo_done = not then_generate_locally
        self.window.statusBar().showMessage(_("Starting the local demo sync service…"))
        if then_generate_locally:
            generate_demo(self.window, then_generate_locally, submissions=False, then=self._local_demo_written)

        def work() -> None:
            try:
                service = demo_service.start(folder, scale=scale)
            except Exception as exc:  # noqa: BLE001 - reported in the status bar, the app goes on
                self.demo_failed.emit(str(exc))
                return
            with self._start_lock:
                self._started, closing = service, self._closing
            if closing:
                service.stop()  # the app is quitting: shutdown() is waiting for this thread
            else:
                self.demo_ready.emit(service)
        self._starter = threading.Thread(target=work, daemon=True, name="demo-service")
        self._starter.start()

    def _local_demo_written(self) -> None:
        self._local_demo_done = True
        if self._service_ready is not None:
            self._demo_ready(self._service_ready)

    def _demo_ready(self, service: demo_service.DemoService) -> None:
        self.service = service
        if not self._local_demo_done:
            self._service_ready = service  # logs in once the local demo records are written
            return
        self._service_ready = None
        self.window.statusBar().showMessage(
            _("Local demo sync service running at {url}; logging in as “{user}” and syncing…").format(
                url=service.url, user=service.user), 10000)
        self.controller.login(service.url, service.user, service.password)

    def _demo_failed(self, reason: str) -> None:
        self.window.statusBar().showMessage(_("The local demo sync service did not start: {reason}").format(reason=reason), 15000)

    def shutdown(self) -> None:
        for panel in (self.window.practice_attachments, self.window.meeting_attachments):
            panel.set_fetch(None)  # a panel outliving the window must not keep this sync alive
        self.controller.cancel()
        self.controller.wait(10)
        with self._start_lock:
            self._closing = True
            started = self._started
        if started is None and self._starter is not None:
            # a quit (or SIGTERM) while the service was still coming up: its thread stops
            # it once it answers; wait for that, or the service would outlive the app
            self._starter.join(30)
        for service in {id(s): s for s in (started, self.service) if s is not None}.values():
            service.stop()


def wants_demo_service(argv: list[str] | None) -> bool:
    """`make run` gets a local service unless --no-server, or in a frozen build (which
    ships no server)."""
    return "--no-server" not in (argv or []) and not getattr(sys, "frozen", False)
