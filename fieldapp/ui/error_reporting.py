"""Errors a person can act on: every uncaught exception (any thread) and every critical
Qt message is logged (fieldapp.diagnostics) and shown in a short dialog that says what
happened and offers "Open log folder" and "Copy details", so a report reaches whoever
can fix it instead of a console nobody sees."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QtMsgType, QUrl, Signal, qInstallMessageHandler
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from fieldapp import diagnostics
from fieldapp.i18n import _

log = logging.getLogger("fieldapp.qt")
_QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}


def open_log_folder() -> bool:
    folder = diagnostics.log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class ErrorDialog(QDialog):
    """What happened in one line, the details folded below, and the two ways to pass it on."""

    def __init__(self, summary: str, details: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Something went wrong"))
        self.details = f"{details.rstrip()}\n\n{diagnostics.version_text()}"
        layout = QVBoxLayout(self)
        intro = QLabel(_("Field App met an error it did not expect. Your saved work is safe: every change is "
                         "written when you make it. The details are in the log file."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.text = QPlainTextEdit(self.details)
        self.text.setReadOnly(True)
        self.text.setMaximumHeight(160)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton(_("Open log folder"))
        self.copy_button = QPushButton(_("Copy details"))
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.clicked.connect(open_log_folder)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 340)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(f"{self.summary.text()}\n\n{self.details}")


class ErrorReporter(QObject):
    """Receives errors from any thread and shows them on the UI thread, one dialog at a time
    (a burst of the same error does not stack fifty dialogs)."""

    _show = Signal(str, str)

    def __init__(self, parent_widget: QWidget | None = None):
        super().__init__(parent_widget)
        self.parent_widget = parent_widget
        self.dialog: ErrorDialog | None = None
        self.shown = 0
        self._show.connect(self._on_show, Qt.ConnectionType.QueuedConnection)

    def __call__(self, summary: str, details: str) -> None:  # the diagnostics sink; any thread
        try:
            self._show.emit(summary, details)
        except RuntimeError:  # the window is gone: the log has it
            pass

    def _on_show(self, summary: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return
        self.shown += 1
        self.dialog = ErrorDialog(summary, details, self.parent_widget)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.finished.connect(self._closed)
        self.dialog.show()

    def _closed(self) -> None:
        self.dialog = None


def _qt_message(kind: QtMsgType, context, message: str) -> None:
    level = _QT_LEVELS.get(kind, logging.WARNING)
    where = f" ({context.file}:{context.line})" if context is not None and context.file else ""
    if level >= logging.ERROR:
        diagnostics.report(_("Qt reported an error: {message}").format(message=message), message + where)
    else:
        log.log(level, "%s%s", message, where)


def install(window: QWidget | None) -> ErrorReporter:
    """Log to the platform's log folder and show errors over `window`."""
    diagnostics.configure_logging()
    reporter = ErrorReporter(window)
    diagnostics.set_error_sink(reporter)
    qInstallMessageHandler(_qt_message)
    return reporter
