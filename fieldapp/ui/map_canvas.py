"""The map itself, drawn with QPainter (no QtLocation: it needs QML and the Quick
runtime): the shipped country borders, optional MBTiles raster tiles, the layers' points
clustered when dense, a legend, and the attribution.

Mouse: drag pans, the wheel zooms at the pointer, a click opens a record (or zooms into
a cluster). Touchpad: pinch zooms (QNativeGestureEvent), two-finger scroll pans (wheel
events with a pixel delta). Touch screens: pinch (QPinchGesture). Keyboard: + and -
zoom, arrows pan, 0 or Home shows the whole world.

Geography never mirrors: the canvas stays left-to-right in right-to-left languages, and
only the legend moves to the reading side.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import (
    QBrush, QColor, QFont, QFontMetrics, QImage, QKeyEvent, QNativeGestureEvent, QPaintEngine, QPainter,
    QPainterPath, QPen, QPixmap, QPolygonF,
)
from PySide6.QtWidgets import QGestureEvent, QPinchGesture, QToolTip, QWidget

from fieldapp.core.geo import TILE, clamp, project, shipped_borders, unproject
from fieldapp.core.geo_cluster import MAX_LEVEL, SINGLES, Cluster, level_for
from fieldapp.core.geo_mbtiles import MBTiles
from fieldapp.core.geo_points import MapLayer
from fieldapp.i18n import _, ngettext
from fieldapp.ui.display import number_text

MIN_ZOOM, MAX_ZOOM = 0.0, 18.0
SEA, LAND, BORDER = QColor("#dbe9f4"), QColor("#f4f1e8"), QColor("#9aa5ad")
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#ad494a")
NO_CATEGORY = QColor("#5f6b73")
DOT_PX = 9.0
CLICK_SLOP_PX = 4
POINTS_MARGIN_PX = 256  # the points' picture reaches this far past the view, so a pan only moves it


_SPRITES: dict[tuple[int, bool], QPixmap] = {}
_LAND: QPainterPath | None = None


def _sprite(colour: QColor, square: bool) -> QPixmap:
    """A dot (disc for practices, square for organisations) with a white rim."""
    key = (colour.rgba(), square)
    sprite = _SPRITES.get(key)
    if sprite is None:
        size = int(DOT_PX) + 4
        sprite = QPixmap(size, size)
        sprite.fill(Qt.GlobalColor.transparent)
        p = QPainter(sprite)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(255, 255, 255, 235), 1.6))
        p.setBrush(colour)
        rect = QRectF(1.0, 1.0, size - 2.0, size - 2.0)
        if square:
            p.drawRect(rect)
        else:
            p.drawEllipse(rect)
        p.end()
        _SPRITES[key] = sprite
    return sprite


def _vector_dots(painter: QPainter, points: list[tuple[float, float]], colour: QColor, square: bool) -> None:
    painter.setPen(QPen(QColor("white"), 1.6))
    painter.setBrush(colour)
    r = DOT_PX / 2 + 1
    for sx, sy in points:
        rect = QRectF(sx - r, sy - r, 2 * r, 2 * r)
        if square:
            painter.drawRect(rect)
        else:
            painter.drawEllipse(rect)


def category_colours(codes: list[str]) -> dict[str | None, QColor]:
    """A stable colour per code, in the order of its reference list."""
    colours: dict[str | None, QColor] = {c: QColor(PALETTE[i % len(PALETTE)]) for i, c in enumerate(codes)}
    colours[None] = NO_CATEGORY
    return colours


class _TileTask(QRunnable):
    """Reads and decodes one tile off the UI thread (QImage is safe in any thread)."""

    def __init__(self, tiles: MBTiles, key: tuple[int, int, int], done: Signal):
        super().__init__()
        self.tiles, self.key, self.done = tiles, key, done

    def run(self) -> None:
        image = QImage()
        try:
            data = self.tiles.tile(*self.key)
            if data:
                image.loadFromData(data)
        except Exception:  # noqa: BLE001 - a damaged tile shows as missing, never stops the map
            image = QImage()
        try:
            self.done.emit(self.key, image)
        except RuntimeError:  # the map went away meanwhile
            pass


class _TileRelay(QObject):
    loaded = Signal(object, object)  # (z, x, y), QImage


class MapCanvas(QWidget):
    """A slippy map of world units (geo.project) at a zoom; see the module's docstring."""

    record_clicked = Signal(str, str)  # entity, row id
    position_picked = Signal(float, float)  # latitude, longitude (pick mode)
    view_changed = Signal()
    hovered = Signal(str)  # what the tooltip says ("" when over nothing)

    def __init__(self, parent: QWidget | None = None, *, pick_mode: bool = False):
        super().__init__(parent)
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # the world does not mirror
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(320, 240)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.grabGesture(Qt.GestureType.PinchGesture)
        self.setAccessibleName(_("Map"))
        self.pick_mode = pick_mode
        self.center = (0.5, 0.5)
        self.zoom = 1.0
        self.grouped = True
        self.layers: dict[str, MapLayer] = {}
        self.colours: dict[str, dict[str | None, QColor]] = {}
        self.marker: tuple[float, float] | None = None  # (lat, lon) chosen in pick mode
        self.level_builder: Callable[[str, int], None] | None = None  # asks a worker to build a level
        # asks a worker for points' (id, title) by rowid, then calls back with {rowid: (id, title)}
        self.record_lookup: Callable[[str, list[int], Callable[[dict], None]], None] | None = None
        self._records: dict[tuple[str, int], tuple[str, str]] = {}
        self._hover_key: tuple[str, int] | None = None
        self._hover_global = QPoint()
        self.tiles: MBTiles | None = None
        self._tile_cache: OrderedDict[tuple[int, int, int], QImage] = OrderedDict()
        self._tile_wanted: set[tuple[int, int, int]] = set()
        self._tile_relay = _TileRelay(self)
        self._tile_relay.loaded.connect(self._tile_loaded)
        self._tile_pool = QThreadPool(self)
        self._tile_pool.setMaxThreadCount(2)
        self._land: QPainterPath | None = None  # read on first paint: the window starts without it
        self._base: QPixmap | None = None
        self._base_key: tuple | None = None
        self._points: QPixmap | None = None  # the points and clusters, drawn with a margin (POINTS_MARGIN_PX)
        self._points_key: tuple | None = None
        self._points_center = self.center  # the view's centre when that picture was drawn
        self._layers_version = 0  # counts set_layer / remove_layer calls (the picture's key)
        self._shown: dict[str, object] = {}  # entity -> the cluster level last painted
        self.drawn_counts: dict[str, tuple[int, int, int]] = {}  # entity -> (dots, circles, points in them)
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._dragged = False
        self.hover_text = ""

    # ------------------------------------------------------------------ data
    @staticmethod
    def land_path() -> QPainterPath:
        """Every country as one path in world units, built once per process."""
        global _LAND
        if _LAND is not None:
            return _LAND
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        try:
            countries = shipped_borders()
        except ValueError:
            _LAND = path
            return path  # no borders shipped: points on a plain sea, still usable
        for country in countries:
            for polygon in country.polygons:
                for ring in polygon:
                    xs = [x for x, _y in ring]
                    # A ring unwrapped past the 180th meridian is drawn again one world
                    # over, so both of its sides show (Chukotka, Fiji).
                    for shift in (0.0, *((1.0,) if min(xs) < 0 else ()), *((-1.0,) if max(xs) > 1 else ())):
                        path.addPolygon(QPolygonF([QPointF(x + shift, y) for x, y in ring]))
                        path.closeSubpath()
        _LAND = path
        return path

    def set_layer(self, layer: MapLayer, colours: dict[str | None, QColor]) -> None:
        self._layers_version += 1
        self.layers[layer.entity] = layer
        self._records = {k: v for k, v in self._records.items() if k[0] != layer.entity}
        self.colours[layer.entity] = colours
        self.update()

    def remove_layer(self, entity_name: str) -> None:
        self._layers_version += 1
        self.layers.pop(entity_name, None)
        self.update()

    def set_grouped(self, on: bool) -> None:
        self.grouped = on
        self.update()

    def set_tiles(self, tiles: MBTiles | None) -> None:
        if self.tiles is not None and self.tiles is not tiles:
            self._tile_pool.waitForDone(2000)
            self.tiles.close()
        self.tiles = tiles
        self._tile_cache.clear()
        self._tile_wanted.clear()
        self.update()

    def tiles_pending(self) -> int:
        return len(self._tile_wanted)

    # ------------------------------------------------------------------ view
    def scale(self) -> float:
        """Pixels per world unit."""
        return TILE * 2.0 ** self.zoom

    def min_zoom(self) -> float:
        """No further out than the world filling the narrower side of the view."""
        side = max(1, min(self.width(), self.height()))
        return clamp(math.log2(side / TILE), MIN_ZOOM, MAX_ZOOM)

    def to_screen(self, x: float, y: float) -> QPointF:
        s = self.scale()
        return QPointF((x - self.center[0]) * s + self.width() / 2, (y - self.center[1]) * s + self.height() / 2)

    def to_world(self, point: QPointF) -> tuple[float, float]:
        s = self.scale()
        return (self.center[0] + (point.x() - self.width() / 2) / s, self.center[1] + (point.y() - self.height() / 2) / s)

    def visible_box(self, margin_px: float = 0) -> tuple[float, float, float, float]:
        x0, y0 = self.to_world(QPointF(-margin_px, -margin_px))
        x1, y1 = self.to_world(QPointF(self.width() + margin_px, self.height() + margin_px))
        return x0, y0, x1, y1

    def set_view(self, center: tuple[float, float], zoom: float) -> None:
        self.zoom = clamp(zoom, self.min_zoom(), MAX_ZOOM)
        half_w = self.width() / 2 / self.scale()
        half_h = self.height() / 2 / self.scale()
        cx = clamp(center[0], min(half_w, 0.5), max(1 - half_w, 0.5))
        cy = clamp(center[1], min(half_h, 0.5), max(1 - half_h, 0.5))
        self.center = (cx, cy)
        self.update()
        self.view_changed.emit()

    def center_on(self, lat: float, lon: float, zoom: float | None = None) -> None:
        self.set_view(project(lon, lat), self.zoom if zoom is None else zoom)

    def reset_view(self) -> None:
        self.set_view((0.5, 0.5), self.min_zoom())

    def zoom_by(self, steps: float, anchor: QPointF | None = None) -> None:
        """Zoom by `steps` levels keeping the world point under `anchor` in place."""
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        wx, wy = self.to_world(anchor)
        new_zoom = clamp(self.zoom + steps, self.min_zoom(), MAX_ZOOM)
        s = TILE * 2.0 ** new_zoom
        center = (wx - (anchor.x() - self.width() / 2) / s, wy - (anchor.y() - self.height() / 2) / s)
        self.set_view(center, new_zoom)

    def pan_by(self, dx_px: float, dy_px: float) -> None:
        s = self.scale()
        self.set_view((self.center[0] - dx_px / s, self.center[1] - dy_px / s), self.zoom)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.set_view(self.center, max(self.zoom, self.min_zoom()))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(900, 600)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        try:
            self.paint(painter, cached_base=True)
        finally:
            painter.end()

    def paint(self, painter: QPainter, *, cached_base: bool = False) -> None:
        """Everything the view shows, on any painter (the screen, a PNG, a PDF). On screen
        the sea, land and borders are kept as a picture while the view stays put, and the
        points as another while the zoom stays (_paint_points_cached), so a hover or an
        exposed window only copies pictures."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if cached_base:
            dpr = self.devicePixelRatioF()
            key = (self.center, self.zoom, self.width(), self.height(), dpr, id(self.tiles), len(self._tile_cache))
            if self._base_key != key or self._base is None:
                base = QPixmap(int(self.width() * dpr), int(self.height() * dpr))
                base.setDevicePixelRatio(dpr)
                p = QPainter(base)
                p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                self._paint_base(p)
                p.end()
                self._base, self._base_key = base, key
            painter.drawPixmap(0, 0, self._base)
            self._paint_points_cached(painter, dpr)
        else:
            self._paint_base(painter)
            painter.save()
            self._paint_points(painter, {name: self._level(layer) for name, layer in self.layers.items()})
            painter.restore()
        if self.marker is not None:
            self._paint_marker(painter)
        self._paint_attribution(painter)

    def _paint_base(self, painter: QPainter) -> None:
        if self._land is None:
            self._land = self.land_path()
        painter.fillRect(QRectF(0, 0, self.width(), self.height()), SEA)
        s = self.scale()
        world = QRectF(self.to_screen(0, 0), self.to_screen(1, 1))
        if self.tiles is not None:
            self._paint_tiles(painter)
        painter.save()
        painter.setClipRect(world, Qt.ClipOperation.IntersectClip)  # rings unwrapped past 180° stay inside
        painter.translate(self.width() / 2 - self.center[0] * s, self.height() / 2 - self.center[1] * s)
        painter.scale(s, s)
        if self.tiles is None:
            # Filled without antialiasing (an antialiased fill of 40 000 points costs
            # 20 times more); the antialiased outline drawn next covers the edges.
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(LAND))
            painter.drawPath(self._land)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(BORDER, 0.8)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._land)
        painter.restore()
        painter.setPen(QPen(BORDER, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(world)

    def _level(self, layer: MapLayer):
        """The cluster level this view shows for `layer`: the right one when built, else
        the nearest built one while a worker builds it (the picker, without a worker,
        builds it here)."""
        wanted = level_for(self.zoom) if self.grouped else SINGLES
        level = layer.index.cached(wanted)
        if level is None and self.level_builder is not None:
            self.level_builder(layer.entity, wanted)
            level = layer.index.nearest_cached(MAX_LEVEL if wanted == SINGLES else wanted)
        if level is None:
            level = layer.index.level(wanted)
        return level

    def _paint_points_cached(self, painter: QPainter, dpr: float) -> None:
        """The points as a picture kept while the zoom, the size, the layers and their
        cluster levels stay the same: a hover, an exposed window or a pan within
        POINTS_MARGIN_PX only moves it (20 000 dots are stamped again only then)."""
        levels = {name: self._level(layer) for name, layer in self.layers.items()}
        # the levels are held by the layers of this version, so their ids are theirs alone
        key = (self.zoom, self.width(), self.height(), dpr, self.grouped, self.font().key(), self._layers_version,
               tuple((name, id(level)) for name, level in levels.items()))
        s, margin = self.scale(), POINTS_MARGIN_PX
        dx = (self._points_center[0] - self.center[0]) * s
        dy = (self._points_center[1] - self.center[1]) * s
        if self._points is None or self._points_key != key or abs(dx) > margin or abs(dy) > margin:
            picture = QPixmap(int((self.width() + 2 * margin) * dpr), int((self.height() + 2 * margin) * dpr))
            picture.setDevicePixelRatio(dpr)
            picture.fill(Qt.GlobalColor.transparent)
            p = QPainter(picture)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setFont(self.font())
            p.translate(margin, margin)
            self._paint_points(p, levels, margin_px=margin + 30)
            p.end()
            self._points, self._points_key, self._points_center = picture, key, self.center
            dx = dy = 0.0
        self._shown = levels
        painter.drawPixmap(QPointF(dx - margin, dy - margin), self._points)

    def _paint_points(self, painter: QPainter, levels: dict, margin_px: float = 30) -> None:
        """Single points as sprites, clusters as labelled circles, from the cluster
        `levels` of each layer. Hit-testing later asks the same levels (`item_at`), so
        nothing is recorded per point here: the loop over 20 000 points is only
        arithmetic and one stamp each. `drawn_counts` counts what was drawn, the margin
        included."""
        self._shown = dict(levels)
        self.drawn_counts = {}
        box = self.visible_box(margin_px=margin_px)
        s = self.scale()
        ox, oy = self.width() / 2 - self.center[0] * s, self.height() / 2 - self.center[1] * s
        painter.setFont(self._cluster_font(painter.font()))
        metrics = QFontMetrics(painter.font())
        vector = painter.paintEngine() is not None and painter.paintEngine().type() == QPaintEngine.Type.Pdf
        for entity_name, layer in self.layers.items():
            colours = self.colours.get(entity_name, {})
            square = entity_name == "organisation"
            level = levels[entity_name]
            visible = level.in_box(*box)
            groups = [c for c in visible if c[2] != 1]
            by_category: dict[str | None, list[Cluster]] = {}
            for c in visible if not groups else [c for c in visible if c[2] == 1]:
                members = by_category.get(c[3])
                if members is None:
                    members = by_category[c[3]] = []
                members.append(c)
            singles = 0
            for category, members in by_category.items():
                colour = colours.get(category, NO_CATEGORY)
                singles += len(members)
                if vector:  # a PDF keeps every dot a shape, sharp at any zoom
                    _vector_dots(painter, [(c[0] * s + ox, c[1] * s + oy) for c in members], colour, square)
                    continue
                # One small antialiased picture per colour, stamped at each point: 20 000
                # dots in a few tens of ms, where stroking each as a round point costs 10x.
                # The pixel positions come from comprehensions; the loop only stamps.
                sprite = _sprite(colour, square)
                half = sprite.width() // 2
                left, top = ox - half, oy - half
                stamp = painter.drawPixmap
                for sx, sy in zip([int(c[0] * s + left) for c in members], [int(c[1] * s + top) for c in members]):
                    stamp(sx, sy, sprite)
            for c in groups:
                sx, sy = c.x * s + ox, c.y * s + oy
                label = _short_count(c.count)
                radius = self._cluster_radius(c.count, metrics)
                colour = QColor(colours.get(c.category, NO_CATEGORY))
                colour.setAlpha(225)
                painter.setPen(QPen(QColor("white"), 2))
                painter.setBrush(colour)
                rect = QRectF(sx - radius, sy - radius, 2 * radius, 2 * radius)
                if square:
                    painter.drawRoundedRect(rect, 4, 4)
                else:
                    painter.drawEllipse(rect)
                painter.setPen(QColor("white"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
            self.drawn_counts[entity_name] = (singles, len(groups), singles + sum(c.count for c in groups))

    @staticmethod
    def _cluster_font(base: QFont) -> QFont:
        font = QFont(base)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        font.setBold(True)
        return font

    @staticmethod
    def _cluster_radius(count: int, metrics: QFontMetrics) -> float:
        return max(11.0, metrics.horizontalAdvance(_short_count(count)) / 2 + 6)

    def _paint_marker(self, painter: QPainter) -> None:
        lat, lon = self.marker
        p = self.to_screen(*project(lon, lat))
        painter.setPen(QPen(QColor("white"), 3))
        painter.setBrush(QColor("#c62828"))
        pin = QPainterPath()
        pin.moveTo(p)
        pin.cubicTo(p + QPointF(-14, -16), p + QPointF(-9, -30), p + QPointF(0, -30))
        pin.cubicTo(p + QPointF(9, -30), p + QPointF(14, -16), p)
        painter.drawPath(pin)
        painter.setBrush(QColor("white"))
        painter.drawEllipse(p + QPointF(0, -21), 4, 4)

    def _paint_attribution(self, painter: QPainter) -> None:
        words = _("Borders: Natural Earth (public domain)")
        if self.tiles is not None and self.tiles.info.attribution:
            words += " · " + self.tiles.info.attribution
        metrics = QFontMetrics(painter.font())
        w = metrics.horizontalAdvance(words) + 12
        rect = QRectF(self.width() - w - 4, self.height() - metrics.height() - 6, w, metrics.height() + 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 190))
        painter.drawRect(rect)
        painter.setPen(QColor("#333"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, words)

    # ------------------------------------------------------------------ tiles
    def _tile_zoom(self) -> int:
        info = self.tiles.info
        return int(clamp(round(self.zoom), info.min_zoom, info.max_zoom))

    def _paint_tiles(self, painter: QPainter) -> None:
        z = self._tile_zoom()
        n = 1 << z
        size = self.scale() / n  # pixels of one tile at this view's zoom
        x0, y0, x1, y1 = self.visible_box()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        for tx in range(max(0, int(x0 * n)), min(n - 1, int(x1 * n)) + 1):
            for ty in range(max(0, int(y0 * n)), min(n - 1, int(y1 * n)) + 1):
                key = (z, tx, ty)
                image = self._tile_cache.get(key)
                if image is None:
                    self._want_tile(key)
                    continue
                self._tile_cache.move_to_end(key)
                if not image.isNull():
                    top_left = self.to_screen(tx / n, ty / n)
                    painter.drawImage(QRectF(top_left.x(), top_left.y(), size + 0.5, size + 0.5), image)

    def _want_tile(self, key: tuple[int, int, int]) -> None:
        if key in self._tile_wanted or self.tiles is None:
            return
        self._tile_wanted.add(key)
        self._tile_pool.start(_TileTask(self.tiles, key, self._tile_relay.loaded))

    def _tile_loaded(self, key: tuple[int, int, int], image: QImage) -> None:
        self._tile_wanted.discard(key)
        self._tile_cache[key] = image
        while len(self._tile_cache) > 400:
            self._tile_cache.popitem(last=False)
        self.update()

    # ------------------------------------------------------------------ picking
    def item_at(self, pos: QPointF) -> tuple[str, Cluster] | None:
        """The point or cluster drawn under `pos` (the nearest; the layer drawn last wins
        ties), found in the cluster levels last painted."""
        s = self.scale()
        metrics = QFontMetrics(self._cluster_font(self.font()))
        reach = 40.0 / s  # no cluster is wider than 80 px
        wx, wy = self.to_world(pos)
        best, best_d = None, 1e18
        for entity_name, level in self._shown.items():
            if entity_name not in self.layers:
                continue
            for c in level.in_box(wx - reach, wy - reach, wx + reach, wy + reach):
                d = ((c.x - wx) * s) ** 2 + ((c.y - wy) * s) ** 2
                radius = DOT_PX / 2 + 2 if c.count == 1 else self._cluster_radius(c.count, metrics)
                if d <= (radius + 2) ** 2 and d <= best_d:
                    best, best_d = (entity_name, c), d
        return best

    def point_key(self, entity_name: str, c: Cluster) -> tuple[str, int]:
        return entity_name, self.layers[entity_name].rowids[c.index]

    def describe(self, entity_name: str, c: Cluster) -> str:
        """What the tooltip says: a record's title (once read), or a cluster's count."""
        if c.count == 1:
            found = self._records.get(self.point_key(entity_name, c))
            return found[1] if found else ""
        if entity_name == "organisation":
            return ngettext("{n} organisation here: click to zoom in", "{n} organisations here: click to zoom in",
                            c.count).format(n=number_text(c.count))
        return ngettext("{n} practice here: click to zoom in", "{n} practices here: click to zoom in",
                        c.count).format(n=number_text(c.count))

    def with_record(self, key: tuple[str, int], then: Callable[[tuple[str, str]], None]) -> None:
        """Call `then((id, title))` for a point, reading it in a worker the first time."""
        found = self._records.get(key)
        if found is not None:
            then(found)
            return
        if self.record_lookup is None:
            return

        def arrived(records: dict) -> None:
            for rowid, record in records.items():
                self._records[(key[0], rowid)] = record
            if key in self._records:
                then(self._records[key])

        self.record_lookup(key[0], [key[1]], arrived)

    def _show_hover(self, text: str) -> None:
        if text != self.hover_text:
            self.hover_text = text
            self.hovered.emit(text)
        if text:
            QToolTip.showText(self._hover_global, text, self)
        else:
            QToolTip.hideText()

    # ------------------------------------------------------------------ input
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = self._last = event.position()
            self._dragged = False
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        pos = event.position()
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            if (pos - self._press).manhattanLength() > CLICK_SLOP_PX:
                self._dragged = True
            if self._dragged:
                delta = pos - self._last
                self.pan_by(delta.x(), delta.y())
            self._last = pos
            return
        hit = self.item_at(pos)
        self._hover_global = event.globalPosition().toPoint()
        key = self.point_key(*hit) if hit and hit[1].count == 1 else None
        self._hover_key = key
        if key is not None and key not in self._records:
            self._show_hover("")
            self.with_record(key, lambda record, k=key: self._show_hover(record[1]) if self._hover_key == k else None)
        else:
            self._show_hover(self.describe(*hit) if hit else "")
        self.setCursor(Qt.CursorShape.PointingHandCursor if hit or self.pick_mode else Qt.CursorShape.OpenHandCursor)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return super().mouseReleaseEvent(event)
        was_drag = self._dragged
        self._press = None
        self._dragged = False
        self.unsetCursor()
        if not was_drag:
            self.click_at(event.position())

    def click_at(self, pos: QPointF) -> None:
        """What a click does: pick a position, open a record, or zoom into a cluster."""
        if self.pick_mode:
            lon, lat = unproject(*self.to_world(pos))
            self.marker = (round(lat, 5), round(lon, 5))
            self.update()
            self.position_picked.emit(*self.marker)
            return
        hit = self.item_at(pos)
        if hit is None:
            return
        entity_name, c = hit
        if c.count == 1:
            self.with_record(self.point_key(entity_name, c), lambda record: self.record_clicked.emit(entity_name, record[0]))
        else:
            self.zoom_by(2.0, pos)
            self.set_view((c.x, c.y), self.zoom)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self.pick_mode and self.item_at(event.position()) is None:
            self.zoom_by(1.0, event.position())

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        pixels = event.pixelDelta()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if not pixels.isNull() and not ctrl:
            # A touchpad's two-finger scroll: pan, as every map does.
            self.pan_by(pixels.x(), pixels.y())
        else:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.zoom_by(steps * 0.5, event.position())
        event.accept()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.NativeGesture:
            return self._native_gesture(event)
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture) if isinstance(event, QGestureEvent) else None
            if isinstance(pinch, QPinchGesture):
                factor = pinch.scaleFactor()
                if factor > 0:
                    self.zoom_by(math.log2(factor), self.mapFromGlobal(pinch.centerPoint().toPoint()).toPointF())
                event.accept()
                return True
        return super().event(event)

    def _native_gesture(self, event: QNativeGestureEvent) -> bool:
        kind = event.gestureType()
        pos = event.position()
        if kind == Qt.NativeGestureType.ZoomNativeGesture:
            self.zoom_by(math.log2(max(0.05, 1.0 + event.value())), pos)
        elif kind == Qt.NativeGestureType.SmartZoomNativeGesture:
            self.zoom_by(1.0, pos)
        elif kind == Qt.NativeGestureType.PanNativeGesture:
            delta = event.delta()
            self.pan_by(delta.x(), delta.y())
        event.accept()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        key = event.key()
        step_x, step_y = self.width() / 6, self.height() / 6
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.0)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(-1.0)
        elif key == Qt.Key.Key_Left:
            self.pan_by(step_x, 0)
        elif key == Qt.Key.Key_Right:
            self.pan_by(-step_x, 0)
        elif key == Qt.Key.Key_Up:
            self.pan_by(0, step_y)
        elif key == Qt.Key.Key_Down:
            self.pan_by(0, -step_y)
        elif key in (Qt.Key.Key_0, Qt.Key.Key_Home):
            self.reset_view()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ------------------------------------------------------------------ export
    def render_image(self, scale: float = 1.0) -> QImage:
        """The current view as an image (`scale` 2 for a sharper PNG)."""
        image = QImage(int(self.width() * scale), int(self.height() * scale), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(SEA)
        painter = QPainter(image)
        painter.scale(scale, scale)
        self.paint(painter)
        painter.end()
        return image


LegendEntry = tuple[str, QColor | None, str]  # entity, colour (None for a heading), words


def legend_height(entries: list[LegendEntry], metrics: QFontMetrics) -> float:
    return (metrics.height() + 4) * len(entries) + 10


def paint_legend(painter: QPainter, rect: QRectF, entries: list[LegendEntry], *, rtl: bool) -> None:
    """Swatches and words, one line each, on the reading side of `rect`: squares for
    organisations, discs for practices, as on the map; an entry without a colour is a
    heading."""
    metrics = QFontMetrics(painter.font())
    line = metrics.height() + 4
    align = (Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter
    for i, (entity_name, colour, words) in enumerate(entries):
        top = rect.top() + 5 + i * line
        if colour is None:  # a heading: what the colours below stand for
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(QColor("#222"))
            painter.drawText(QRectF(rect.left() + 4, top, rect.width() - 8, line), align,
                             QFontMetrics(font).elidedText(words, Qt.TextElideMode.ElideRight, int(rect.width() - 8)))
            font.setBold(False)
            painter.setFont(font)
            continue
        swatch = QRectF(rect.right() - 18 if rtl else rect.left() + 6, top + line / 2 - 5, 10, 10)
        painter.setPen(QPen(QColor("white"), 1))
        painter.setBrush(colour)
        if entity_name == "organisation":
            painter.drawRect(swatch)
        else:
            painter.drawEllipse(swatch)
        painter.setPen(QColor("#222"))
        text_rect = QRectF(rect.left() + 4, top, rect.width() - 28, line) if rtl else \
            QRectF(rect.left() + 24, top, rect.width() - 28, line)
        painter.drawText(text_rect, align, metrics.elidedText(words, Qt.TextElideMode.ElideRight, int(text_rect.width())))


class MapLegend(QWidget):
    """The legend beside the map: what each colour and shape means."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.entries: list[LegendEntry] = []
        self.setAccessibleName(_("Legend"))

    def set_entries(self, entries: list[LegendEntry]) -> None:
        self.entries = entries
        self.setToolTip("\n".join(words for _e, _c, words in entries))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(220, int(legend_height(self.entries, self.fontMetrics())))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self.sizeHint()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        paint_legend(painter, QRectF(self.rect()), self.entries,
                     rtl=self.layoutDirection() == Qt.LayoutDirection.RightToLeft)
        painter.end()


def _short_count(n: int) -> str:
    """A cluster's count in a few characters: 7, 86, 1.2k, 34k."""
    if n < 1000:
        return number_text(n)
    if n < 10000:
        return _("{n}k").format(n=number_text(round(n / 1000, 1)))
    return _("{n}k").format(n=number_text(round(n / 1000)))
