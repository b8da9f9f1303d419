"""Fixtures for driving the real widgets offscreen on a small store."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from fieldapp.ui.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def bridge(qtbot, store):
    from fieldapp.ui.bridge import StoreBridge

    b = StoreBridge(store)
    yield b
    qtbot.waitUntil(b.idle, timeout=15000)


@pytest.fixture
def codes(store):
    """First codes of the reference lists (whatever the shipped data holds)."""
    cat = store.catalog
    return {name: cat.codes(name) for name in cat.entries}


@pytest.fixture
def sample(store, codes):
    """A handful of records of each main entity."""
    org = store.insert("organisation", {"name": "ICRISAT", "org_type": codes["org_type"][0], "country": "IN"})
    store.insert("contact", {"full_name": "Asha Rao", "organisation_id": org, "gender": "female", "country": "IN"})
    practices = [
        store.insert("practice", {"title": title, "family": fam, "country": country, "climate_zone": zone})
        for title, fam, country, zone in (
            ("Mulching with crop residues", codes["practice_family"][0], "IN", codes["climate_zone"][0]),
            ("Agroforestry with shea trees", codes["practice_family"][1], "BF", codes["climate_zone"][1]),
            ("No-till maize", codes["practice_family"][1], "FR", codes["climate_zone"][0]),
        )
    ]
    meeting = store.insert("meeting", {"title": "Hyderabad workshop", "starts_on": "2023-02-10", "country": "IN"})
    return {"organisation": org, "practices": practices, "meeting": meeting}


@pytest.fixture
def window(qtbot, store, sample, settings):
    from fieldapp.ui.main_window import MainWindow

    w = MainWindow(store, settings)
    w.show()
    qtbot.waitUntil(lambda: w.pages["practice"].model.rowCount() == 3, timeout=15000)
    yield w
    # Let the window's background work report back before it goes (pytest-qt would close
    # widgets registered with addWidget before this teardown runs).
    qtbot.waitUntil(w.bridge.idle, timeout=15000)
    w.close()
    w.deleteLater()


def settle(qtbot, bridge, timeout: int = 15000) -> None:
    """Wait until every write and read started through `bridge` has reported back."""
    qtbot.waitUntil(bridge.idle, timeout=timeout)
