"""The map's points: records with a latitude and longitude, read with the lists' own
filters, projected and indexed for clustering; and the records that have no usable
position (counted and listed beside the map, never silently left out). Qt-free.

A layer holds, per point, only SQLite's rowid, the position and the colour code: that is
what 100 000 practices cost to read (about a third of ids and titles, bench/map.py). The
id and title of the one point under the pointer are read when wanted (`records_by_rowid`).
"""
from __future__ import annotations

import math
import sqlite3
from operator import itemgetter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from sqlalchemy import ColumnClause, and_, func, literal_column, not_, or_, select

from fieldapp.core import translations
from fieldapp.core.fieldspec import translation_name
from fieldapp.core.geo import INV_4PI, MAX_LAT, RAD
from fieldapp.core.geo_cluster import Cluster, Level, PointIndex, cells_at
from fieldapp.core.schema import entity
from fieldapp.core.tables import TABLES

# What each layer is coloured by and filtered by (the same filters the lists offer).
COLOUR_FIELD: dict[str, str] = {"organisation": "college", "practice": "family"}
FILTER_FIELDS: dict[str, tuple[str, ...]] = {
    "organisation": ("college", "org_type", "region"),
    "practice": ("family", "climate_zone", "review_status", "region"),
}


@dataclass
class MapLayer:
    """One entity's points on the map: point i is the row rowids[i], at index.xs[i],
    index.ys[i] (world units), coloured by index.categories[i]."""

    entity: str
    colour_field: str
    rowids: list[int] = field(default_factory=list)
    index: PointIndex | OneLevel = field(default_factory=lambda: PointIndex([], [], []))  # OneLevel: a first view
    unplaced: int = 0  # matching records without a usable position
    total: int | None = None  # the points in all, when this is a first view (`first_view`)

    def __len__(self) -> int:
        return len(self.rowids) if self.total is None else self.total


def layer_filters(entity_name: str, filters: Mapping[str, Any]) -> dict[str, Any]:
    """The part of the map's filters that applies to this entity (region applies to both)."""
    allowed = FILTER_FIELDS[entity_name]
    return {k: v for k, v in filters.items() if k in allowed and v not in (None, "")}


def _selection(store: Any, entity_name: str, filters: Mapping[str, Any] | None):  # noqa: ANN202 - SQL parts
    """What a layer reads, for the whole layer and for a first view alike: the entity, its
    table, its colour field, the condition of its placed rows and the count of the others."""
    e = entity(entity_name)
    t = TABLES[e.name]
    where = store.where(entity_name, layer_filters(entity_name, filters or {}))
    keep = _placed(t) if where is None else and_(where, _placed(t))
    count = select(func.count()).select_from(t).where(_unplaced(t) if where is None else and_(where, _unplaced(t)))
    return e, t, COLOUR_FIELD[entity_name], keep, count


def _placed(t):
    """SQL: the row has a position the map can show (SQLite stores no NaN)."""
    return and_(t.c.latitude.between(-90, 90), t.c.longitude.between(-180, 180))


def _unplaced(t):
    """SQL: the opposite of _placed (a missing coordinate makes BETWEEN unknown, not false)."""
    return or_(t.c.latitude.is_(None), t.c.longitude.is_(None), not_(_placed(t)))


def _raw_rows(conn, stmt) -> list[tuple]:
    """Rows as plain tuples straight from sqlite3 (SQLAlchemy's row objects cost a third
    of the time at 100 000 rows)."""
    compiled = stmt.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    args = [params[name] for name in compiled.positiontup] if compiled.positiontup else params
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        return cursor.execute(str(compiled), args).fetchall()
    finally:
        cursor.close()


def load_layer(store, entity_name: str, filters: Mapping[str, Any] | None = None, *,
               levels: Iterable[int] = (0,)) -> MapLayer:
    """Every live record of `entity_name` matching `filters` that has a position, and
    the cluster `levels` the view needs first already built (others are built on demand).
    Read from the covering figures index (tables.FIGURES_INDEXES), in a worker."""
    e, t, colour, keep, count = _selection(store, entity_name, filters)
    # x comes back projected, and the latitude clamped to Web Mercator's square, so that
    # Python only finishes y (geo.mercator_y's sum) in list comprehensions of C calls.
    x: ColumnClause[Any] = literal_column(f"({e.name}.longitude + 180.0) / 360.0")
    clamped: ColumnClause[Any] = literal_column(f"max({-MAX_LAT}, min({MAX_LAT}, {e.name}.latitude))")
    stmt = select(literal_column(f"{e.name}.rowid"), t.c[colour], x, clamped).where(keep)
    with store.engine.connect() as conn:
        rows = _raw_rows(conn, stmt)
        unplaced = int(conn.execute(count).scalar() or 0)
    layer = MapLayer(entity_name, colour, unplaced=unplaced)
    if rows:
        rowids, cats, xs, clamped_lats = (list(map(itemgetter(i), rows)) for i in range(4))
        sines = list(map(math.sin, [lat * RAD for lat in clamped_lats]))
        ys = [0.5 - math.log((1 + s) / (1 - s)) * INV_4PI for s in sines]
        layer.rowids = rowids
        layer.index = PointIndex(xs, ys, cats)
    for level in levels:
        layer.index.level(level)
    return layer


class OneLevel:
    """The index of a first view: the one cluster level it was read with, and the
    categories present (for the legend). Other levels wait for the whole layer."""

    def __init__(self, level: int, built: Level, categories: list[str | None]):
        self._level, self._built, self.categories = level, built, categories

    def cached(self, level: int) -> Level | None:
        return self._built if level == self._level else None

    def nearest_cached(self, _level: int) -> Level:
        return self._built

    def level(self, _level: int) -> Level:
        return self._built


FIRST_VIEW_MAX_CELLS = 64  # past this, a level's cells are too many for one CASE in SQL


def first_view(store, entity_name: str, filters: Mapping[str, Any] | None, level: int) -> MapLayer | None:
    """What the map shows first, before every point is read: the clusters of one (coarse)
    cluster `level`, grouped by SQLite in one pass over the covering index, the same
    cells, counts, centroids and colours as PointIndex builds (a cluster of one keeps its
    rowid, for hover and click). Several times cheaper than reading the points; None when
    this SQLite lacks math functions or the level is too fine (then read the layer)."""
    cells = cells_at(level)
    if cells > FIRST_VIEW_MAX_CELLS:
        return None
    e, t, colour, keep, count = _selection(store, entity_name, filters)
    lat, lon = f"{e.name}.latitude", f"{e.name}.longitude"
    # y's cell from the latitudes where Mercator's cells meet (no trigonometry per row)
    bounds = [math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * k / cells)))) for k in range(1, cells)]
    cy = "CASE " + " ".join(f"WHEN {lat} > {b!r} THEN {k}" for k, b in enumerate(bounds)) + f" ELSE {cells - 1} END"
    x = f"(({lon} + 180.0) / 360.0)"
    sine = f"sin(max({-MAX_LAT}, min({MAX_LAT}, {lat})) * {RAD!r})"
    y = f"(0.5 - ln((1 + {sine}) / (1 - {sine})) * {INV_4PI!r})"
    stmt = select(literal_column(f"min(CAST({x} * {cells} AS INTEGER), {cells - 1})").label("cx"),
                  literal_column(cy).label("cy"), t.c[colour], literal_column("count(*)"),
                  literal_column(f"sum({x})"), literal_column(f"sum({y})"), literal_column(f"min({e.name}.rowid)"),
                  ).where(keep).group_by(literal_column("cx"), literal_column("cy"), t.c[colour])
    with store.engine.connect() as conn:
        try:
            rows = _raw_rows(conn, stmt)
        except sqlite3.OperationalError:  # no math functions in this SQLite
            return None
        unplaced = int(conn.execute(count).scalar() or 0)
    cells_of: dict[tuple[int, int], list] = {}
    for cx, cy_, category, n, sx, sy, rowid in rows:
        cell = cells_of.get((cx, cy_))
        if cell is None:
            cells_of[(cx, cy_)] = [n, sx, sy, category, n, rowid]
            continue
        cell[0] += n
        cell[1] += sx
        cell[2] += sy
        if n > cell[4]:
            cell[3], cell[4] = category, n
    rowids: list[int] = []
    clusters = []
    for n, sx, sy, category, _most, rowid in cells_of.values():
        if n == 1:
            clusters.append(Cluster(sx, sy, 1, category, len(rowids)))
            rowids.append(rowid)
        else:
            clusters.append(Cluster(sx / n, sy / n, n, category, -1))
    present = list(dict.fromkeys(r[2] for r in rows))
    return MapLayer(entity_name, colour, rowids, OneLevel(level, Level(clusters), present), unplaced=unplaced,
                    total=sum(r[3] for r in rows))


def records_by_rowid(store, entity_name: str, rowids: Iterable[int], lang: str | None = None) -> dict[int, tuple[str, str]]:
    """(id, title) of the map's points `rowids` (a hover, a click), the title in the
    reader's language when a translation exists (fieldapp.core.translations), else as written."""
    e = entity(entity_name)
    t = TABLES[e.name]
    wanted = list(rowids)
    out: dict[int, tuple[str, str]] = {}
    rowid: ColumnClause[Any] = literal_column(f"{e.name}.rowid")
    reader = translations.reader_language(lang)
    names = [e.title]
    if e.translated:
        names.append(e.language_field)
        if e.has(translation_name(e.title, reader)):
            names.append(translation_name(e.title, reader))
    with store.engine.connect() as conn:
        for i in range(0, len(wanted), 500):
            query = select(rowid, t.c.id, *(t.c[n] for n in names)).where(rowid.in_(wanted[i:i + 500]))
            for r, rid, *values in conn.execute(query):
                title = translations.title_of(e, dict(zip(names, values)), reader).text
                out[int(r)] = (rid, title or "")
    return out


def unplaced_records(store, entity_name: str, filters: Mapping[str, Any] | None = None, *,
                     limit: int = 1000) -> list[tuple[str, str]]:
    """(id, title) of matching records the map cannot place, sorted by title: the list a
    person works through to add the missing coordinates. The rows are found in the map's
    covering index and only the first `limit` of them are read for their titles, so a
    database where most records lack a position still answers at once."""
    e = entity(entity_name)
    t = TABLES[e.name]
    where = store.where(entity_name, layer_filters(entity_name, filters or {}))
    cond = _unplaced(t) if where is None else and_(where, _unplaced(t))
    rowid: ColumnClause[Any] = literal_column(f"{e.name}.rowid")
    with store.engine.connect() as conn:
        rowids = [r[0] for r in _raw_rows(conn, select(rowid).where(cond).limit(limit))]
    found = records_by_rowid(store, entity_name, rowids)
    return sorted(found.values(), key=lambda r: (r[1].casefold(), r[0]))
