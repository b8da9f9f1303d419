"""World geometry for the partner map, Qt-free: the Web Mercator projection and the
shipped country borders.

Positions are kept in "world units": x and y in [0, 1], y growing southward, the square
of the Web Mercator projection (the one MBTiles raster tiles use, so borders, points and
tiles line up). A view at zoom z shows the world 256 x 2**z pixels wide.

The borders are Natural Earth's 1:50m countries (public domain), simplified and shipped
in resources/geo/countries.json (see resources/geo/README.md and build_borders.py).
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

from fieldapp.paths import resources_dir

MAX_LAT = 85.0511287798  # Web Mercator's square ends here (a hair inside, so y stays within 0 to 1)
TILE = 256  # pixels of one tile, and of the whole world at zoom 0
BORDERS_FILE = "geo/countries.json"


def clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def project(lon: float, lat: float) -> tuple[float, float]:
    """(longitude, latitude) in degrees to world units; latitudes past ±85.05° are
    pinned to the edge (the poles are at infinity in this projection)."""
    lat = clamp(lat, -MAX_LAT, MAX_LAT)
    x = (lon + 180.0) / 360.0
    s = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)
    return x, y


def mercator_y(lat: float) -> float:
    """The y of `project` alone (the map projects 100 000 latitudes at a time)."""
    lat = -MAX_LAT if lat < -MAX_LAT else MAX_LAT if lat > MAX_LAT else lat
    s = math.sin(lat * RAD)
    return 0.5 - math.log((1 + s) / (1 - s)) * INV_4PI


RAD = math.pi / 180.0
INV_4PI = 1.0 / (4 * math.pi)


def unproject(x: float, y: float) -> tuple[float, float]:
    """World units back to (longitude, latitude) in degrees, wrapped into range."""
    lon = x * 360.0 - 180.0
    lon = (lon + 180.0) % 360.0 - 180.0 if not -180.0 <= lon <= 180.0 else lon
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))
    return lon, clamp(lat, -MAX_LAT, MAX_LAT)


def valid_position(lat: float | None, lon: float | None) -> bool:
    """A latitude/longitude pair the map can place (both given and in range)."""
    return (lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180
            and not (math.isnan(lat) or math.isnan(lon)))


@dataclass(frozen=True)
class Country:
    """One country's outline: polygons of rings (outer ring first, then holes), each a
    list of world-unit (x, y) points."""

    id: str
    alpha_2: str | None
    name: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]
    bounds: tuple[float, float, float, float]  # x0, y0, x1, y1


def decode_ring(flat: list[int], precision: int) -> tuple[tuple[float, float], ...]:
    """A delta-encoded ring of the shipped file ([lon*p, lat*p, dlon, dlat, ...])."""
    points = []
    x = y = 0
    shift = 0.0  # whole worlds added so that a ring crossing the 180th meridian stays in one piece
    last = None
    for i in range(0, len(flat) - 1, 2):
        x += flat[i]
        y += flat[i + 1]
        px, py = project(x / precision, y / precision)
        if last is not None:
            jump = px + shift - last
            if jump > 0.5:
                shift -= 1.0
            elif jump < -0.5:
                shift += 1.0
        last = px + shift
        points.append((last, py))
    return tuple(points)


def load_borders(path: Path | None = None) -> tuple[Country, ...]:
    """The shipped country borders (or those of `path`), in world units. A missing or
    damaged file raises ValueError naming it: the map then shows points on a blank sea."""
    path = path or resources_dir() / BORDERS_FILE
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        precision = int(data["precision"])
        countries = []
        for c in data["countries"]:
            polygons = tuple(tuple(decode_ring(r, precision) for r in poly) for poly in c["polygons"])
            xs = [p[0] for poly in polygons for p in poly[0]]
            ys = [p[1] for poly in polygons for p in poly[0]]
            countries.append(Country(str(c.get("id") or ""), c.get("a2"), c.get("name", ""), polygons,
                                     (min(xs), min(ys), max(xs), max(ys))))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"country borders {path}: {exc}") from exc
    return tuple(countries)


@functools.lru_cache(maxsize=1)
def shipped_borders() -> tuple[Country, ...]:
    """The shipped borders, read once per process (about 40 000 points)."""
    return load_borders()
