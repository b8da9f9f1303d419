"""Fixtures for the catalogs: the template freshly extracted from the code (never the
committed .pot, which may lag behind), and each language's catalog as committed."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from fieldapp.i18n import set_language

ROOT = Path(__file__).resolve().parents[2]


def _load_manage():
    spec = importlib.util.spec_from_file_location("translations_manage", ROOT / "translations" / "manage.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def manage():
    return _load_manage()


@pytest.fixture(scope="session")
def template(manage):
    return manage.extract()


@pytest.fixture(scope="session")
def catalogs(manage):
    return {lang: manage.read_catalog(manage.po_path(lang), lang) for lang in manage.LANGUAGES}


@pytest.fixture
def english_afterwards():
    """Other tests read English: put it back whatever happens."""
    yield
    set_language("en")
