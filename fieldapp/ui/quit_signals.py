"""Quit cleanly on SIGTERM, SIGINT and SIGHUP.

A Qt event loop never lets Python run its signal handlers by itself, so `kill` (or a
logout, or Ctrl+C in the terminal running `make run`) used to end the process without
the clean-up after `app.exec()`: the demo sync service was left running. Here the C
handler writes the signal number to a socket (signal.set_wakeup_fd) that a
QSocketNotifier watches, and the window quits through the normal path.
"""
from __future__ import annotations

import signal
import socket

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGTERM", "SIGINT", "SIGHUP")) if s is not None)


class QuitOnSignals(QObject):
    """Keep a reference for as long as the loop runs; `restore()` puts things back."""

    def __init__(self, app: QApplication):
        super().__init__(app)
        self.app = app
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {s: signal.signal(s, self._noted) for s in SIGNALS}
        self.received: int | None = None
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._wake)

    def _noted(self, signum: int, _frame) -> None:
        """Python-level handler: runs when the interpreter next gets control (the wake-up
        byte already reached the notifier); remembering the signal is enough."""
        self.received = signum

    def _wake(self) -> None:
        try:
            data = self._reader.recv(64)
        except OSError:
            return
        if data:
            self.received = self.received or data[-1]
            self.app.quit()

    def restore(self) -> None:
        self._notifier.setEnabled(False)
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()
