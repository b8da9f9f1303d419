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
