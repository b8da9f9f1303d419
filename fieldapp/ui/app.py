"""Starting the desktop application: `fieldapp` with no command calls `run()`.

The window is shown as soon as the store is open; demo data, when asked for on an
empty database, is generated on the store's writer thread while the window is up.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from fieldapp.i18n import _
from fieldapp.paths import APP_AUTHOR, APP_NAME, default_data_dir
from fieldapp.system_libs import check_window_libraries
from fieldapp.ui.encryption_dialog import open_store
from fieldapp.ui.error_reporting import install as install_error_reporting
from fieldapp.ui.i18n_qt import apply_language
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.quit_signals import QuitOnSignals
from fieldapp.ui.settings import Settings
from fieldapp.ui.theme import app_icon, apply_theme
from fieldapp.ui.window_setup import WindowServices, generate_demo, wants_demo_service

READY_ENV = "FIELDAPP_REPORT_READY"  # benchmark hook: print "ready <epoch>" and quit


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationDisplayName(_("Field App"))
    app.setWindowIcon(app_icon())
    apply_theme(app)
    return app  # type: ignore[return-value]


def run(data_dir: Path, *, demo_scale: int | None = None, argv: list[str] | None = None) -> int:
    """Open the main window on `data_dir`; returns the exit code."""
    missing = check_window_libraries()
    if missing:  # Qt would abort with a generic plugin message: name the packages instead
        print(missing, file=sys.stderr)
        return 3
    app = make_app(argv)
    settings = Settings()
    apply_language(app, settings.language)  # gettext, Qt's own catalogs, QLocale, reading direction
    app.setApplicationDisplayName(_("Field App"))
    if settings.data_dir and Path(data_dir) == default_data_dir():
        data_dir = settings.data_dir  # an explicit --data-dir wins over the saved choice
    install_error_reporting(None)  # log file, faulthandler, hooks: before anything can fail
    # first start: offer encryption (not for demo data or a benchmark); ask a passphrase if needed
    store = open_store(Path(data_dir), settings.q, offer=not demo_scale and not os.environ.get(READY_ENV))
    if store is None:
        return 1
    window = MainWindow(store, settings)
    window.error_reporter = install_error_reporting(window)
    services = WindowServices(window, settings.q)
    if window.screen_too_small:
        window.showMaximized()
    else:
        window.show()
    quitter = QuitOnSignals(app)  # kill / logout / Ctrl+C: through the clean-up below, demo service included
    if os.environ.get(READY_ENV):
        def report() -> None:
            window.repaint()  # populated means painted: the first screen's rows are fetched
            print(f"ready {time.time():.6f}", flush=True)
            QTimer.singleShot(0, app.quit)
        window.ready.connect(report)
    if demo_scale and wants_demo_service(argv):
        # the records arrive by sync from a local service seeded with the same demo data
        services.start_demo_service(Path(data_dir) / "demo-server", then_generate_locally=demo_scale)
    elif demo_scale:
        generate_demo(window, demo_scale)
    try:
        return app.exec()
    finally:
        quitter.restore()
        services.shutdown()
        window.shutdown()
        window.close()  # quit from a menu or a signal leaves it open otherwise
        window.deleteLater()
        store.close()
