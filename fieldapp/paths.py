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
    env = os.environ.get("FIELDAPP_RESOURCES")
    return Path(env) if env else _root() / "resources"


def translations_dir() -> Path:
    env = os.environ.get("FIELDAPP_TRANSLATIONS")
    return Path(env) if env else _root() / "translations"


def default_data_dir() -> Path:
    env = os.environ.get("FIELDAPP_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
