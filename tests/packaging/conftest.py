"""Helpers for the packaging tests: the packaging/ scripts are loaded by path (the folder
is not a Python package, and its name is taken by the PyPI `packaging` library)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
FIXTURE_R0001 = ROOT / "tests" / "fixtures" / "store_r0001.sqlite"


def load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if str(PACKAGING) not in sys.path:  # build.py imports bundle_config by name
        sys.path.insert(0, str(PACKAGING))
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bundle_config() -> ModuleType:
    return load("bundle_config")


@pytest.fixture(scope="session")
def icu_subset() -> ModuleType:
    return load("icu_subset")


@pytest.fixture(scope="session")
def build_script() -> ModuleType:
    return load("build")
