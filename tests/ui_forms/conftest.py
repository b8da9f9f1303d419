"""Fixtures for driving the form filler offscreen: a bridge on the test store, a forms
area with the shipped templates published, and helpers that answer like a person."""
from __future__ import annotations

import pytest

# A complete, valid project proposal (what a careful applicant types).
PROPOSAL = {
    "holder_name": "Réseau Sahel Sols Vivants",
    "holder_type": "foundation",
    "contact_name": "Awa Traoré",
    "contact_email": "awa@sahel-sols.org",
    "project_title": "Zaï and half-moons in the Yatenga",
    "region": "AFR",
    "country": "BF",
    "summary": "Restore degraded plots with zaï pits and compost.",
    "start_date": "2027-01-15",
    "duration_months": 24,
    "land_use": "CL",
    "area_ha": 120,
    "practices": ["agroecology", "soil_cover"],
    "soc_percent": 0.8,
    "expected_rate": 0.4,
    "budget_staff": 40000,
    "budget_equipment": 15000,
    "budget_training": 8000,
    "budget_monitoring": 6000,
    "workplan": {"name": "workplan.pdf"},
    "declaration": "yes",
}


@pytest.fixture
def bridge(qtbot, store):
    from fieldapp.ui.bridge import StoreBridge

    b = StoreBridge(store)
    yield b
    qtbot.waitUntil(b.idle, timeout=15000)


def settle(qtbot, bridge, timeout: int = 15000) -> None:
    """Wait until every write and read started through `bridge` has reported back."""
    qtbot.waitUntil(bridge.idle, timeout=timeout)


def make_area(qtbot, bridge, **kw):
    from fieldapp.ui.form_area import FormsArea

    area = FormsArea(bridge, **kw)
    qtbot.addWidget(area)
    area.resize(1280, 800)
    area.show()
    return area


def template(area, form_id: str) -> dict:
    return next(t for t in area.templates() if t["form_id"] == form_id)


def start(qtbot, area, form_id: str = "project_proposal", title: str = "Zaï in the Yatenga", **kw) -> str:
    """Create a submission through the area and wait until its first page is shown."""
    qtbot.waitUntil(lambda: any(t["form_id"] == form_id for t in area.templates()), timeout=15000)
    with qtbot.waitSignal(area.filler.opened, timeout=15000) as opened:
        area.new_submission(template(area, form_id)["id"], title, **kw)
    return opened.args[0]


def answer(filler, path: str, value) -> None:
    """Go to the question's page and answer it through its input."""
    filler.jump_to(path)
    filler.set_answer(path, value)


def answers_in_db(store, row_id: str) -> dict:
    return store.get("form_submission", row_id)["answers"]


def visible_paths(filler) -> set[str]:
    return {path for (kind, path) in filler.rows if kind == "question"}


def fill(filler, values: dict) -> None:
    for path, value in values.items():
        answer(filler, path, value)


@pytest.fixture
def codes(store):
    """Codes of the reference lists (whatever the shipped data holds)."""
    return {name: store.catalog.codes(name) for name in store.catalog.entries}
