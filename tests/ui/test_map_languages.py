"""The map and the dashboard in the six languages: they open and fill in each, and in
Arabic the dashboard's charts read right to left while the world stays unmirrored."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QColor, QImage

from fieldapp.core import geo
from fieldapp.ui import i18n_qt
from fieldapp.ui.dashboard_charts import BAR
from fieldapp.ui.display import number_text

LANGS = ("en", "fr", "es", "ar", "zh", "ru")


@pytest.fixture
def app(qapp):
    locale, direction = QLocale(), qapp.layoutDirection()
    yield qapp
    i18n_qt.apply_language(qapp, "en")
    QLocale.setDefault(locale)
    qapp.setLayoutDirection(direction)


@pytest.fixture
def records(store):
    store.insert("organisation", {"name": "ICRISAT", "org_type": "research", "college": "C2", "country": "IN",
                                  "latitude": 17.51, "longitude": 78.27})
    for i, family in enumerate(("agroforestry", "cover_crops", "cover_crops")):
        store.insert("practice", {"title": f"P{i}", "family": family, "country": "SN", "latitude": 14 + i, "longitude": -16})


def _bars(chart) -> list[tuple[int, int]]:
    """(first x, last x) of each bar drawn, top to bottom."""
    image = QImage(chart.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    chart.render(image)
    bars, inside = [], False
    for y in range(image.height()):
        xs = [x for x in range(image.width()) if QColor(image.pixel(x, y)) == BAR]
        if xs and not inside:
            bars.append((xs[0], xs[-1]))
        inside = bool(xs)
    return bars


@pytest.mark.parametrize("lang", LANGS)
def test_map_and_dashboard_open_in_each_language(qtbot, app, store, records, settings, lang):
    from fieldapp.ui.main_window import MainWindow

    i18n_qt.apply_language(app, lang)
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    window.resize(1300, 820)
    window.show()
    with qtbot.waitSignal(window.map_area.loaded, timeout=15000):
        window.go(window.area_keys.index("map"))
    canvas = window.map_area.canvas
    assert len(canvas.layers["practice"]) == 3
    assert canvas.layoutDirection() == Qt.LayoutDirection.LeftToRight  # the world never mirrors
    assert canvas.to_screen(*geo.project(-16, 14)).x() < canvas.to_screen(*geo.project(78, 17)).x()
    with qtbot.waitSignal(window.dashboard.loaded, timeout=15000):
        window.go(window.area_keys.index("dashboard"))
    dashboard = window.dashboard
    assert dashboard.tiles["practices"].value.text() == number_text(3)  # in the language's own digits
    chart = dashboard.charts["by_family"]
    assert len(chart.rows) == 2 and chart.isRightToLeft() == (lang == "ar")
    (long_start, long_end), (short_start, short_end) = _bars(chart)  # cover crops (2), then agroforestry (1)
    if lang == "ar":  # bars grow leftwards from a common right edge
        assert long_end == short_end and long_start < short_start
    else:
        assert long_start == short_start and long_end > short_end
    qtbot.waitUntil(window.bridge.idle, timeout=5000)
