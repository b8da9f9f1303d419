"""The one door between the window and the store: writes go to the store's single
writer thread, slow reads go to a thread pool, and both report back on the UI thread
through Qt signals. Nothing here blocks the UI thread on disk.
"""
from __future__ import annotations

import itertools
import logging
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, Signal, Slot

from fieldapp.core.store import Store

log = logging.getLogger(__name__)
Callback = Callable[[Any], None] | None


class StoreBridge(QObject):
    """Carries results and change news from worker threads into the UI thread."""

    changed = Signal(str, str)  # entity, row id: a write committed (any thread wrote it)
    busy_changed = Signal(int)  # writes queued but not yet committed
    write_failed = Signal(object)  # an exception a write raised that nobody handled
    _deliver = Signal(int, object, object)  # token, result, error (queued to the UI thread)

    def __init__(self, store: Store, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self._callbacks: dict[int, tuple[Callback, Callback, bool]] = {}
        self._tokens = itertools.count(1)
        self._pending_writes = 0
        # A Python pool, not QThreadPool + QRunnable: PySide keeps every finished
        # QRunnable's wrapper (and the closure it ran) alive, so each opened record
        # leaked a few hundred bytes and references to None for the whole session.
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="fieldapp-read")
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)
        store.on_change(self._relay_change)

    # ------------------------------------------------------------------ news
    def _relay_change(self, entity_name: str, row_id: str) -> None:
        try:
            self.changed.emit(entity_name, row_id)
        except RuntimeError:  # the window is gone while the writer finished late
            pass

    def idle(self) -> bool:
        """True when no write and no read started here is still running."""
        return not self._callbacks

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Wait (bounded) for the reads and writes started here, delivering their
        results, so nothing is cut off when the window goes. Waits in short steps from
        Python so that worker threads can take the interpreter lock meanwhile."""
        deadline = time.monotonic() + timeout_s
        while self._callbacks and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
            time.sleep(0.002)
        self.pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ work
    def write(self, fn: Callable[..., Any], *args: Any, on_done: Callback = None, on_error: Callback = None,
              **kw: Any) -> Future:
        """Run `fn(*args, **kw)` on the store's writer thread; `on_done(result)` or
        `on_error(exception)` are called later on the UI thread."""
        token = next(self._tokens)
        self._callbacks[token] = (on_done, on_error, True)
        self._pending_writes += 1
        self.busy_changed.emit(self._pending_writes)
        future = self.store.submit(fn, *args, **kw)
        future.add_done_callback(lambda f, t=token: self._finish(t, f))
        return future

    def read(self, fn: Callable[[], Any], on_done: Callback = None, on_error: Callback = None) -> int:
        """Run `fn()` in the thread pool (queries too slow for the UI thread)."""
        token = next(self._tokens)
        self._callbacks[token] = (on_done, on_error, False)
        self.pool.submit(self._run_read, fn, token)
        return token

    def _run_read(self, fn: Callable[[], Any], token: int) -> None:  # runs in a pool thread
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - reported on the UI thread
            self._post(token, None, exc)
            return
        self._post(token, result, None)

    def _finish(self, token: int, future: Future) -> None:
        error = future.exception()
        try:
            self._deliver.emit(token, None if error else future.result(), error)
        except RuntimeError:
            pass

    def _post(self, token: int, result: Any, error: BaseException | None) -> None:
        try:
            self._deliver.emit(token, result, error)
        except RuntimeError:
            pass

    @Slot(int, object, object)
    def _on_deliver(self, token: int, result: Any, error: BaseException | None) -> None:
        on_done, on_error, is_write = self._callbacks.pop(token, (None, None, False))
        if is_write:
            self._pending_writes -= 1
            self.busy_changed.emit(self._pending_writes)
        try:
            if error is not None:
                if on_error is not None:
                    on_error(error)
                else:
                    log.error("background work failed: %s", "".join(traceback.format_exception(error)))
                    if is_write:
                        self.write_failed.emit(error)
                return
            if on_done is not None:
                on_done(result)
        except RuntimeError as exc:
            # The widget that asked is gone (its window closed while the work ran): the
            # work itself is done and committed; only the news has nobody to go to.
            if "already deleted" not in str(exc):
                raise
