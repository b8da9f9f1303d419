"""The window part of `fieldapp --self-test` (fieldapp/selftest.py): open the main window
offscreen on a fresh database and wait until its first list is filled, and check what
Qt itself must bring to a build (its translations, collation data, the icon)."""
from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

from PySide6.QtCore import (
    QCollator, QCoreApplication, QEvent, QEventLoop, QLibraryInfo, QLocale, QSettings, QTimer, QTranslator,
)
from PySide6.QtWidgets import QApplication

from fieldapp.core.store import Store
from fieldapp.i18n import _
from fieldapp.ui.app import make_app
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.settings import Settings
from fieldapp.ui.theme import app_icon


class WindowCheckFailed(Exception):
    """The window check failed; the message is for a person (the self-test prints it)."""


def open_window(base: Path, *, required_languages: tuple[str, ...], timeout_s: float) -> str:
    """What the check saw, in one sentence; raises WindowCheckFailed."""
    app = QApplication.instance() or make_app([sys.argv[0] if sys.argv else "fieldapp"])
    qt_translations = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    no_qt_catalog = [lang for lang in required_languages if not QTranslator().load(f"qtbase_{lang}", qt_translations)]
    if no_qt_catalog:
        raise WindowCheckFailed(_("Qt's own translations missing for {langs} in {folder}").format(langs=", ".join(no_qt_catalog), folder=qt_translations))
    if app_icon().isNull():
        raise WindowCheckFailed(_("the application icon does not load"))
    words = sorted(["zèbre", "école", "eau"], key=functools.cmp_to_key(QCollator(QLocale("fr")).compare))
    if words != ["eau", "école", "zèbre"]:  # code-point order puts 'zèbre' first
        raise WindowCheckFailed(_("lists do not sort by the language's rules (Qt's collation data is missing): {words}").format(words=words))
    settings = Settings(QSettings(str(base / "settings.ini"), QSettings.Format.IniFormat))  # never the user's own
    store = Store(base / "window", author="self-test")
    window = None
    try:
        window = MainWindow(store, settings)
        loop = QEventLoop()
        ready = []
        window.ready.connect(lambda: (ready.append(True), loop.quit()))
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        started = time.monotonic()
        window.show()
        if not ready:
            loop.exec()
        if not ready:
            raise WindowCheckFailed(_("the main window did not show its first list within {s:.0f} s").format(s=timeout_s))
        return _("shown on platform '{platform}' in {ms:.0f} ms; Qt translations in {folder}").format(
            platform=app.platformName(), ms=(time.monotonic() - started) * 1000, folder=qt_translations)
    finally:
        if window is not None:
            window.close()
            window.deleteLater()
        app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # no event loop runs after us
        store.close()
