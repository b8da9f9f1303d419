"""The dashboard area shows the figures SQL counts give on demo data, filters them,
and exports them."""
from __future__ import annotations

import csv
import io
import sqlite3

import pytest
from PySide6.QtGui import QImage

from fieldapp.ui.display import number_text


@pytest.fixture
def demo_window(qtbot, store, settings):
    from fieldapp.core import demo
    from fieldapp.ui.main_window import MainWindow

    demo.generate(store, scale=120, seed=5)
    w = MainWindow(store, settings)
    w.resize(1300, 860)
    w.show()
    with qtbot.waitSignal(w.dashboard.loaded, timeout=20000):
        w.go(w.area_keys.index("dashboard"))
    yield w
    qtbot.waitUntil(w.bridge.idle, timeout=15000)
    w.close()
    w.deleteLater()


def one(db, sql, *params):
    return db.execute(sql, params).fetchone()[0]


def test_kpis_equal_sql_counts_on_demo_data(demo_window, store):
    d = demo_window.dashboard
    db = sqlite3.connect(store.db_path)
    today = d.figures["filters"]["today"]
    expected = {
        "partners": one(db, "SELECT COUNT(*) FROM organisation WHERE NOT deleted AND membership = 'partner'"),
        "members": one(db, "SELECT COUNT(*) FROM organisation WHERE NOT deleted AND membership = 'member'"),
        "practices": one(db, "SELECT COUNT(*) FROM practice WHERE NOT deleted"),
        "meetings_held": one(db, "SELECT COUNT(*) FROM meeting WHERE NOT deleted AND starts_on <= ?", today),
        "people_reached": one(db, "SELECT COUNT(*) FROM meeting_participant p, meeting m WHERE p.meeting_id = m.id "
                                  "AND NOT p.deleted AND NOT m.deleted AND m.starts_on <= ?", today),
        "open_actions_past_due": one(db, "SELECT COUNT(*) FROM action_item a, meeting m WHERE a.meeting_id = m.id AND "
                                         "NOT a.deleted AND NOT m.deleted AND a.status IN ('open', 'in_progress') "
                                         "AND a.due_on < ?", today),
    }
    for key, n in expected.items():
        assert d.tiles[key].value.text() == number_text(n), key
    assert expected["practices"] > 0 and expected["partners"] > 0
    # the bars carry the same counts, with labels a person reads
    family_rows = dict((label, sum(v)) for label, v in d.charts["by_family"].rows)
    n = one(db, "SELECT COUNT(*) FROM practice WHERE NOT deleted AND family = 'agroforestry'")
    assert family_rows["Agroforestry"] == n
    college = dict((label, list(v)) for label, v in d.charts["by_college"].rows)
    partners_c2 = one(db, "SELECT COUNT(*) FROM organisation WHERE NOT deleted AND college = 'C2' AND membership = 'partner'")
    members_c2 = one(db, "SELECT COUNT(*) FROM organisation WHERE NOT deleted AND college = 'C2' AND membership = 'member'")
    assert college["Research and education"] == [partners_c2, members_c2]
    countries = d.countries
    assert countries.rowCount() == one(db, "SELECT COUNT(DISTINCT country) FROM practice WHERE NOT deleted")
    db.close()


def test_region_and_period_filters(qtbot, demo_window, store):
    d = demo_window.dashboard
    with qtbot.waitSignal(d.loaded, timeout=10000):
        d.region.set_code("EUR")
        d.region.picked.emit()
    n = store.count("practice", {"region": "EUR"})
    assert d.tiles["practices"].value.text() == number_text(n)
    with qtbot.waitSignal(d.loaded, timeout=10000):
        d.period.setCurrentIndex(d.period.findData("quarter"))
        d.period.activated.emit(d.period.currentIndex())
    points = d.series["organisations_joined"].points
    assert points and all("-Q" in p for p, _v in points)
    assert d.time_heading.text() == "Over time, by quarter"


def test_dashboard_follows_new_records(qtbot, demo_window, store):
    d = demo_window.dashboard
    before = d.figures["practices"]["total"]
    with qtbot.waitSignal(d.loaded, timeout=10000):
        store.insert("practice", {"title": "Fresh", "family": "agroecology", "country": "SN"})
    assert d.tiles["practices"].value.text() == number_text(before + 1)


def test_export_png_pdf_and_csv(tmp_path, demo_window):
    d = demo_window.dashboard
    png = d.export(tmp_path / "dash.png", "png")
    image = QImage(str(png))
    assert image.width() >= d.content.width() and image.height() >= d.content.height()
    pdf = d.export(tmp_path / "dash", "pdf")
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
    out = d.export(tmp_path / "dash.csv", "csv")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["section", "code", "label", "value"]
    by = {(r[0], r[1]): r for r in rows[1:]}
    agro = by[("practices by family", "agroforestry")]
    assert agro[2] == "Agroforestry" and int(agro[3]) == d.figures["practices"]["by_family"]["agroforestry"]
