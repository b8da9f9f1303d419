"""Where things live: shipped resources, translations, and the user's data folder.

Resources are found beside the source tree, inside a PyInstaller bundle (sys._MEIPASS),
or where FIELDAPP_RESOURCES points. User data goes to the platform's user data folder,
never beside the program, so that installing a newer build keeps it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "FieldApp"
APP_AUTHOR = "4p1000"


def _root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """FIELDAPP_RESOURCES, else beside the source tree or bundle, else where a plain
    `pip install` put them (<prefix>/share/fieldapp/resources, pyproject's data-files)."""
    env = os.environ.get("FIELDAPP_RESOURCES")
    if env:
        return Path(env)
    beside = _root() / "resources"
    installed = Path(sys.prefix) / "share" / "fieldapp" / "resources"
    return installed if not beside.exists() and installed.exists() else beside


def translations_dir() -> Path:
    env = os.environ.get("FIELDAPP_TRANSLATIONS")
    return Path(env) if env else _root() / "translations"


def default_data_dir() -> Path:
    env = os.environ.get("FIELDAPP_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def make_private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create `path` (and its parents) readable by the owner only (0700), and with
    `tighten` narrow it when it exists already with wider rights: a data folder holds
    every contact's email and phone, which other accounts of the machine must not read.
    On Windows the
    per-user profile folders are already private by their ACL, and POSIX modes mean
    nothing there, so nothing more is done."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and tighten:
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o700)
        except PermissionError:
            pass  # a folder someone else owns (a shared mount): leave it as its owner set it
    return path


def make_private_file(path: Path) -> Path:
    """Create `path` empty when missing, readable and writable by the owner only (0600),
    so that SQLite (which gives its -wal and -shm files the database file's mode) and
    every later copy start private."""
    path = Path(path)
    if not path.exists():
        # Never open an existing database file: closing any descriptor of a file drops
        # every POSIX lock this process holds on it, SQLite connections' included.
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
    if os.name != "posix":
        return path
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except PermissionError:
        pass
    return path


def safe_name(text: str) -> str:
    """A file name suggested from a record's title: letters, digits, - and _ only (no path
    separators, nothing a file system refuses), at most 60 characters."""
    keep = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in text)
    return "_".join(keep.split())[:60] or "export"
