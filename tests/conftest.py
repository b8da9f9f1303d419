"""Shared fixtures: a fresh local store in a temporary data folder."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    """Every test runs with a real `keyring` backend held in memory: the path users with an
    OS keyring take, and never the developer's own keyring. Tests of the token-file
    fallback set FIELDAPP_TOKEN_FILE=1 themselves."""
    import keyring

    from tests.memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.delenv("FIELDAPP_TOKEN_FILE", raising=False)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def store(tmp_path):
    from fieldapp.core.store import Store

    s = Store(tmp_path / "data", author="tester")
    yield s
    s.close()


@pytest.fixture
def make_store(tmp_path):
    """Factory for several stores (clients) in one test."""
    from fieldapp.core.store import Store

    made = []

    def make(name: str = "data", author: str = "tester"):
        s = Store(tmp_path / name, author=author)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()
