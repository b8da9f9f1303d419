"""The map's points: records with a latitude and longitude, read with the lists' own
filters, projected and indexed for clustering; and the records that have no usable
position (counted and listed beside the map, never silently left out). Qt-free."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from sqlalchemy import and_, func, or_, select

from fieldapp.core.geo import project, valid_position
from fieldapp.core.geo_cluster import PointIndex
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
    """One entity's points on the map."""

    entity: str
    colour_field: str
    ids: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    index: PointIndex = field(default_factory=lambda: PointIndex([], [], []))
    unplaced: int = 0  # matching records without a usable position

    def __len__(self) -> int:
        return len(self.ids)


def layer_filters(entity_name: str, filters: Mapping[str, Any]) -> dict[str, Any]:
    """The part of the map's filters that applies to this entity (region applies to both)."""
    allowed = FILTER_FIELDS[entity_name]
    return {k: v for k, v in filters.items() if k in allowed and v not in (None, "")}


def load_layer(store, entity_name: str, filters: Mapping[str, Any] | None = None, *,
               levels: Iterable[int] = (0,)) -> MapLayer:
    """Every live record of `entity_name` matching `filters`, with its position, and the
    cluster `levels` the view needs first already built (others are built on demand)."""
    e = entity(entity_name)
    t = TABLES[e.name]
    colour = COLOUR_FIELD[entity_name]
    stmt = select(t.c.id, t.c[e.title], t.c.latitude, t.c.longitude, t.c[colour])
    where = store.where(entity_name, layer_filters(entity_name, filters or {}))
    if where is not None:
        stmt = stmt.where(where)
    layer = MapLayer(entity_name, colour)
    xs: list[float] = []
    ys: list[float] = []
    cats: list[str | None] = []
    with store.engine.connect() as conn:
        for rid, title, lat, lon, cat in conn.execute(stmt):
            if not valid_position(lat, lon):
                layer.unplaced += 1
                continue
            x, y = project(lon, lat)
            layer.ids.append(rid)
            layer.titles.append(title or "")
            layer.lats.append(lat)
            layer.lons.append(lon)
            xs.append(x)
            ys.append(y)
            cats.append(cat)
    layer.index = PointIndex(xs, ys, cats)
    for level in levels:
        layer.index.level(level)
    return layer


def unplaced_records(store, entity_name: str, filters: Mapping[str, Any] | None = None, *,
                     limit: int = 1000) -> list[tuple[str, str]]:
    """(id, title) of matching records the map cannot place, by title: the list a person
    works through to add the missing coordinates."""
    e = entity(entity_name)
    t = TABLES[e.name]
    missing = or_(t.c.latitude.is_(None), t.c.longitude.is_(None), t.c.latitude < -90, t.c.latitude > 90,
                  t.c.longitude < -180, t.c.longitude > 180)
    where = store.where(entity_name, layer_filters(entity_name, filters or {}))
    cond = missing if where is None else and_(where, missing)
    stmt = select(t.c.id, t.c[e.title]).where(cond).order_by(func.lower(t.c[e.title]), t.c.id).limit(limit)
    with store.engine.connect() as conn:
        return [(rid, title or "") for rid, title in conn.execute(stmt)]


__all__ = ["COLOUR_FIELD", "FILTER_FIELDS", "MapLayer", "layer_filters", "load_layer", "unplaced_records"]
