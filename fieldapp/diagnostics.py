"""What the app records when something goes wrong, and what it says about itself.

A rotating log file in the platform's log folder (a person can send it; nothing is
printed only to a console they never see), Python's faulthandler writing hard crashes
(segfaults, "Fatal Python error") next to it, and hooks for uncaught exceptions in any
thread. `versions()` is the one answer to "which build is this": `fieldapp --version`
and the About box both print it. Qt-free: the window adds its dialog on top.
"""
from __future__ import annotations

import faulthandler
import importlib.metadata as md
import logging
import logging.handlers
import os
import platform
import sys
import threading
from pathlib import Path
from typing import Callable, TextIO

import platformdirs

from fieldapp import __version__
from fieldapp.paths import APP_AUTHOR, APP_NAME

LOG_FILE = "fieldapp.log"
FAULT_FILE = "crashes.log"
MAX_BYTES = 1_000_000
BACKUPS = 4  # five files of 1 MB at most
# The libraries whose versions decide behaviour (a binding release once crashed the window).
LIBRARIES = ("PySide6-Essentials", "shiboken6", "SQLAlchemy", "alembic", "requests", "Babel", "pycountry",
             "openpyxl", "keyring", "platformdirs")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

ErrorSink = Callable[[str, str], None]  # (summary, details)
_state: dict[str, object] = {}


def log_dir() -> Path:
    """The platform's log folder (FIELDAPP_LOG_DIR overrides it, for tests and portable use)."""
    env = os.environ.get("FIELDAPP_LOG_DIR")
    return Path(env) if env else Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def versions() -> dict[str, str]:
    """The app's version, Python's, the platform's and the main libraries' (installed ones only)."""
    out = {"Field App": __version__, "Python": platform.python_version(), "Platform": platform.platform()}
    for name in LIBRARIES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    try:
        import sqlite3

        out["SQLite"] = sqlite3.sqlite_version
    except ImportError:  # pragma: no cover - every CPython has it
        pass
    return out


def version_text() -> str:
    return "\n".join(f"{name} {version}" for name, version in versions().items())


def configure_logging(level: int = logging.INFO, directory: Path | None = None) -> Path:
    """Start the log file, faulthandler and the exception hooks; returns the log folder.
    Calling it again only changes nothing (one handler, one fault file)."""
    folder = directory or log_dir()
    if _state.get("folder") == folder:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    old = _state.get("handler")
    if isinstance(old, logging.Handler):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    fault: TextIO = open(folder / FAULT_FILE, "a", encoding="utf-8")  # noqa: SIM115 - must stay open
    faulthandler.enable(file=fault, all_threads=True)
    old_fault = _state.get("fault")
    if old_fault is not None:
        old_fault.close()  # type: ignore[attr-defined]
    _state.update(folder=folder, handler=handler, fault=fault)
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
    logging.getLogger("fieldapp").info("started %s", " · ".join(f"{k} {v}" for k, v in versions().items()))
    return folder


def set_error_sink(sink: ErrorSink | None) -> None:
    """Where uncaught errors are shown to the person (the window's dialog), besides the log."""
    _state["sink"] = sink


def report(summary: str, details: str) -> None:
    """Log an error and hand it to the sink, if any; a failing sink never hides the error."""
    logging.getLogger("fieldapp").error("%s\n%s", summary, details)
    sink = _state.get("sink")
    if callable(sink):
        try:
            sink(summary, details)
        except Exception:  # noqa: BLE001 - the log already has it
            logging.getLogger("fieldapp").exception("could not show the error")


def _format(exc_type, exc, tb) -> str:
    import traceback

    return "".join(traceback.format_exception(exc_type, exc, tb))


def _excepthook(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    report(f"{exc_type.__name__}: {exc}", _format(exc_type, exc, tb))


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread else "?"
    report(f"{args.exc_type.__name__} in thread {name}: {args.exc_value}",
           _format(args.exc_type, args.exc_value, args.exc_traceback))
