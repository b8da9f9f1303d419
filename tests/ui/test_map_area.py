"""The partner map as a person uses it: filters, hover, click, zoom and pan by mouse,
touchpad and keyboard, records without coordinates, MBTiles tiles, export."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QNativeGestureEvent, QPainter, QPointingDevice, QWheelEvent
from PySide6.QtWidgets import QApplication

from fieldapp.core import geo
from fieldapp.core.geo_cluster import SINGLES, level_for
from fieldapp.core.geo_points import records_by_rowid
from tests.core.test_geo import make_mbtiles

PLACES = {  # title: (family, lat, lon, review status)
    "Mulching in Thiès": ("cover_crops", 14.79, -16.93, "published"),
    "Zaï pits in Kaya": ("agroecology", 13.09, -1.08, "draft"),
    "Agroforestry near Kisumu": ("agroforestry", -0.09, 34.77, "published"),
    "No-till in Beauce": ("reduced_tillage", 48.3, 1.6, "validated"),
}


@pytest.fixture
def places(store):
    ids = {}
    for title, (family, lat, lon, status) in PLACES.items():
        ids[title] = store.insert("practice", {"title": title, "family": family, "country": "SN", "latitude": lat,
                                               "longitude": lon, "review_status": status})
    ids["ICRISAT"] = store.insert("organisation", {"name": "ICRISAT", "org_type": "research", "college": "C2",
                                                   "country": "IN", "latitude": 17.51, "longitude": 78.27})
    ids["CIRAD"] = store.insert("organisation", {"name": "CIRAD", "org_type": "research", "college": "C2", "country": "FR"})
    ids["Unplaced practice"] = store.insert("practice", {"title": "Unplaced practice", "family": "agroecology", "country": "BF"})
    return ids


@pytest.fixture
def map_window(qtbot, store, places, settings):
    from fieldapp.ui.main_window import MainWindow

    w = MainWindow(store, settings)
    w.resize(1300, 820)
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.map_area.loaded, timeout=15000):
        w.go(w.area_keys.index("map"))
    yield w
    qtbot.waitUntil(w.bridge.idle, timeout=15000)
    w.close()
    w.deleteLater()


def titles(store, canvas, entity_name):
    layer = canvas.layers[entity_name]
    return sorted(t for _i, t in records_by_rowid(store, entity_name, layer.rowids).values())


def point_of(canvas, lat, lon) -> QPoint:
    return canvas.to_screen(*geo.project(lon, lat)).toPoint()


def close_view(qtbot, canvas, lat, lon, zoom=9.0):
    """Look at a place, once the clusters of that zoom are built (a worker builds them)."""
    canvas.center_on(lat, lon, zoom)
    canvas.repaint()
    level = level_for(canvas.zoom)
    qtbot.waitUntil(lambda: all(layer.index.cached(level) for layer in canvas.layers.values()), timeout=5000)
    canvas.repaint()


def test_map_shows_points_and_filters_like_the_lists(qtbot, store, map_window):
    area = map_window.map_area
    canvas = area.canvas
    assert len(canvas.layers["practice"]) == 4 and len(canvas.layers["organisation"]) == 1
    assert "4 practices" in area.count_label.text() and "1 organisation" in area.count_label.text()
    with qtbot.waitSignal(area.loaded, timeout=10000):
        area.set_filter("family", "agroecology")
    assert titles(store, canvas, "practice") == ["Zaï pits in Kaya"]
    assert len(canvas.layers["organisation"]) == 1  # a practice family says nothing about organisations
    with qtbot.waitSignal(area.loaded, timeout=10000):
        area.set_filter("family", None)
    with qtbot.waitSignal(area.loaded, timeout=10000):
        area.set_filter("review_status", "published")
    assert titles(store, canvas, "practice") == ["Agroforestry near Kisumu", "Mulching in Thiès"]
    with qtbot.waitSignal(area.loaded, timeout=10000):
        area.set_filter("college", "C1")
    assert len(canvas.layers["organisation"]) == 0
    with qtbot.waitSignal(area.loaded, timeout=10000):
        area.layer_boxes["practice"].setChecked(False)
    assert "practice" not in canvas.layers


def test_legend_names_the_colours_in_use(map_window):
    entries = map_window.map_area.legend.entries
    words = [w for _e, c, w in entries if c is not None]
    assert [w for _e, c, w in entries if c is None] == ["Partners and members, by college", "Practices, by family"]
    assert "Cover crops" in words and "Agroforestry" in words and "Research and education" in words
    assert "Landscape management" not in words  # no such practice on the map


def test_hover_names_the_record_and_a_click_opens_it(qtbot, map_window):
    canvas = map_window.map_area.canvas
    close_view(qtbot, canvas, 13.09, -1.08)
    pos = point_of(canvas, 13.09, -1.08)
    qtbot.mouseMove(canvas, pos)
    qtbot.waitUntil(lambda: canvas.hover_text == "Zaï pits in Kaya", timeout=3000)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pos)
    page = map_window.pages["practice"]
    qtbot.waitUntil(lambda: page.editor.inputs["title"].widget.text() == "Zaï pits in Kaya", timeout=10000)
    assert map_window.current_page() is page


def test_clicking_an_organisation_opens_it_in_its_area(qtbot, map_window, places):
    canvas = map_window.map_area.canvas
    close_view(qtbot, canvas, 17.51, 78.27)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point_of(canvas, 17.51, 78.27))
    editor = map_window.pages["organisation"].editor
    qtbot.waitUntil(lambda: editor.row_id == places["ICRISAT"] and editor.inputs["name"].widget.text() == "ICRISAT",
                    timeout=10000)


def test_dense_points_cluster_and_a_click_zooms_in(qtbot, store, map_window):
    area = map_window.map_area
    rows = [{"title": f"Plot {i}", "family": "cover_crops", "country": "SN", "latitude": 14.0 + i * 0.002,
             "longitude": -16.0} for i in range(30)]
    store.bulk_insert("practice", rows)
    with qtbot.waitSignal(area.loaded, timeout=10000):
        area.reload()
    canvas = area.canvas
    close_view(qtbot, canvas, 14.03, -16.0, zoom=4)
    hit = canvas.item_at(QPointF(point_of(canvas, 14.03, -16.0)))
    assert hit is not None and hit[1].count == 30
    assert "30 practices here" in canvas.describe(*hit)
    before = canvas.zoom
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_screen(hit[1].x, hit[1].y).toPoint())
    assert canvas.zoom == pytest.approx(before + 2)
    area.group_box.setChecked(False)
    canvas.repaint()  # asks a worker for the ungrouped points
    qtbot.waitUntil(lambda: canvas.layers["practice"].index.cached(SINGLES) is not None, timeout=5000)
    canvas.repaint()
    dots, circles, _points = canvas.drawn_counts["practice"]
    assert dots >= 30 and circles == 0


def test_keyboard_zooms_and_pans(qtbot, map_window):
    canvas = map_window.map_area.canvas
    canvas.setFocus()
    canvas.set_view((0.5, 0.5), 3)
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.zoom == pytest.approx(4)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.zoom == pytest.approx(3)
    x = canvas.center[0]
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.center[0] > x
    y = canvas.center[1]
    qtbot.keyClick(canvas, Qt.Key.Key_Up)
    assert canvas.center[1] < y
    qtbot.keyClick(canvas, Qt.Key.Key_0)
    assert canvas.zoom == pytest.approx(canvas.min_zoom()) and canvas.center == pytest.approx((0.5, 0.5))


def _wheel(canvas, pos: QPointF, *, pixels: QPoint, angle: QPoint, mods=Qt.KeyboardModifier.NoModifier):
    event = QWheelEvent(pos, canvas.mapToGlobal(pos), pixels, angle, Qt.MouseButton.NoButton, mods,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas, event)


def test_mouse_wheel_zooms_at_the_pointer_and_drag_pans(qtbot, map_window):
    canvas = map_window.map_area.canvas
    canvas.set_view((0.5, 0.5), 4)
    anchor = QPointF(200, 150)
    under = canvas.to_world(anchor)
    _wheel(canvas, anchor, pixels=QPoint(), angle=QPoint(0, 240))
    assert canvas.zoom == pytest.approx(5)
    assert canvas.to_world(anchor) == pytest.approx(under)  # the place under the pointer stays there
    start = canvas.center
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))
    qtbot.mouseMove(canvas, QPoint(430, 300))
    qtbot.mouseMove(canvas, QPoint(500, 340))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(500, 340))
    s = canvas.scale()
    assert canvas.center[0] == pytest.approx(start[0] - 100 / s)
    assert canvas.center[1] == pytest.approx(start[1] - 40 / s)


def test_touchpad_two_finger_scroll_pans_and_pinch_zooms(qtbot, map_window):
    canvas = map_window.map_area.canvas
    canvas.set_view((0.5, 0.5), 4)
    _wheel(canvas, QPointF(300, 300), pixels=QPoint(-60, 20), angle=QPoint(-60, 20))
    s = canvas.scale()
    assert canvas.zoom == pytest.approx(4)  # a scroll with pixel deltas is a pan, not a zoom
    assert canvas.center == pytest.approx((0.5 + 60 / s, 0.5 - 20 / s))
    _wheel(canvas, QPointF(300, 300), pixels=QPoint(0, 30), angle=QPoint(0, 240), mods=Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == pytest.approx(5)  # Ctrl + scroll zooms, as browsers do
    pos = QPointF(250, 200)
    under = canvas.to_world(pos)
    pinch = QNativeGestureEvent(Qt.NativeGestureType.ZoomNativeGesture, QPointingDevice.primaryPointingDevice(), 2,
                                pos, pos, canvas.mapToGlobal(pos), 1.0, QPointF(), 1)
    QApplication.sendEvent(canvas, pinch)
    assert canvas.zoom == pytest.approx(6)  # a value of 1 doubles the scale
    assert canvas.to_world(pos) == pytest.approx(under)


def test_records_without_coordinates_are_counted_listed_and_open(qtbot, map_window, places):
    area = map_window.map_area
    assert area.unplaced_label.text().startswith("2 records without coordinates")
    titles = [area.unplaced_list.item(i).text() for i in range(area.unplaced_list.count())]
    assert titles == ["CIRAD · Organisation", "Unplaced practice · Practice"]
    qtbot.mouseClick(area.unplaced_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=area.unplaced_list.visualItemRect(area.unplaced_list.item(0)).center())
    editor = map_window.pages["organisation"].editor
    qtbot.waitUntil(lambda: editor.row_id == places["CIRAD"], timeout=10000)


def test_adding_coordinates_moves_a_record_onto_the_map(qtbot, store, map_window, places):
    area = map_window.map_area
    with qtbot.waitSignal(area.loaded, timeout=10000):
        store.update("organisation", places["CIRAD"], {"latitude": 43.65, "longitude": 3.87})
    assert "CIRAD" in titles(store, area.canvas, "organisation")
    assert area.unplaced_label.text().startswith("1 record without coordinates")


def _tile(colour: str) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(data)


def test_mbtiles_tiles_show_under_the_borders(qtbot, tmp_path, map_window):
    area = map_window.map_area
    canvas = area.canvas
    path = make_mbtiles(tmp_path / "area.mbtiles", {(z, x, y): _tile("#ff0000") for z in (0, 1) for x in range(1 << z)
                                                    for y in range(1 << z)}, {"name": "Red", "format": "png", "attribution": "Test tiles"})
    canvas.set_view((0.5, 0.5), 1.2)
    sea = QPointF(canvas.to_screen(*geo.project(-30, 0)))  # mid-Atlantic
    assert QColor(canvas.render_image().pixel(sea.toPoint())).red() < 240
    assert area.open_tiles(path)
    canvas.render_image()  # asks for the tiles in view
    qtbot.waitUntil(lambda: canvas.tiles_pending() == 0 and bool(canvas._tile_cache), timeout=10000)
    pixel = QColor(canvas.render_image().pixel(sea.toPoint()))
    assert (pixel.red(), pixel.green(), pixel.blue()) == (255, 0, 0)
    area.set_tiles(None)
    assert QColor(canvas.render_image().pixel(sea.toPoint())).red() < 240


def test_a_file_that_is_not_mbtiles_is_explained(qtbot, tmp_path, map_window, monkeypatch):
    told = []
    monkeypatch.setattr("fieldapp.ui.map_area.QMessageBox.warning", lambda _p, _t, text: told.append(text))
    bad = tmp_path / "photo.mbtiles"
    bad.write_bytes(b"\x89PNG not a database" * 50)
    assert not map_window.map_area.open_tiles(bad)
    assert told and "not an MBTiles file" in told[0]
    assert map_window.map_area.canvas.tiles is None


def test_export_the_view_as_png_and_pdf(qtbot, tmp_path, map_window):
    from fieldapp.ui.map_export import LEGEND_PX, TITLE_PX, export_pdf, export_png

    area = map_window.map_area
    canvas = area.canvas
    close_view(qtbot, canvas, 13.09, -1.08, zoom=6)
    png = export_png(canvas, tmp_path / "map.png", title=area.export_title(), legend=area.legend.entries, scale=2)
    image = QImage(str(png))
    assert (image.width(), image.height()) == ((canvas.width() + LEGEND_PX) * 2, (canvas.height() + TITLE_PX) * 2)
    # the point of Kaya is where the screen had it, below the title line
    at = point_of(canvas, 13.09, -1.08)
    colour = QColor(image.pixel((at.x()) * 2, (at.y() + TITLE_PX) * 2))
    assert colour == canvas.colours["practice"]["agroecology"]
    pdf = export_pdf(canvas, tmp_path / "map.pdf", title=area.export_title(), legend=area.legend.entries)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000


def test_map_does_not_mirror_in_right_to_left_layouts(qtbot, map_window):
    QApplication.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    try:
        canvas = map_window.map_area.canvas
        assert canvas.layoutDirection() == Qt.LayoutDirection.LeftToRight
        canvas.set_view((0.5, 0.5), 3)
        assert canvas.to_screen(*geo.project(-100, 0)).x() < canvas.to_screen(*geo.project(100, 0)).x()
        image = QImage(10, 10, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        canvas.paint(painter)  # paints without error in RTL
        painter.end()
    finally:
        QApplication.setLayoutDirection(Qt.LayoutDirection.LeftToRight)


def test_the_points_picture_follows_new_points_pans_and_zooms(qtbot):
    """The points are kept as a picture between paints: a new layer, a pan and a zoom show
    on screen as drawing everything afresh would (the PNG export draws afresh)."""
    from fieldapp.core.geo_cluster import PointIndex
    from fieldapp.core.geo_points import MapLayer
    from fieldapp.ui.map_canvas import MapCanvas, category_colours

    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(640, 420)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_grouped(False)
    colours = category_colours(["a"])

    def show(lat_lons):
        points = [geo.project(lon, lat) for lat, lon in lat_lons]
        index = PointIndex([x for x, _ in points], [y for _, y in points], ["a"] * len(points))
        canvas.set_layer(MapLayer("practice", "family", list(range(len(points))), index), colours)

    def on_screen() -> QImage:
        return canvas.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)

    def fresh() -> QImage:
        image = QImage(canvas.size(), QImage.Format.Format_RGB32)
        painter = QPainter(image)
        canvas.paint(painter)
        painter.end()
        return image

    def same(a: QImage, b: QImage) -> bool:
        return all(a.pixel(x, y) == b.pixel(x, y) for x in range(0, a.width(), 3) for y in range(0, a.height(), 3))

    show([(14.7, -17.4)])
    canvas.center_on(14.0, -10.0, 4)
    assert same(on_screen(), fresh())
    # another layer: the picture is drawn again; (14, -64) lies past its margin, to the west
    show([(12.3, -1.5), (14.7, -17.4), (14.0, -64.0)])
    assert same(on_screen(), fresh())
    canvas.pan_by(37, -21)  # within the picture's margin: moved, not drawn again
    assert same(on_screen(), fresh())
    canvas.pan_by(300, 21)  # past it: the western point comes into view, drawn afresh
    assert canvas.rect().contains(point_of(canvas, 14.0, -64.0))
    assert same(on_screen(), fresh())
    canvas.zoom_by(1.0)
    assert same(on_screen(), fresh())
