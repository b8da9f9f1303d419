"""Shared fixtures: a fresh local store in a temporary data folder."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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
